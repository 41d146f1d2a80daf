import type { Rule } from '../lint/types.js';
import { lintedQueues } from './util.js';

/** `also claimed by AGENT [at TIME]`: the note the merge driver writes for a second claim. */
const ALSO_CLAIMED = /^also claimed by\s+(\S+)(?:\s+at\s+(\S+))?$/i;

/** A pending URL two clones claimed for different agents before they merged. */
export const queueClaimConflict: Rule = {
  id: 'queue-claim-conflict',
  description: 'A pending URL claimed by two agents: two clones claimed it before they merged (the merge driver kept both)',
  severity: 'error',
  docs: {
    rationale:
      'Claims made in two clones meet only when the clones merge. When both claimed one URL for different agents, the relay merge driver keeps the first claim and writes the second as an `also claimed by AGENT at TIME` note, so neither agent silently loses it and two sessions do not do the same work unawares. Decide who does it: the other releases (`relay release URL` removes the note with the claim) or the note is deleted by hand. `relay claim --remote NAME` claims through the git remote and never produces this.',
    examples: [
      {
        title: 'A URL claimed in two clones',
        files: {
          'urls_todo.md': '# Pending URLs\n- https://example.com/a (claimed by alice at 2026-03-19T10:00:00Z; also claimed by bob at 2026-03-19T10:05:00Z)\n- https://example.com/b (claimed by alice at 2026-03-19T10:00:00Z)\n',
        },
        now: '2026-03-19T11:00:00Z',
        messages: [
          'urls_todo.md:2:3 Unexpected second claim of `https://example.com/a` by `bob` (two clones claimed it before merging; `alice` holds it), expected one claimant; agree who does it, then remove the note or run `relay release https://example.com/a`',
        ],
      },
      {
        title: 'One claimant per URL',
        files: {
          'urls_todo.md': '# Pending URLs\n- https://example.com/a (claimed by alice at 2026-03-19T10:00:00Z; also checked by bob)\n- https://example.com/b (claimed by bob at 2026-03-19T10:05:00Z)\n',
        },
        now: '2026-03-19T11:00:00Z',
        messages: [],
      },
    ],
  },
  check(context) {
    for (const file of lintedQueues(context)) {
      if (file.kind !== 'todo') continue;
      for (const item of file.queue!.items) {
        for (const note of item.notes) {
          const match = ALSO_CLAIMED.exec(note);
          if (!match) continue;
          context.report({
            file: file.path,
            line: item.line,
            column: item.column,
            message: `Unexpected second claim of \`${item.url}\` by \`${match[1]}\` (two clones claimed it before merging; \`${item.claim?.agent ?? 'nobody'}\` holds it), expected one claimant; agree who does it, then remove the note or run \`relay release ${item.url}\``,
          });
        }
      }
    }
  },
};
