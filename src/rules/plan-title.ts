import type { Rule } from '../lint/types.js';
import { bodyStartLine, targetsOfKind } from './util.js';

/** A plan without a `#` title. */
export const planTitle: Rule = {
  id: 'plan-title',
  description: 'A plan without a `#` title',
  severity: 'error',
  docs: {
    rationale:
      'Every `plan/task-NNN.md` has a `#` title saying what the task is (PROTOCOL §2): the briefing lists current tasks by their titles, and sessions pick work by them. A `title` key in the front matter does not replace it. Write a first-level heading (`# Summarise the caching article`, or a setext `===` underline) with the task\'s name.',
    examples: [
      {
        title: 'No title, and an empty one',
        files: {
          'plan/task-001.md': '---\nid: task-001\n---\n## Goal\n\nSummarise the article.\n',
          'plan/task-002.md': '#\n\nSummarise the article.\n',
        },
        messages: [
          'plan/task-001.md:4:1 Unexpected plan without a `#` title, expected a first-level heading naming the task, like `# Summarise the caching article`; add one',
          'plan/task-002.md:1:1 Unexpected empty `#` title, expected the task\'s name after the `#`; write it',
        ],
      },
      {
        title: 'Titled plans',
        files: {
          'plan/task-001.md': '---\nid: task-001\n---\n# Summarise the caching article\n',
          'plan/task-002.md': 'Write up the retry-budget article\n=================================\n',
        },
        messages: [],
      },
    ],
  },
  check(context) {
    for (const file of targetsOfKind(context, 'task')) {
      const title = file.scan.headings.find((heading) => heading.depth === 1);
      if (!title) {
        context.report({
          file: file.path,
          line: bodyStartLine(file),
          column: 1,
          message: 'Unexpected plan without a `#` title, expected a first-level heading naming the task, like `# Summarise the caching article`; add one',
        });
      } else if (title.text === '') {
        context.report({ file: file.path, line: title.line, column: 1, message: 'Unexpected empty `#` title, expected the task\'s name after the `#`; write it' });
      }
    }
  },
};
