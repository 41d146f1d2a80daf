import { readClaimRefs, type ClaimRefs } from '../claims/view.js';
import type { Rule } from '../lint/types.js';
import { lintedQueues } from './util.js';

/** The claim refs of each lint run's repository, read once per run (undefined outside git). */
const claimRefs = new WeakMap<object, ClaimRefs | undefined>();

/** `also claimed by AGENT [at TIME]`: the note the merge driver writes for a second claim. */
const ALSO_CLAIMED = /^also claimed by\s+(\S+)(?:\s+at\s+(\S+))?$/i;

/** A pending URL two clones claimed for different agents before they merged, or that the claim refs every worktree shares give to someone else. */
export const queueClaimConflict: Rule = {
  id: 'queue-claim-conflict',
  description: 'A pending URL claimed by two agents: two clones claimed it before they merged (the merge driver kept both)',
  severity: 'error',
  docs: {
    rationale:
      'Claims made in two clones meet only when the clones merge. When both claimed one URL for different agents, the relay merge driver keeps the first claim and writes the second as an `also claimed by AGENT at TIME` note, so neither agent silently loses it and two sessions do not do the same work unawares. Decide who does it: the other releases (`relay release URL` removes the note with the claim) or the note is deleted by hand. `relay claim --remote NAME` claims through the git remote and never produces this. Inside git, every worktree of a repository shares claim refs (`refs/relay/claims/<hash of the URL>`): a claim line here whose ref names another agent is reported (another worktree holds the URL, or stole it as stale), unless the line is no older than the ref (a handoff writes the line, then the ref: a lint in between sees the new holder’s line beside the old ref), and so is a pending line whose ref holds a completion (another worktree finished it; an error on a claimed line, a warning on an unclaimed one, which leaves this queue when that branch merges). `relay claim --agent AGENT` gives up, here, the claims the refs do not hold for AGENT. A line with no ref is not reported: a fresh clone has no refs.',
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
        // Only the records of the URLs being linted are read: a hook lints a few changed lines.
        if (!claimRefs.has(context.project)) claimRefs.set(context.project, readClaimRefs(context.project.root, lintedQueues(context).flatMap((each) => (each.kind === 'todo' ? each.queue!.items.map((one) => one.key) : []))));
        const refs = claimRefs.get(context.project);
        const holder = refs?.claimed.get(item.key);
        const at = { file: file.path, line: item.line, column: item.column };
        if (item.claim && holder && holder.agent !== item.claim.agent && !isHandoffUnderWay(item.claim.at, holder.at)) {
          context.report({ ...at, message: `Unexpected claim of \`${item.url}\` by \`${item.claim.agent}\` while its claim ref names \`${holder.agent}\` (another worktree holds it, or took it over), expected one claimant; \`relay claim --agent ${item.claim.agent}\` gives it up here` });
        } else if (refs?.completed.has(item.key)) {
          const message = `Unexpected pending \`${item.url}\`${item.claim ? ` claimed by \`${item.claim.agent}\`` : ''}: another worktree completed it (its ref holds the completion until that branch lands on the default branch), expected it done`;
          context.report(item.claim ? { ...at, message: `${message}; \`relay claim --agent ${item.claim.agent}\` gives it up here` } : { ...at, message: `${message}; it leaves this queue when that branch merges, and no one claims it meanwhile`, severity: 'warning' });
        }
      }
    }
  },
};

/**
 * Whether a claim line no older than its ref is a handoff under way: `relay handoff` (and the
 * runner's) writes the line first and the ref right after, so a lint in between (another
 * session's hook, a judge) sees the new holder's line beside the old holder's ref. Times are
 * whole seconds, and a claim handed on within the second it was made carries the same one. A
 * line older than its ref, or a time that cannot be read, is a conflict.
 */
function isHandoffUnderWay(lineAt: string | undefined, refAt: string | undefined): boolean {
  const line = lineAt === undefined ? Number.NaN : Date.parse(lineAt);
  const ref = refAt === undefined ? Number.NaN : Date.parse(refAt);
  return line >= ref;
}
