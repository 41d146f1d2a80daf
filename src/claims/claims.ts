/**
 * Claims as refs (PROTOCOL §5 version 3, §7): one code path, two reaches. A URL is claimed by
 * creating `refs/relay/claims/<sha256 of its normalised URL>` with "must not exist": in the
 * repository's own refs, which every worktree shares (the default inside git), or on a git
 * remote (`--remote`). The ref decides who holds a URL; the queue files stay the
 * human-readable view: a won claim is then written into urls_todo.md in one queue
 * transaction (`claimListed`), and given back when the queue refuses it.
 *
 * - `relay done` turns the ref into a completion record, so no worktree or clone claims the
 *   URL again before the completion lands on the default branch; only then is the ref pruned
 *   (`pruneLanded`), never while a branch that holds the completion could still be abandoned.
 * - `relay release` deletes the ref (a lease on the commit read), `relay handoff` rewrites it.
 * - Outside git nothing of this runs: the queue files alone decide, as before.
 *
 * Every function returns a result, prints nothing, and spawns git with argument vectors only.
 */
import type { Config } from '../protocol/config.js';
import { isStaleClaim, parseQueue, type QueueItem } from '../protocol/queue.js';
import { normalizeUrl } from '../protocol/url.js';
import { debug } from '../debug.js';
import { isoSeconds } from '../state/identity.js';
import { claimListed, claimUrls, type Claim, type ClaimOptions as QueueClaimOptions } from '../state/queue-claim.js';
import { loadQueues, queuePaths, readQueueText, type OperationFailure, type Rejection } from '../state/queue-files.js';
import { releaseUrls } from '../state/queue-release.js';
import { queueStatus } from '../state/queue-status.js';
import { remoteStore } from '../remote/store.js';
import { remoteDoneKeys, type RemoteDone } from '../remote/context.js';
import { git } from './git.js';
import { CLAIMS_PREFIX, claimRef, formatRecord, parseRecord, type ClaimRecord } from './records.js';
import { readClaims } from './view.js';
import { isMap, localStore, recordCommit, type RefFailure, type RefStore, type RefUpdate } from './store.js';

/** The store a command works through: the remote named, else this repository's refs; undefined outside git. */
export function openStore(root: string, remote: string | undefined): RefStore | RefFailure | undefined {
  return remote === undefined ? localStore(root) : remoteStore(root, remote);
}

/** Options of `claim`: those of the queue's own claim (stale claims of lines and refs alike), and where. */
export interface ClaimOptions extends Omit<QueueClaimOptions, 'lock'> {
  /** Claim through this git remote instead of this repository's refs. */
  remote?: string | undefined;
  /** The run the claim is part of (`RELAY_RUN`), written into the record. */
  run?: string | undefined;
  /** A source of randomness in [0, 1) (tests pin it). */
  random?: () => number;
}

/** What `claim` did. */
export interface ClaimResult {
  ok: true;
  /** Held claims first (`held: true`), then new ones. */
  claimed: Claim[];
  /** Ref writes made (pushes through a remote), for the bench and RELAY_DEBUG. */
  pushes: number;
  /** Refs another claimer created first, tried again elsewhere. */
  lostRaces: number;
  /** Claims of this agent here whose ref another agent holds: released here. */
  givenUp: { url: string; holder: string }[];
  /** With nothing claimed: pending URLs here whose claim is stale. */
  stale?: number;
}

/** A claim round that keeps losing every race is given up after this many rounds (a fleet of 200 needs a handful). */
const MAX_ROUNDS = 60;
/**
 * Through a remote, candidates are picked at random among the first free ones: this many per
 * URL wanted, at least `MIN_WINDOW`, and twice as many after each round that lost a race.
 * Measured with 20 clones racing for 100 URLs (bench/remote-claims.mjs): a window of 16 lost
 * 77 races, 64 lost 32. Here, claimers are serialized by a lock and take the first free URLs.
 */
const WINDOW_PER_URL = 8;
const MIN_WINDOW = 64;

/**
 * Claims up to `count` URLs: gives back the agent's held claims (still its own in the refs)
 * first, then creates claim refs for the first free pending URLs (through a remote: picked at
 * random among them), one write per round; a URL another claimer won is replaced in the next
 * round. Won URLs are then marked claimed in urls_todo.md. Outside git: the queue alone.
 */
