import type { Rule } from '../lint/types.js';
import type { NumberedKind } from '../protocol/layout.js';

const NUMBERED_KINDS = new Set<string>(['task', 'draft', 'final', 'findings']);

/** Two files of one kind with the same number. */
export const layoutDuplicateId: Rule = {
  id: 'layout-duplicate-id',
  description: 'Two files with the same number (`task-001.md` and `task-0001.md`)',
  severity: 'error',
  docs: {
    rationale:
      'Numbers are ids: `task-001.md` and `task-0001.md` are both task 1, and a session looking for task 1 would pick one at random. Every file of a kind (task, draft, final, findings) needs its own number. Renumber one of them, and update the links and `depends_on` entries that point at it. A targeted run (a hook after an edit, a pre-commit check) checks the numbers of the files it lints.',
    examples: [
      {
        title: 'Task 1 twice',
        files: { 'plan/task-001.md': '# One\n', 'plan/task-0001.md': '# Also one\n', 'plan/task-002.md': '# Two\n' },
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
        message: `Unexpected duplicate id \`${kind}-${String(number).padStart(3, '0')}\`, expected one file per number (also ${others}); renumber one of them`,
      });
    }
  },
};
