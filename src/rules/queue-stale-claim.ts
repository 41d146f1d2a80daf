import type { Rule } from '../lint/types.js';
import { lintedQueues } from './util.js';

interface Options {
  ttlHours: number;
}

/** A claim older than the claim TTL. */
export const queueStaleClaim: Rule<Options> = {
  id: 'queue-stale-claim',
  description: 'A claim in urls_todo.md older than the claim TTL (default 24 h)',
  severity: 'warning',
  options: {
    schema: { type: 'object', properties: { ttlHours: { type: 'number', exclusiveMinimum: 0 } }, additionalProperties: false },
    defaults: { ttlHours: 24 },
  },
  docs: {
    rationale:
      'A claim (`claimed by AGENT at TIMESTAMP`) tells other sessions a URL is taken. A session that died leaves its claims behind and the work stalls. Claims older than `ttlHours` (default 24) are reported so someone can `relay release` them or finish the work; a claim with no readable time cannot age and is reported too.',
    examples: [
      {
        title: 'An old claim and one without a time',
        files: {
          'urls_todo.md':
            '# Pending URLs\n- https://example.com/a (claimed by writer-7 at 2026-03-17T10:00:00Z)\n- https://example.com/b (claimed by writer-8 at 2026-03-19T09:00:00Z)\n- https://example.com/c (claimed by writer-9)\n',
        },
        now: '2026-03-19T10:00:00Z',
        messages: [
          'urls_todo.md:2:3 Unexpected claim by `writer-7` from `2026-03-17T10:00:00Z`, older than the 24 h claim TTL; finish it or run `relay release https://example.com/a`',
          'urls_todo.md:4:3 Unexpected claim by `writer-9` without a time, expected `claimed by AGENT at TIMESTAMP`; `relay claim` writes both',
        ],
      },
      {
        title: 'A longer TTL',
        files: { 'urls_todo.md': '# Pending URLs\n- https://example.com/a (claimed by writer-7 at 2026-03-17T10:00:00Z)\n' },
        options: { ttlHours: 72 },
        now: '2026-03-19T10:00:00Z',
        messages: [],
      },
    ],
  },
  check(context) {
    const ttlMs = context.options.ttlHours * 3600 * 1000;
    for (const file of lintedQueues(context)) {
      if (file.kind !== 'todo') continue;
      for (const item of file.queue!.items) {
        if (!item.claim) continue;
        const { agent, at } = item.claim;
        const time = at === undefined ? Number.NaN : Date.parse(at);
        if (Number.isNaN(time)) {
          const message =
            at === undefined
              ? `Unexpected claim by \`${agent}\` without a time, expected \`claimed by AGENT at TIMESTAMP\`; \`relay claim\` writes both`
              : `Unexpected claim time \`${at}\`, expected an ISO 8601 timestamp like \`2026-03-19T10:00:00Z\``;
          context.report({ file: file.path, line: item.line, column: item.column, message });
        } else if (context.now.getTime() - time > ttlMs) {
          context.report({
            file: file.path,
            line: item.line,
            column: item.column,
            message: `Unexpected claim by \`${agent}\` from \`${at}\`, older than the ${context.options.ttlHours} h claim TTL; finish it or run \`relay release ${item.url}\``,
          });
        }
      }
    }
  },
};