export function claim(root: string, config: Config, options: ClaimOptions): ClaimResult | OperationFailure {
  const store = openStore(root, options.remote);
  if (store === undefined) {
    const local = claimUrls(root, config, options);
    return local.ok ? { ok: true, claimed: local.claimed, pushes: 0, lostRaces: 0, givenUp: [], ...(local.claimed.length === 0 ? { stale: local.stale } : {}) } : local;
  }
  if ('ok' in store) return store;
  const result = store.serialize('claims', () => claimRounds(store, config, options));
  if (!result.ok || result.claimed.length > 0 || store.remote) return result;
  const status = queueStatus(root, config, { now: options.now, ttlHours: options.ttlHours });
  return { ...result, stale: status.ok ? status.staleClaims.length : 0 };
}

function claimRounds(store: RefStore, config: Config, options: ClaimOptions): ClaimResult | OperationFailure {
  const { root } = store;
  const random = options.random ?? Math.random;
  const result: ClaimResult = { ok: true, claimed: [], pushes: 0, lostRaces: 0, givenUp: [] };
  /** URLs settled in this call: claimed, lost, given up or refused here. */
  const settled = new Set<string>();
  let doneThere: RemoteDone | undefined;
  let widen = 1;
  const isStale = (at: string | undefined): boolean => isStaleClaim({ claim: { agent: '', at } } as QueueItem, options.now, options.ttlHours);
  for (let round = 0; round < MAX_ROUNDS && result.claimed.length < options.count; round++) {
    const branch = store.context ? `refs/heads/${store.context.branch}` : undefined;
    const refs = store.list([`${CLAIMS_PREFIX}*`, ...(branch ? [branch] : ['refs/heads/main', 'refs/heads/master', PRUNED_AT])]);
    if (!isMap(refs)) return refs;
    let done = new Set<string>();
    if (branch !== undefined) {
      // Through a remote: URLs done on the remote's branch are not claimed again.
      const read = remoteDoneKeys(store.context!, config, refs.get(branch), doneThere);
      if ('ok' in read) return read;
      done = (doneThere = read).keys;
    } else if (round === 0) {
      const pruned = pruneWhenMoved(store, config, refs);
      if (!pruned.ok) return pruned;
    }
    const read = readQueueText(queuePaths(root, config).todo, config.layout.todo, false);
    if (!read.ok) return read;
    if (read.text === undefined) return { ok: false, error: `Unexpected missing \`${config.layout.todo}\`, expected the pending queue; run \`relay init\`` };
    const text = read.text;
    const updates: RefUpdate[] = [];
    const picks = new Map<string, { url: string; key: string; line: number; stolenFrom?: string }>();
    if (round === 0 && text.includes(`claimed by ${options.agent}`)) {
      // Idempotent per agent: URLs this agent claims here come back first, if the refs agree they are its own.
      const loaded = loadQueues(root, config);
      if (!loaded.ok) return loaded;
      const { todo, doneKeys } = loaded.queues;
      const held = todo.items.filter((item, index, all) => item.claim?.agent === options.agent && !doneKeys.has(item.key) && !done.has(item.key) && all.findIndex((other) => other.key === item.key) === index).slice(0, options.count);
      const records = recordsOf(store, refs, held.map((item) => claimRef(item.key)));
      for (const item of held) {
        const ref = claimRef(item.key);
        settled.add(item.key);
        const record = records.get(ref);
        if (!refs.has(ref)) {
          // Claimed here before the refs were used (or its ref was released): take the ref now.
          picks.set(ref, { url: item.url, key: item.key, line: item.line });
          updates.push({ ref, expect: '' });
        } else if (record?.agent === options.agent && record.state === 'claim') {
          result.claimed.push({ url: item.url, key: item.key, agent: options.agent, at: item.claim?.at ?? '', line: item.line, held: true });
        } else {
          result.givenUp.push({ url: item.url, holder: record?.agent ?? (store.remote ? 'another machine' : 'another worktree') });
        }
      }
    }
    const need = options.count - result.claimed.length - picks.size;
    const window = store.spread ? Math.max(MIN_WINDOW, need * WINDOW_PER_URL) * widen : need;
    const { free, stealable } = leadingItems(text, need > 0 ? window : 0, (item) => {
      if (settled.has(item.key) || done.has(item.key) || (item.claim && !(options.stealStale && isStale(item.claim.at)))) return false;
      return refs.has(claimRef(item.key)) ? (options.stealStale ? 'steal' : false) : 'free';
    });
    for (const item of store.spread ? pickRandom(free, need, random) : free.slice(0, need)) {
      picks.set(claimRef(item.key), item);
      updates.push({ ref: claimRef(item.key), expect: '' });
    }
    if (options.stealStale && picks.size < options.count - result.claimed.length && stealable.length > 0) {
      const records = recordsOf(store, refs, stealable.map((item) => claimRef(item.key)));
      for (const item of stealable) {
        if (picks.size >= options.count - result.claimed.length) break;
        const ref = claimRef(item.key);
        const record = records.get(ref);
        // A completion is never stolen; a record that cannot be read cannot be aged.
        if (!record || record.state !== 'claim' || record.agent === options.agent || !isStale(record.at)) continue;
        picks.set(ref, { ...item, stolenFrom: record.agent });
        updates.push({ ref, expect: refs.get(ref)! });
      }
    }
    if (updates.length === 0) break;
    for (const update of updates) {
      const commit = recordCommit(root, recordOf(store, options, picks.get(update.ref)!.url, 'claim'), store.objectFormat);
      if (typeof commit !== 'string') return commit;
      update.id = commit;
    }
    const outcomes = store.apply(updates);
    result.pushes++;
    if (!isMap(outcomes)) return outcomes;
    const won: RefUpdate[] = [];
    let refused: RefFailure | undefined;
    let lost = false;
    for (const update of updates) {
      const outcome = outcomes.get(update.ref)!;
      const pick = picks.get(update.ref)!;
      if (outcome.status === 'refused') {
        refused ??= refusal(store, update.ref, `claim of ${pick.url}`, outcome.reason);
      } else if (outcome.status === 'ok') {
        won.push(update);
      } else {
        settled.add(pick.key);
        result.lostRaces++;
        lost = true;
        debug(store.remote ? 'remote' : 'claims', `lost ${pick.url} to another claimer (${outcome.reason})`);
      }
    }
    if (refused) {
      // Nothing half-done: claims this write did win are given back before saying why.
      giveBack(store, won);
      return refused;
    }
    if (lost) widen *= 2;
    if (won.length === 0) continue;
    const local = claimListed(root, config, { urls: won.map((update) => picks.get(update.ref)!.url), agent: options.agent, now: options.now, ttlHours: options.ttlHours, stealStale: options.stealStale });
    if (!local.ok) {
      giveBack(store, won);
      return local;
    }
    for (const claimed of local.claimed) {
      settled.add(claimed.key);
      const pick = picks.get(claimRef(claimed.key));
      if (pick?.stolenFrom !== undefined) claimed.stolenFrom = pick.stolenFrom;
      // The line as the queue was read (the queue transaction's search may not count lines).
      if (pick) claimed.line = pick.line;
      result.claimed.push(claimed);
    }
    if (local.refused.length > 0) {
      // Done or claimed here since the queue was read: the claim ref goes back.
      for (const { key, url, reason } of local.refused) {
        settled.add(key);
        debug('claims', `won ${url}${store.where} but it is ${reason} here; giving the claim back`);
      }
      giveBack(store, local.refused.map(({ key }) => won.find((update) => update.ref === claimRef(key))!));
    }
  }
  if (result.givenUp.length > 0) {
    const released = releaseUrls(root, config, { urls: result.givenUp.map((item) => item.url), all: false, agent: options.agent, force: false });
    if (!released.ok) return released;
  }
  debug(store.remote ? 'remote' : 'claims', `claimed ${result.claimed.length} ${store.remote ? `through ${store.remote}` : 'here'} in ${result.pushes} pushes, ${result.lostRaces} races lost`);
  return result;
}

