import type { Rule } from '../lint/types.js';
import type { NumberedKind } from '../protocol/layout.js';

const NUMBERED_KINDS = new Set<string>(['task', 'draft', 'final', 'findings']);

/** Two files of one kind with the same number. */
export const layoutDuplicateId: Rule = {
  id: 'layout-duplicate-id',
  description: 'Two files with the same number (`task-001.md` and `task-0001.md`)',
  severity: 'error',
  fixable: true,
  docs: {
    rationale:
      'Numbers are ids: `task-001.md` and `task-0001.md` are both task 1, and a session looking for task 1 would pick one at random. Every file of a kind (task, draft, final, findings) needs its own number. `protocol-lint --fix` renumbers the later spelling (a longer spelling sorts after a shorter one, then by name, then by content: `task-0012.md` moves, `task-012.md` keeps 12) to the next free number (tasks, drafts and finals share their numbers; findings have their own), and everything that names it by that spelling follows: relative links in protocol documents, `output` fields in the queue files, and for a task its front matter `id`, other tasks\' `depends_on` entries and its `draft-`/`final-` files of the same spelling. References by the other spelling or the bare number stay with the file that keeps the number. Nothing is deleted before its copy and the rewritten references are in place, and a second run changes nothing. A targeted run (a hook after an edit, a pre-commit check) checks the numbers of the files it lints.',
    examples: [
      {
        title: 'Task 1 twice',
        files: {
          'plan/task-001.md': '# One\n',
          'plan/task-0001.md': '---\nid: task-0001\n---\n# Also one\n',
          'plan/task-002.md': '---\ndepends_on: [task-0001, task-001]\n---\n# Two, after [one](task-0001.md)\n',
        },
        fixed: {
          'plan/task-001.md': '# One\n',
          'plan/task-003.md': '---\nid: task-003\n---\n# Also one\n',
          'plan/task-002.md': '---\ndepends_on: [task-003, task-001]\n---\n# Two, after [one](task-003.md)\n',
        },
        messages: [
          'plan/task-0001.md:1:1 Unexpected duplicate id `task-001`, expected one file per number (also `plan/task-001.md`); renumber one of them',
          'plan/task-001.md:1:1 Unexpected duplicate id `task-001`, expected one file per number (also `plan/task-0001.md`); renumber one of them',
        ],
      },
      {
        title: 'One file per number and kind',
        files: { 'plan/task-001.md': '# One\n', 'review/draft-001.mdx': '# Draft one\n', 'review/final-001.mdx': '# Final one\n' },
        messages: [],
      },
    ],
  },
  check(context) {
    for (const file of context.targets) {
      const { kind } = file;
      const number = file.classification.type === 'protocol' ? file.classification.number : undefined;
      if (kind === undefined || number === undefined || !NUMBERED_KINDS.has(kind)) continue;
      const paths = context.project.numberedPaths(kind as NumberedKind, number);
      if (paths.length < 2) continue;
      const others = paths.filter((path) => path !== file.path).map((path) => `\`${path}\``).join(', ');
      context.report({
        file: file.path,
        line: 1,
        column: 1,
        fix: { renumber: true },
        message: `Unexpected duplicate id \`${kind}-${String(number).padStart(3, '0')}\`, expected one file per number (also ${others}); renumber one of them`,
      });
    }
  },
};
