import type { Rule } from '../lint/types.js';

/** A file in a protocol folder that matches no protocol pattern. */
export const layoutUnknownFile: Rule = {
  id: 'layout-unknown-file',
  description: 'A file in a protocol folder that matches no pattern',
  severity: 'warning',
  docs: {
    rationale:
      'The protocol folders hold protocol files only, so a session can trust that everything it reads there follows the protocol: `plan/` holds `task-NNN.md`, `review/` holds `draft-NNN.mdx`, `final-NNN.mdx`, `findings-NNN.md` and `completed.md`, `postmortems/` holds `YYYY-MM-DD-slug.md`, `discovery/` holds `wave-N/` folders of `.md` files, and `sessions/` holds `<session-id>.md` session records. A `README.md`, `.gitkeep` or `.keep` is allowed anywhere. Anything else is probably a file written to the wrong place; move it out, or list it under `ignores` in the config if it belongs there.',
    examples: [
      {
        title: 'Stray files',
        files: {
          'plan/notes.txt': 'scratch\n',
          'sessions/run.log': 'log\n',
          'review/summary.md': '# Summary\n',
          'discovery/index.md': '# Index\n',
        },
        messages: [
          'discovery/index.md:1:1 Unexpected file `index.md` in `discovery/`, expected only `wave-N/` folders here; move it elsewhere or add it to `ignores` in the config',
          'plan/notes.txt:1:1 Unexpected file `notes.txt` in `plan/`, expected only `task-NNN.md` files here; move it elsewhere or add it to `ignores` in the config',
          'review/summary.md:1:1 Unexpected file `summary.md` in `review/`, expected only `draft-NNN.mdx`, `final-NNN.mdx`, `findings-NNN.md` and `completed.md` here; move it elsewhere or add it to `ignores` in the config',
          'sessions/run.log:1:1 Unexpected file `run.log` in `sessions/`, expected only `<session-id>.md` session records here; move it elsewhere or add it to `ignores` in the config',
        ],
      },
      {
        title: 'Protocol files and a README',
        files: {
          'plan/task-001.md': '# A task\n',
          'plan/README.md': '# Plans\n',
          'review/completed.md': '# Completed\n',
          'sessions/4f1c2b9e-8d7a-4c1e-9f3b-2a6d5e8c7b10.md': '---\nsession_id: 4f1c2b9e-8d7a-4c1e-9f3b-2a6d5e8c7b10\nagent: writer-1\nrole: writer\nstarted: 2026-03-19T10:00:00Z\nstatus: open\nbriefing: []\n---\n',
        },
        messages: [],
      },
    ],
  },
  check(context) {
    const { layout } = context.project.config;
    const expectedIn = (folder: string): string => {
      if (folder === layout.plan) return '`task-NNN.md` files';
      if (folder === layout.review) return '`draft-NNN.mdx`, `final-NNN.mdx`, `findings-NNN.md` and `completed.md`';
      if (folder === layout.postmortems) return '`YYYY-MM-DD-slug.md` postmortems';
      if (folder === layout.discovery) return '`wave-N/` folders';
      if (folder === layout.sessions) return '`<session-id>.md` session records';
      return '`.md` files';
    };
    for (const file of context.targets) {
      const classification = file.classification;
      if (classification.type !== 'unknown') continue;
      const name = file.path.slice(classification.folder.length + 1);
      context.report({
        file: file.path,
        line: 1,
        column: 1,
        message: `Unexpected file \`${name}\` in \`${classification.folder}/\`, expected only ${expectedIn(classification.folder)} here; move it elsewhere or add it to \`ignores\` in the config`,
      });
    }
  },
};