/**
 * The queue's items from the top, one per URL, sorted by what `judge` says: free to create, or
 * held by a ref that may be stolen. Parses a longer prefix of the file until `want` are free or
 * the file ends, so a claim in a 50,000-line queue reads the first lines only.
 */
function leadingItems(text: string, want: number, judge: (item: QueueItem) => 'free' | 'steal' | false): { free: QueueItem[]; stealable: QueueItem[] } {
  for (let size = 1 << 16; ; size *= 4) {
    const cut = size >= text.length ? text.length : text.lastIndexOf('\n', size) + 1 || text.length;
    const free: QueueItem[] = [];
    const stealable: QueueItem[] = [];
    const seen = new Set<string>();
    for (const item of parseQueue(text.slice(0, cut)).items) {
      if (free.length >= want) break;
      if (seen.has(item.key)) continue;
      seen.add(item.key);
      const verdict = judge(item);
      if (verdict === 'free') free.push(item);
      else if (verdict === 'steal') stealable.push(item);
    }
    if (free.length >= want || cut === text.length) return { free, stealable };
  }
}

/** The record of a claim (or completion) by `options.agent` now. */
function recordOf(store: RefStore, options: { agent: string; now: Date; run?: string | undefined }, url: string, state: ClaimRecord['state']): string {
  return formatRecord({ state, url, agent: options.agent, host: store.host, run: options.run ?? '', at: isoSeconds(options.now) });
}

