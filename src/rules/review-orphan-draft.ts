import type { Rule } from '../lint/types.js';
import { numberedFileName } from '../protocol/layout.js';

/** A draft or final with no matching task. */
export const reviewOrphanDraft: Rule = {
  id: 'review-orphan-draft',
  description: 'A draft or final with no task (`review/draft-NNN.mdx` without `plan/task-NNN.md`)',
  severity: 'warning',
  docs: {
    rationale:
      'Writers draft tasks: `review/draft-NNN.mdx` and `review/final-NNN.mdx` belong to `plan/task-NNN.md` with the same number (padding aside: `draft-0007.mdx` matches `task-007.md`). A draft without its task was numbered wrongly or outlived a deleted task, and no reviewer will pick it up. Renumber it to its task, or write the task.',
    examples: [
      {
        title: 'A draft and a final without a task',
        files: { 'plan/task-001.md': '# One\n', 'review/draft-001.mdx': '# Draft\n', 'review/draft-007.mdx': '# Draft\n', 'review/final-0008.mdx': '# Final\n' },
        messages: [
          'review/draft-007.mdx:1:1 Unexpected draft `review/draft-007.mdx` without a task, expected `plan/task-007.md`; renumber the draft to its task, or write the task',
          'review/final-0008.mdx:1:1 Unexpected final `review/final-0008.mdx` without a task, expected `plan/task-008.md`; renumber the final to its task, or write the task',
        ],
      },
      {
        title: 'Every draft has its task, padding aside',
        files: { 'plan/task-0007.md': '# Seven\n', 'review/draft-007.mdx': '# Draft\n', 'review/final-00007.mdx': '# Final\n' },
        messages: [],
      },
    ],
  },
  check(context) {
    const plan = context.project.config.layout.plan;
    for (const file of context.targets) {
      if (file.kind !== 'draft' && file.kind !== 'final') continue;
      const number = file.classification.type === 'protocol' ? file.classification.number : undefined;
      if (number === undefined || context.project.numberedPaths('task', number).length > 0) continue;
      context.report({
        file: file.path,
        line: 1,
        column: 1,
        message: `Unexpected ${file.kind} \`${file.path}\` without a task, expected \`${plan}/${numberedFileName('task', number)}\`; renumber the ${file.kind} to its task, or write the task`,
      });
    }
  },
};
