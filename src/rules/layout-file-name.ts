import { posix } from 'node:path';
import type { Rule } from '../lint/types.js';
import { numberedFileName } from '../protocol/layout.js';

/** A name in a protocol folder that almost matches a protocol pattern. */
export const layoutFileName: Rule = {
  id: 'layout-file-name',
  description: 'A name in a protocol folder that almost matches (`Task-1.md`, `draft-001.md` in review/ with the wrong extension)',
  severity: 'error',
  docs: {
    rationale:
      'Tools find protocol files by exact name: `task-NNN.md`, `draft-NNN.mdx`, `final-NNN.mdx`, `findings-NNN.md` with numbers zero-padded to at least three digits, `review/completed.md`, `postmortems/YYYY-MM-DD-slug.md` (lower-case slug), `discovery/wave-N/` folders (no leading zeros) holding `.md` files. A near miss (`Task-1.md`, `task-1.md`, `draft-001.md`, `Wave-01/`) is skipped by every session and tool, so its content is lost. Rename it to the name the message gives.',
    examples: [
      {
        title: 'Near misses',
        files: {
          'plan/Task-1.md': '# A task\n',
          'review/draft-001.md': '# A draft\n',
          'postmortems/2026-03-15 Outage.md': '# Postmortem: Outage\n',
          'discovery/Wave-01/notes.md': '# Notes\n',
          'discovery/wave-2/notes.txt': 'Notes\n',
        },
        messages: [
          'discovery/Wave-01/notes.md:1:1 Unexpected folder name `Wave-01` in `discovery/`, expected `wave-1` (no leading zeros, lower case); rename the folder',
          'discovery/wave-2/notes.txt:1:1 Unexpected file name `notes.txt` in `discovery/wave-2/`, expected a `.md` file; rename it',
          'plan/Task-1.md:1:1 Unexpected file name `Task-1.md` in `plan/`, expected `task-001.md`; rename it',
          'postmortems/2026-03-15 Outage.md:1:1 Unexpected file name `2026-03-15 Outage.md` in `postmortems/`, expected a name like `2026-03-15-short-title.md` (date, then a lower-case slug); rename it',
          'review/draft-001.md:1:1 Unexpected file name `draft-001.md` in `review/`, expected `draft-001.mdx`; rename it',
        ],
      },
      {
        title: 'Exact names',
        files: {
          'plan/task-001.md': '# A task\n',
          'plan/task-1000.md': '# A task\n',
          'review/draft-001.mdx': '# A draft\n',
          'review/completed.md': '# Completed\n',
          'postmortems/2026-03-15-outage.md': '# Postmortem: Outage\n',
          'discovery/wave-1/notes.md': '# Notes\n',
        },
        messages: [],
      },
    ],
  },
  check(context) {
    const discovery = context.project.config.layout.discovery;
    for (const file of context.targets) {
      const classification = file.classification;
      if (classification.type !== 'bad-name') continue;
      const name = posix.basename(file.path);
      let message: string;
      if (classification.folder === discovery && posix.dirname(file.path) !== discovery) {
        // The wave folder's name is at fault, not the file's.
        const folder = file.path.slice(discovery.length + 1).split('/')[0]!;
        const number = /\d+/.exec(folder);
        const expected = number ? `\`wave-${Number(number[0])}\`` : 'a name like `wave-1`';
        message = `Unexpected folder name \`${folder}\` in \`${discovery}/\`, expected ${expected} (no leading zeros, lower case); rename the folder`;
      } else {
        let expected: string;
        if (classification.kind !== undefined && classification.number !== undefined) expected = `\`${numberedFileName(classification.kind, classification.number)}\``;
        else if (classification.expected.startsWith('a ')) expected = classification.expected;
        else if (classification.expected === 'completed.md') expected = '`completed.md`';
        else expected = `a name like \`${classification.expected}\` (date, then a lower-case slug)`;
        message = `Unexpected file name \`${name}\` in \`${classification.folder}/\`, expected ${expected}; rename it`;
      }
      context.report({ file: file.path, line: 1, column: 1, message });
    }
  },
};
