import { queueIndex } from '../protocol/queue.js';
import type { Rule } from '../lint/types.js';
import { lintedQueues } from './util.js';

/** A URL listed twice in one queue file. */
export const queueDuplicate: Rule = {
  id: 'queue-duplicate',
  description: 'A URL twice in one queue file',
  severity: 'error',
  fixable: true,
  docs: {
    rationale:
      'Each URL is one unit of work, so it appears once per queue. URLs are compared after normalisation. `--fix` keeps the first occurrence and removes the later ones; URLs that differ only by a trailing slash are reported as likely duplicates but not removed automatically, since they may be different pages.',
    examples: [
      {
        title: 'The same URL twice',
        files: {
          'urls_todo.md': '# Pending URLs\n- https://example.com/article-1\n- https://example.com/article-2\n- HTTPS://example.com:443/article-1\n',
        },
        messages: ['urls_todo.md:4:3 Unexpected second `HTTPS://example.com:443/article-1` in urls_todo.md, expected each URL once (first on line 2); `--fix` removes this line'],
        fixed: { 'urls_todo.md': '# Pending URLs\n- https://example.com/article-1\n- https://example.com/article-2\n' },
      },
      {
        title: 'Likely duplicates',
        files: { 'urls_done.md': '# Completed URLs\n- https://example.com/a (completed 2026-03-19)\n- https://example.com/a/ (completed 2026-03-20)\n' },
        messages: ['urls_done.md:3:3 Unexpected `https://example.com/a/`, likely a duplicate of `https://example.com/a` on line 2 (they differ only by a trailing slash), expected each URL once; remove one of them if they are the same page'],
      },
      {
        title: 'Every URL once',
        files: { 'urls_todo.md': '# Pending URLs\n- https://example.com/article-1\n- https://example.com/article-2\n' },
        messages: [],
      },
    ],
  },
  check(context) {
    for (const file of lintedQueues(context)) {
      const index = queueIndex(file.queue!);
      for (const { item, first } of index.duplicates) {
        context.report({
          file: file.path,
          line: item.line,
          column: item.column,
          message: `Unexpected second \`${item.url}\` in ${file.path}, expected each URL once (first on line ${first.line}); \`--fix\` removes this line`,
          fix: { removeLine: item.line },
        });
      }
      for (const { item, first } of index.likelyDuplicates) {
        context.report({
          file: file.path,
          line: item.line,
          column: item.column,
          message: `Unexpected \`${item.url}\`, likely a duplicate of \`${first.url}\` on line ${first.line} (they differ only by a trailing slash), expected each URL once; remove one of them if they are the same page`,
        });
      }
    }
  },
};