/** The one line for a ref the store refused: no retry cures it. */
function refusal(store: RefStore, ref: string, what: string, reason: string): RefFailure {
  if (store.remote === undefined) return { ok: false, error: `Cannot write \`${ref}\` here (${what}): ${reason}` };
  return { ok: false, error: `The remote \`${store.remote}\` refused \`${ref}\` (${what}): ${reason}; it must accept refs under \`refs/relay/\` (see docs/sharing-through-git.md, "What the host must allow")` };
}

/** The records of the given refs (undefined: no ref, or not a record of its URL). */
function recordsOf(store: RefStore, refs: Map<string, string>, wanted: string[]): Map<string, ClaimRecord | undefined> {
  const messages = store.read(refs, wanted);
  return new Map(wanted.map((ref) => [ref, messages.get(ref) === undefined ? undefined : parseRecord(messages.get(ref)!, ref)]));
}

/** Picks `count` items at random from `items`, keeping their file order. */
function pickRandom<T>(items: T[], count: number, random: () => number): T[] {
  if (items.length <= count) return items;
  const indexes = items.map((_, index) => index);
  for (let index = indexes.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [indexes[index], indexes[other]] = [indexes[other]!, indexes[index]!];
  }
  return indexes
    .slice(0, count)
    .sort((a, b) => a - b)
    .map((index) => items[index]!);
}

/** Deletes refs this call created (leases on their own commits); best effort, said under RELAY_DEBUG. */
function giveBack(store: RefStore, won: RefUpdate[]): void {
  if (won.length === 0) return;
  const outcomes = store.apply(won.map((update) => ({ ref: update.ref, expect: update.id! })));
  if (!isMap(outcomes)) debug('claims', `could not give back ${won.length} claims${store.where}: ${outcomes.error}`);
}

/** The claim refs of `urls` (those that normalise), by ref. */
function refsOf(urls: string[]): Map<string, string> {
  const wanted = new Map<string, string>();
  for (const url of urls) {
    const normalized = normalizeUrl(url.trim());
    if (normalized.ok) wanted.set(claimRef(normalized.key), url.trim());
  }
  return wanted;
}

/** Options of `releaseRefs`. */
export interface ReleaseRefsOptions {
  urls: string[];
  agent: string;
  /** Release other agents' claims and completions waiting to land too. */
  force: boolean;
  /** Every claim of `agent` in the store, besides `urls`. */
  all: boolean;
}

/** What `releaseRefs` did. */
export interface ReleaseRefsResult {
  ok: true;
  /** URLs whose ref was deleted, and whose it was. */
  released: { url: string; from: string }[];
  /** URLs whose ref could not be released. */
  rejected: Rejection[];
  /** URLs given, and with `all` those this agent claims in the store, for the release in the queue. */
  urls: string[];
}

/**
 * Deletes claim refs with a lease on the commit read: the agent's own, or anyone's with
 * `force`. A completion waiting to land is released only with `force`. URLs with no ref are
 * left to the release in the queue.
 */
