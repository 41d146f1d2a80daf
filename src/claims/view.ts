/**
 * The claims every worktree of a repository shares, as the readers of the queue see them (the
 * briefing, `relay status`, the dashboard, rule `queue-claim-conflict`): a light module, no
 * writer in it, so the hooks' lint bundle stays small.
 */
import { debug } from '../debug.js';
import { normalizeUrl } from '../protocol/url.js';
import { gitCommonDir } from '../state/git.js';
import { CLAIMS_PREFIX, listRefs, parseRecord, readMessages } from './records.js';

/** What every reader of the queue needs to know of the claims in this repository's refs. */
export interface ClaimRefs {
  /** Claims held, by normalised URL. */
  claimed: Map<string, { agent: string; at?: string }>;
  /** URLs completed and not yet landed on the default branch. */
  completed: Set<string>;
  /** Refs skipped: not relay's records, too big, or not under their URL's hash. */
  foreign: number;
}

/**
 * The claims every worktree of the repository holding `root` shares; undefined outside git,
 * or when the refs cannot be read (said under RELAY_DEBUG=claims). One `git for-each-ref`,
 * and two `git cat-file` when there are claims (sizes first: a huge object is never loaded).
 */
export function readClaimRefs(root: string): ClaimRefs | undefined {
  if (gitCommonDir(root) === undefined) return undefined;
  const refs = listRefs(root, [`${CLAIMS_PREFIX}*`]);
  if (!(refs instanceof Map)) {
    debug('claims', `reading the claims here: ${refs.error}`);
    return undefined;
  }
  const messages = readMessages(root, [...refs.values()]);
  const view: ClaimRefs = { claimed: new Map(), completed: new Set(), foreign: 0 };
  for (const [ref, id] of refs) {
    const message = messages.get(id);
    const record = message === undefined ? undefined : parseRecord(message, ref);
    const normalized = record && normalizeUrl(record.url);
    if (!normalized || !normalized.ok) view.foreign++;
    else if (record.state === 'done') view.completed.add(normalized.key);
    else view.claimed.set(normalized.key, record.at ? { agent: record.agent, at: record.at } : { agent: record.agent });
  }
  if (view.foreign > 0) debug('claims', `${view.foreign} foreign refs under ${CLAIMS_PREFIX} skipped`);
  return view;
}
