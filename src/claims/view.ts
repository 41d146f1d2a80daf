/**
 * The claims every worktree of a repository shares, as the readers of the queue see them (the
 * briefing, `relay status`, the dashboard, rule `queue-claim-conflict`), and the records of a
 * store read whole: a light module, no writer in it, so the hooks' lint bundle stays small.
 */
import { debug } from '../debug.js';
import { normalizeUrl } from '../protocol/url.js';
import { gitCommonDir } from '../state/git.js';
import { CLAIMS_PREFIX, claimRef, listRefs, parseRecord, readMessages, type ClaimRecord } from './records.js';
import type { RefFailure, RefStore } from './store.js';

/** One claim ref with its record. */
export interface ClaimEntry extends ClaimRecord {
  ref: string;
  /** The commit the ref points at. */
  id: string;
  key: string;
}

/**
 * The claim refs of a store read whole (or those of the URL keys in `only`): records of their
 * own URL, and the rest (foreign: not relay's, too big, or filed under another URL's hash).
 */
export function readClaims(store: Pick<RefStore, 'list' | 'read' | 'where'>, refs?: Map<string, string>, only?: Iterable<string>): { ok: true; entries: ClaimEntry[]; foreign: string[] } | RefFailure {
  const listed = refs ?? store.list([`${CLAIMS_PREFIX}*`]);
  if (!(listed instanceof Map)) return listed;
  // Hashing the URLs asked for pays only when they are fewer than the refs (a hook's few lines).
  const keys = only && [...only];
  const wanted = keys && keys.length < listed.size ? new Set(keys.map(claimRef)) : undefined;
  const claimRefs = [...listed.keys()].filter((ref) => ref.startsWith(CLAIMS_PREFIX) && (!wanted || wanted.has(ref))).sort();
  const messages = store.read(listed, claimRefs);
  const entries: ClaimEntry[] = [];
  const foreign: string[] = [];
  for (const ref of claimRefs) {
    const record = messages.get(ref) === undefined ? undefined : parseRecord(messages.get(ref)!, ref);
    if (record === undefined) foreign.push(ref);
    else entries.push({ ...record, ref, id: listed.get(ref)!, key: (normalizeUrl(record.url) as { key: string }).key });
  }
  if (foreign.length > 0) debug('claims', () => `${foreign.length} foreign refs${store.where} skipped: ${foreign.slice(0, 5).join(', ')}`);
  return { ok: true, entries, foreign };
}

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
 * The claims every worktree of the repository holding `root` shares (or, with `only`, those of
 * these URL keys); undefined outside git, or when the refs cannot be read (said under
 * RELAY_DEBUG=claims). One `git for-each-ref` (which gives the records' sizes: a huge object is
 * never loaded), and one `git cat-file --batch` when there are claims.
 */
export function readClaimRefs(root: string, only?: Iterable<string>): ClaimRefs | undefined {
  if (gitCommonDir(root) === undefined) return undefined;
  const read = readClaims({
    where: '',
    list: (patterns) => listRefs(root, patterns),
    read: (refs, wanted) => readMessages(root, refs, wanted),
  }, undefined, only);
  if (!read.ok) {
    debug('claims', `reading the claims here: ${read.error}`);
    return undefined;
  }
  const view: ClaimRefs = { claimed: new Map(), completed: new Set(), foreign: read.foreign.length };
  for (const entry of read.entries) {
    if (entry.state === 'done') view.completed.add(entry.key);
    else view.claimed.set(entry.key, entry.at ? { agent: entry.agent, at: entry.at } : { agent: entry.agent });
  }
  return view;
}