export function releaseRefs(store: RefStore, options: ReleaseRefsOptions): ReleaseRefsResult | OperationFailure {
  const wanted = refsOf(options.urls);
  const refs = options.all ? store.list([`${CLAIMS_PREFIX}*`]) : wanted.size === 0 ? new Map<string, string>() : store.list([...wanted.keys()]);
  if (!isMap(refs)) return refs;
  const records = recordsOf(store, refs, options.all ? [...refs.keys()] : [...wanted.keys()].filter((ref) => refs.has(ref)));
  if (options.all) {
    for (const [ref, record] of records) if (record?.agent === options.agent && record.state === 'claim' && !wanted.has(ref)) wanted.set(ref, record.url);
  }
  const result: ReleaseRefsResult = { ok: true, released: [], rejected: [], urls: [...wanted.values()] };
  const updates: RefUpdate[] = [];
  for (const [ref, url] of wanted) {
    const id = refs.get(ref);
    if (id === undefined) continue;
    const record = records.get(ref);
    const holder = record?.agent ?? 'unknown';
    if (!options.force && record?.state === 'done') {
      result.rejected.push({ url, reason: `completed by \`${holder}\`${store.where} and waiting to land on the default branch; pass \`--force\` to release it anyway` });
    } else if (!options.force && holder !== options.agent) {
      result.rejected.push({ url, reason: `claimed${store.where} by \`${holder}\`, not \`${options.agent}\`; pass \`--force\` to release it anyway` });
    } else {
      updates.push({ ref, expect: id });
    }
  }
  const outcomes = store.apply(updates);
  if (!isMap(outcomes)) return outcomes;
  for (const update of updates) {
    const url = wanted.get(update.ref)!;
    const outcome = outcomes.get(update.ref)!;
    if (outcome.status === 'ok') result.released.push({ url, from: records.get(update.ref)?.agent ?? 'unknown' });
    else if (outcome.status === 'lost') result.rejected.push({ url, reason: `its claim${store.where} changed meanwhile (stolen or completed); run \`relay status\`` });
    else return refusal(store, update.ref, `release of ${url}`, outcome.reason);
  }
  return result;
}

/**
 * Points the claim ref of each URL at a new record, whatever it held (done wins; a handoff
 * moves the claim): `relay done` writes completions, `relay handoff` claims naming the new
 * holder. Returns how many refs were written.
 */
export function writeRecords(store: RefStore, options: { urls: string[]; state: ClaimRecord['state']; agent: string; now: Date; run?: string | undefined }): { ok: true; written: number } | OperationFailure {
  const updates: RefUpdate[] = [];
  for (const [ref, url] of refsOf(options.urls)) {
    const commit = recordCommit(store.root, recordOf(store, options, url, options.state), store.objectFormat);
    if (typeof commit !== 'string') return commit;
    updates.push({ ref, id: commit });
  }
  const outcomes = store.apply(updates);
  if (!isMap(outcomes)) return outcomes;
  for (const update of updates) {
    const outcome = outcomes.get(update.ref)!;
    if (outcome.status !== 'ok') return refusal(store, update.ref, `${options.state === 'done' ? 'completion' : 'handoff'} of ${refsOf(options.urls).get(update.ref)}`, outcome.reason);
  }
  return { ok: true, written: updates.length };
}

/**
 * Deletes the claim refs of URLs in `doneKeys` (done on the default branch: completions that
 * landed, and claims of URLs done there), each with a lease on the commit listed, so a ref
 * written meanwhile stays. Found by the URLs their records name (foreign refs stay).
 */
export function pruneLanded(store: RefStore, doneKeys: Set<string>, listed?: Map<string, string>): { ok: true; removed: number } | OperationFailure {
  const read = doneKeys.size === 0 ? { ok: true as const, entries: [] } : readClaims(store, listed);
  if (!read.ok) return read;
  const updates: RefUpdate[] = read.entries.filter((entry) => doneKeys.has(entry.key)).map((entry) => ({ ref: entry.ref, expect: entry.id }));
  const outcomes = store.apply(updates);
  if (!isMap(outcomes)) return outcomes;
  let removed = 0;
  for (const update of updates) {
    const outcome = outcomes.get(update.ref)!;
    if (outcome.status === 'refused') return refusal(store, update.ref, 'removing a landed claim', outcome.reason);
    if (outcome.status === 'ok') removed++;
  }
  if (removed > 0) debug('claims', `pruned ${removed} refs${store.where} of URLs done on the default branch`);
  return { ok: true, removed };
}

