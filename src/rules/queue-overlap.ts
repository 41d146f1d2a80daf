import { findSlashVariant, queueIndex } from '../protocol/queue.js';
import type { Rule } from '../lint/types.js';
import { queuePair } from './util.js';

/** A URL in both urls_todo.md and urls_done.md: done wins. */
export const queueOverlap: Rule = {
  id: 'queue-overlap',
  description: 'A URL in both urls_todo.md and urls_done.md (done wins)',
  severity: 'error',
  fixable: true,
  docs: {
    rationale:
      'A URL that is both pending and done will be worked on twice. Finished work wins: `--fix` removes the pending line from urls_todo.md and keeps the done line. URLs are compared after normalisation (scheme and host lower-cased, default port and fragment dropped); URLs that differ only by a trailing slash are reported as likely the same but not fixed automatically. `relay done` moves a URL in one locked step, so this only happens through hand edits or merges.',
    examples: [
      {
        title: 'A URL pending and done at once',
        files: {
          'urls_todo.md': '# Pending URLs\n- https://example.com/article-1\n- https://example.com/article-2\n',
          'urls_done.md': '# Completed URLs\n- https://Example.com/article-1#intro (completed 2026-03-19)\n',
        },
        messages: ['urls_todo.md:2:3 Unexpected `https://example.com/article-1` in both queues, expected it in urls_done.md only (done on line 2); `--fix` removes it from urls_todo.md'],
        fixed: {
          'urls_todo.md': '# Pending URLs\n- https://example.com/article-2\n',
          'urls_done.md': '# Completed URLs\n- https://Example.com/article-1#intro (completed 2026-03-19)\n',
        },
      },
      {
        title: 'Differing only by a trailing slash',
        files: {
          'urls_todo.md': '# Pending URLs\n- https://example.com/article-1/\n',
          'urls_done.md': '# Completed URLs\n- https://example.com/article-1 (completed 2026-03-19)\n',
        },
        messages: ['urls_todo.md:2:3 Unexpected `https://example.com/article-1/` pending while `https://example.com/article-1` is done (line 2): they differ only by a trailing slash, expected one of them; remove the pending line if it is the same page'],
      },
      {
        title: 'Separate queues',
        files: {
          'urls_todo.md': '# Pending URLs\n- https://example.com/article-1\n',
          'urls_done.md': '# Completed URLs\n- https://example.com/article-0 (completed 2026-03-19)\n',
        },
        messages: [],
      },
    ],
  },
  check(context) {
    const pair = queuePair(context);
    if (!pair) return;
    const todo = pair.todo.queue;
    const done = pair.done.queue;
    if (!todo || !done) return;
    const doneIndex = queueIndex(done);
    const todoPath = pair.todo.path;
    const donePath = pair.done.path;
    for (const item of todo.items) {
      const doneLine = doneIndex.byKey.get(item.key)?.line;
      if (doneLine !== undefined) {
        context.report({
          file: todoPath,
          line: item.line,
          column: item.column,
          message: `Unexpected \`${item.url}\` in both queues, expected it in ${donePath} only (done on line ${doneLine}); \`--fix\` removes it from ${todoPath}`,
          fix: { removeLine: item.line },
        });
        continue;
      }
      const similar = findSlashVariant(doneIndex, item);
      if (similar) {
        context.report({
          file: todoPath,
          line: item.line,
          column: item.column,
          message: `Unexpected \`${item.url}\` pending while \`${similar.url}\` is done (line ${similar.line}): they differ only by a trailing slash, expected one of them; remove the pending line if it is the same page`,
        });
      }
    }
  },
};
