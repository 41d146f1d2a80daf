import { posix } from 'node:path';
import type { Rule } from '../lint/types.js';

const KIND_NAMES: Record<string, string> = {
  task: 'task',
  draft: 'draft',
  final: 'final',
  findings: 'findings',
  todo: 'queue',
  done: 'queue',
  'wave-file': 'wave',
};

/** A protocol file outside the folder it belongs in. */
export const layoutMisplacedFile: Rule = {
  id: 'layout-misplaced-file',
  description: 'A protocol file outside its home (`task-*.md` outside plan/, drafts outside review/, queue files off the root)',
  severity: 'error',
  docs: {
    rationale:
      'Sessions find each other\'s work by path: planners write `plan/task-NNN.md`, writers and reviewers `review/draft-NNN.mdx`, `final-NNN.mdx` and `findings-NNN.md`, the queues are `urls_todo.md` and `urls_done.md` at the root, and wave files live in `discovery/wave-N/`. A file with a protocol name anywhere else (a task in a subfolder, a draft in plan/, a queue file in docs/) is invisible to every session and tool. Move it to the path the message gives; the folders are configurable under `layout` in the config.',
    examples: [
      {
        title: 'Files away from home',
        files: {
          'notes/task-004.md': '# A task\n',
          'plan/draft-002.mdx': '# A draft\n',
          'docs/urls_todo.md': '# Pending URLs\n',
          'notes/wave-2/ideas.md': '# Ideas\n',
        },
        messages: [
          'docs/urls_todo.md:1:1 Unexpected queue file `docs/urls_todo.md` away from its home, expected it at `urls_todo.md`; move its items there',
          'notes/task-004.md:1:1 Unexpected task file `notes/task-004.md` away from its home, expected it at `plan/task-004.md`; move it there',
          'notes/wave-2/ideas.md:1:1 Unexpected wave file `notes/wave-2/ideas.md` away from its home, expected it at `discovery/wave-2/ideas.md`; move it there',
          'plan/draft-002.mdx:1:1 Unexpected draft file `plan/draft-002.mdx` away from its home, expected it at `review/draft-002.mdx`; move it there',
        ],
      },
      {
        title: 'Every file at home',
        files: {
          'plan/task-004.md': '# A task\n',
          'review/draft-002.mdx': '# A draft\n',
          'urls_todo.md': '# Pending URLs\n',
          'discovery/wave-2/ideas.md': '# Ideas\n',
        },
        messages: [],
      },
    ],
  },
  check(context) {
    for (const file of context.targets) {
      const classification = file.classification;
      if (classification.type !== 'misplaced') continue;
      const name = posix.basename(file.path);
      let expected: string;
      if (classification.kind === 'todo' || classification.kind === 'done') expected = classification.expected;
      else if (classification.kind === 'wave-file') expected = posix.join(classification.expected, posix.basename(posix.dirname(file.path)), name);
      else expected = posix.join(classification.expected, name);
      const fix = classification.kind === 'todo' || classification.kind === 'done' ? 'move its items there' : 'move it there';
      context.report({
        file: file.path,
        line: 1,
        column: 1,
        message: `Unexpected ${KIND_NAMES[classification.kind] ?? classification.kind} file \`${file.path}\` away from its home, expected it at \`${expected}\`; ${fix}`,
      });
    }
  },
};