/** Where the default branch's tip was when the refs were last pruned here (a ref: one listing reads it with the claims). */
const PRUNED_AT = 'refs/relay/pruned-at';

/**
 * Here, the next claim after the default branch moved prunes the refs of URLs done on it (a
 * merged worktree branch brought them): the done list is read once per move of the branch,
 * not once per claim.
 */
function pruneWhenMoved(store: RefStore, config: Config, refs: Map<string, string>): { ok: true } | OperationFailure {
  // The default branch here: `main`, else `master`.
  const tip = refs.get('refs/heads/main') ?? refs.get('refs/heads/master');
  if (tip === undefined || refs.get(PRUNED_AT) === tip || ![...refs.keys()].some((ref) => ref.startsWith(CLAIMS_PREFIX))) return { ok: true };
  const pruned = pruneLanded(store, doneOnBranch(store.root, config, tip), refs);
  if (!pruned.ok) return pruned;
  const noted = store.apply([{ ref: PRUNED_AT, id: tip }]);
  if (!isMap(noted)) debug('claims', `cannot note the pruned tip: ${noted.error}`);
  return { ok: true };
}

/** The URL keys urls_done.md lists at `revision` (the root's copy, found relative to it). */
export function doneOnBranch(root: string, config: Config, revision: string): Set<string> {
  const shown = git(['show', `${revision}:./${config.layout.done}`], root);
  return new Set(shown.code === 0 ? parseQueue(shown.stdout).items.map((item) => item.key) : []);
}

/** What `release` did: the refs' answer and the queue's, as one. */
export interface ReleaseResult {
  ok: true;
  released: { url: string; status: 'released' | 'not-claimed'; from?: string }[];
  rejected: Rejection[];
}

/**
 * `relay release`: the claim refs first (a ref another agent holds, or a completion waiting
 * to land, is refused unless `force`, and its line kept), then the lines in urls_todo.md. A
 * URL released in the refs but not pending here is released, not rejected.
 */
export function release(root: string, config: Config, options: ReleaseRefsOptions & { remote?: string | undefined }): ReleaseResult | OperationFailure {
  const store = openStore(root, options.remote);
  if (store !== undefined && 'ok' in store) return store;
  const refs = store === undefined ? { ok: true as const, released: [], rejected: [], urls: options.urls } : releaseRefs(store, options);
  if (!refs.ok) return refs;
  const refused = new Set(refs.rejected.map((item) => item.url));
  const urls = [...new Set(refs.urls)].filter((url) => !refused.has(url));
  const local = urls.length === 0 && !options.all ? { ok: true as const, released: [], rejected: [] } : releaseUrls(root, config, { ...options, urls });
  if (!local.ok) return local;
  const fromRefs = new Set(refs.released.map((item) => item.url));
  const released = local.released.map(({ key: _key, ...item }) => (item.status === 'not-claimed' && fromRefs.has(item.url) ? { ...item, status: 'released' as const } : item));
  for (const url of fromRefs) if (!released.some((item) => item.url === url)) released.push({ url, status: 'released' });
  return { ok: true, released, rejected: [...refs.rejected, ...local.rejected.filter((item) => !fromRefs.has(item.url))] };
}

/**
 * After a write to the queue that `relay done` or `relay handoff` made here, the same in the
 * refs: completion records (done wins), or claims naming the new holder. Undefined outside
 * git; else the one line saying what could not be written.
 */
export function recordInRefs(root: string, options: { urls: string[]; state: ClaimRecord['state']; agent: string; now: Date; remote?: string | undefined; run?: string | undefined }): string | undefined {
  if (options.urls.length === 0) return undefined;
  const store = openStore(root, options.remote);
  if (store === undefined) return undefined;
  const written = 'ok' in store ? store : writeRecords(store, options);
  return written.ok ? undefined : written.error;
}
