import type { Rule } from '../lint/types.js';
import { isFutureDate, isRealDate, lintedQueues } from './util.js';

/** A done item without a valid completion date. */
export const queueDoneDate: Rule = {
  id: 'queue-done-date',
  description: 'A done item without a valid `completed YYYY-MM-DD` date',
  severity: 'error',
  docs: {
    rationale:
      'urls_done.md is the fleet\'s history: every item says when it was finished, as `(completed YYYY-MM-DD)`, a real calendar day that is not in the future (today is taken in the earliest time zone, UTC+14, so no one\'s today counts as future). More annotation fields may follow, separated by commas: `(completed 2026-03-19, by writer-7, output review/final-001.mdx)`. `relay done` writes this for you.',
    examples: [
      {
        title: 'Missing, impossible and future dates',
        files: {
          'urls_done.md':
            '# Completed URLs\n- https://example.com/a\n- https://example.com/b (completed 2026-02-30)\n- https://example.com/c (completed 2999-01-01)\n- https://example.com/d (completed 19 March)\n',
        },
        now: '2026-03-20T00:00:00Z',
        messages: [
          'urls_done.md:2:3 Unexpected done item without a completion date, expected `(completed YYYY-MM-DD)` after the URL; `relay done` adds it',
          'urls_done.md:3:3 Unexpected completion date `2026-02-30`, expected a real calendar day as YYYY-MM-DD',
          'urls_done.md:4:3 Unexpected completion date `2999-01-01` in the future, expected today or earlier',
          'urls_done.md:5:3 Unexpected completion date `19 March`, expected a real calendar day as YYYY-MM-DD',
        ],
      },
      {
        title: 'Dated items, with more fields',
        files: { 'urls_done.md': '# Completed URLs\n- https://example.com/article-0 (completed 2026-03-19)\n- https://example.com/article-9 (completed 2026-03-19, by writer-7, output review/final-009.mdx)\n' },
        now: '2026-03-20T00:00:00Z',
        messages: [],
      },
    ],
  },
  check(context) {
    for (const file of lintedQueues(context)) {
      if (file.kind !== 'done') continue;
      for (const item of file.queue!.items) {
        const date = item.completed;
        let message: string | undefined;
        if (date === undefined || date === '') {
          message = 'Unexpected done item without a completion date, expected `(completed YYYY-MM-DD)` after the URL; `relay done` adds it';
        } else if (!isRealDate(date)) {
          message = `Unexpected completion date \`${date}\`, expected a real calendar day as YYYY-MM-DD`;
        } else if (isFutureDate(date, context.now)) {
          message = `Unexpected completion date \`${date}\` in the future, expected today or earlier`;
        }
        if (message) context.report({ file: file.path, line: item.line, column: item.column, message });
      }
    }
  },
};
