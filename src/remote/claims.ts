/**
 * Claims through a git remote (PROTOCOL §7): exactly-once across machines with no commit on
 * any branch. A URL is claimed by creating `refs/relay/claims/<sha256 of its normalised URL>`
 * on the remote with a "must not exist" lease; the remote's compare-and-swap lets one machine
 * win. The local urls_todo.md then records the claim as a local claim does, so the session,
 * `relay status` and the linter see it, and `relay sync` carries it to the others.
 *
 * How local and remote state relate:
 * - The remote ref decides who holds a URL. A local claim line is a copy of it; a local claim
 *   of this agent whose ref another machine holds is given up here.
 * - `relay done` turns the ref into a completion record (a lease on its current commit), so no
 *   machine claims the URL again before `relay sync` lands the completion on the branch; sync
 *   then deletes the refs of every URL done on the branch. A ref of a URL already done on the
 *   remote's branch is a stray: claimers skip the URL and delete the ref.
 * - `relay release` deletes the ref (a lease on the commit it read), then the local claim.
 *
 * Every function returns a result, prints nothing, and spawns git with argument vectors only.
 */
import type { Config } from '../protocol/config.js';
import { normalizeUrl } from '../protocol/url.js';
import { debug } from '../debug.js';
import { isoSeconds } from '../state/identity.js';
import type { LockOptions } from '../state/lock.js';
import { claimListed, type Claim } from '../state/queue-claim.js';
import { loadQueues, type OperationFailure, type Rejection } from '../state/queue-files.js';
import { releaseUrls } from '../state/queue-release.js';
import { git } from './git.js';
import { remoteContext, remoteDoneKeys, type RemoteContext, type RemoteDone } from './context.js';
import {
  CLAIMS_PREFIX,
  claimRef,
  fetchClaims,
  formatRecord,
  isMap,
  lsRemote,
  parseRecord,
  pushRefs,
  readMessages,
  recordCommit,
  remoteReason,
  type ClaimRecord,
  type RefOutcome,
  type RefUpdate,
  type RemoteFailure,
} from './refs.js';

/** Options of `claimRemote`. */
export interface RemoteClaimOptions {
  /** A git remote's name (or URL). */
  remote: string;
  count: number;
  agent: string;
  now: Date;
  ttlHours: number;
  /** Also take claims (local lines and remote refs) older than the TTL. */
  stealStale: boolean;
  /** The run the claim is part of (`RELAY_RUN`), written into the record. */
  run?: string;
  lock?: LockOptions;
  /** A source of randomness in [0, 1) (tests pin it). */
  random?: () => number;
}

/** What `claimRemote` did. */
export interface RemoteClaimResult {
  ok: true;
  /** Held claims first (`held: true`), then new ones; the same shape as a local claim's. */
  claimed: Claim[];
  /** Pushes made, for the bench and RELAY_DEBUG. */
  pushes: number;
  /** Refs another machine created first, tried again elsewhere. */
  lostRaces: number;
  /** Local claims of this agent whose ref another machine holds: released here. */
  givenUp: { url: string; holder: string }[];
  /** Stray refs (of URLs already done on the remote's branch) removed on the way. */
  straysRemoved: number;
}

/** A claim round that keeps losing every race is given up after this many rounds (a fleet of 200 needs a handful). */
const MAX_ROUNDS = 60;
/**
 * Candidates are picked at random among the first free ones: this many per URL wanted, at least
 * `MIN_WINDOW`, and twice as many after each round that lost a race (more machines are claiming
 * than the window spreads). Measured with 20 clones racing for 100 URLs (bench/remote-claims.mjs):
 * a window of 16 lost 77 races, 64 lost 32.
 */
const WINDOW_PER_URL = 8;
const MIN_WINDOW = 64;

/** The record of a claim by `options.agent` now. */
function recordOf(context: RemoteContext, options: { agent: string; now: Date; run?: string | undefined }, url: string, state: ClaimRecord['state']): string {
  return formatRecord({ state, url, agent: options.agent, host: context.host, run: options.run ?? '', at: isoSeconds(options.now) });
}

/** The one line for a ref the remote refused: no retry cures it. */
function refusal(context: RemoteContext, ref: string, what: string, reason: string): RemoteFailure {
  return {
    ok: false,
    error: `The remote \`${context.remote}\` refused \`${ref}\` (${what}): ${reason}; it must accept refs under \`refs/relay/\` (see docs/sharing-through-git.md, "What the host must allow")`,
  };
}

/** Messages of the given refs' commits, fetching the commits this clone does not have. */
function recordsOf(context: RemoteContext, refs: Map<string, string>, wanted: string[]): Map<string, ClaimRecord | undefined> | RemoteFailure {
  const ids = wanted.map((ref) => refs.get(ref)).filter((id): id is string => id !== undefined);
  let messages = readMessages(context.root, ids);
  const missing = wanted.filter((ref) => refs.has(ref) && messages.get(refs.get(ref)!) === undefined);
  if (missing.length > 0) {
    const run = git(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', context.remote, ...missing], context.root);
    // A ref deleted since ls-remote fails the fetch: read what came, the rest counts as gone.
    if (run.code !== 0) debug('remote', `fetching ${missing.length} claim records: ${remoteReason(run.stderr)}`);
    messages = readMessages(context.root, ids);
  }
  const records = new Map<string, ClaimRecord | undefined>();
  for (const ref of wanted) {
    const id = refs.get(ref);
    const message = id === undefined ? undefined : messages.get(id);
    records.set(ref, message === undefined ? undefined : parseRecord(message));
  }
  return records;
}

/** Whether a record's claim is older than the TTL (a record without a readable time counts as stale). */
export function isStaleRecord(record: ClaimRecord, now: Date, ttlHours: number): boolean {
  const at = Date.parse(record.at);
  return Number.isNaN(at) || now.getTime() - at > ttlHours * 3_600_000;
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

/**
 * Claims up to `count` URLs through the remote: gives back the agent's held claims (still its
 * own on the remote) first, then creates claim refs for URLs picked at random among the first
 * free pending ones, one push per round; a URL another machine won is replaced in the next
 * round. Won URLs are then marked claimed in the local urls_todo.md. A refusal by the remote
 * (a hook, a protected namespace, no access) ends it with one line.
 */
export function claimRemote(root: string, config: Config, options: RemoteClaimOptions): RemoteClaimResult | OperationFailure {
  const context = remoteContext(root, options.remote);
  if ('ok' in context) return context;
  const random = options.random ?? Math.random;
  const result: RemoteClaimResult = { ok: true, claimed: [], pushes: 0, lostRaces: 0, givenUp: [], straysRemoved: 0 };
  /** URLs settled in this call: claimed, lost, given up or refused here. */
  const settled = new Set<string>();
  let remoteDone: RemoteDone | undefined;
  let firstRound = true;
  let widen = 1;
  for (let round = 0; round < MAX_ROUNDS && result.claimed.length < options.count; round++) {
    const refs = lsRemote(root, context.remote, [`${CLAIMS_PREFIX}*`, `refs/heads/${context.branch}`]);
    if (!isMap(refs)) return refs;
    const done = remoteDoneKeys(context, config, refs.get(`refs/heads/${context.branch}`), remoteDone);
    if ('ok' in done) return done;
    remoteDone = done;
    const loaded = loadQueues(root, config);
    if (!loaded.ok) return loaded;
    if (loaded.queues.todoText === undefined) return { ok: false, error: `Unexpected missing \`${config.layout.todo}\`, expected the pending queue; run \`relay init\`` };
    const { todo, doneKeys } = loaded.queues;
    const isDone = (key: string): boolean => doneKeys.has(key) || done.keys.has(key);

    const updates: RefUpdate[] = [];
    const picks = new Map<string, { url: string; key: string; stolenFrom?: string }>();
    const strays = new Map<string, string>();
    if (firstRound) {
      firstRound = false;
      // Idempotent per agent: URLs this agent claims here come back first, if the remote agrees they are its own.
      const held = todo.items.filter((item, index, all) => item.claim?.agent === options.agent && !isDone(item.key) && all.findIndex((other) => other.key === item.key) === index).slice(0, options.count);
      const records = recordsOf(context, refs, held.map((item) => claimRef(item.key)));
      if (!isMap(records)) return records;
      for (const item of held) {
        const ref = claimRef(item.key);
        settled.add(item.key);
        const record = records.get(ref);
        if (!refs.has(ref)) {
          // Claimed here without the remote (or its ref was released): take the ref now.
          picks.set(ref, { url: item.url, key: item.key });
          updates.push({ ref, expect: '', id: '' });
        } else if (record?.agent === options.agent && record.state === 'claim') {
          result.claimed.push({ url: item.url, key: item.key, agent: options.agent, at: item.claim?.at ?? '', line: item.line, held: true });
        } else {
          result.givenUp.push({ url: item.url, holder: record?.agent ?? 'another machine' });
        }
      }
    }
    const need = options.count - result.claimed.length - picks.size;
    const window = Math.max(MIN_WINDOW, need * WINDOW_PER_URL) * widen;
    const free: { url: string; key: string }[] = [];
    const stealable: { url: string; key: string }[] = [];
    const seen = new Set<string>();
    // A URL claimed here by another agent is taken (even without a ref: claimed before the remote was used), unless stale and stealing.
    const blocked = new Set<string>();
    for (const item of todo.items) {
      if (item.claim && item.claim.agent !== options.agent && !(options.stealStale && isStaleLocal(item.claim.at, options.now, options.ttlHours))) blocked.add(item.key);
    }
    for (const item of todo.items) {
      if (need <= 0 || free.length >= window) break;
      if (seen.has(item.key) || settled.has(item.key)) continue;
      seen.add(item.key);
      const ref = claimRef(item.key);
      if (isDone(item.key)) {
        if (refs.has(ref) && done.keys.has(item.key)) strays.set(ref, refs.get(ref)!);
        continue;
      }
      if (blocked.has(item.key)) continue;
      if (refs.has(ref)) {
        if (options.stealStale) stealable.push(item);
        continue;
      }
      free.push(item);
    }
    for (const item of pickRandom(free, need, random)) {
      const ref = claimRef(item.key);
      picks.set(ref, item);
      updates.push({ ref, expect: '', id: '' });
    }
    if (options.stealStale && picks.size < options.count - result.claimed.length && stealable.length > 0) {
      const records = recordsOf(context, refs, stealable.map((item) => claimRef(item.key)));
      if (!isMap(records)) return records;
      for (const item of stealable) {
        if (picks.size >= options.count - result.claimed.length) break;
        const ref = claimRef(item.key);
        const record = records.get(ref);
        // A completion waiting for sync is never stolen; a record that cannot be read cannot be aged.
        if (!record || record.state !== 'claim' || record.agent === options.agent || !isStaleRecord(record, options.now, options.ttlHours)) continue;
        picks.set(ref, { ...item, stolenFrom: record.agent });
        updates.push({ ref, expect: refs.get(ref)!, id: '' });
      }
    }
    for (const [ref, id] of strays) updates.push({ ref, expect: id });
    if (updates.length === 0) break;
    for (const update of updates) {
      if (update.id !== '') continue;
      const commit = recordCommit(root, recordOf(context, options, picks.get(update.ref)!.url, 'claim'), context.objectFormat);
      if (typeof commit !== 'string') return commit;
      update.id = commit;
    }
    const outcomes = pushRefs(root, context.remote, updates);
    result.pushes++;
    if (!isMap(outcomes)) return outcomes;
    const won: RefUpdate[] = [];
    let refused: RemoteFailure | undefined;
    let lost = false;
    for (const update of updates) {
      const outcome = outcomes.get(update.ref)!;
      const pick = picks.get(update.ref);
      if (outcome.status === 'refused') {
        refused ??= refusal(context, update.ref, pick ? `claim of ${pick.url}` : 'removing a stray claim', outcome.reason);
      } else if (pick === undefined) {
        if (outcome.status === 'ok') result.straysRemoved++;
      } else if (outcome.status === 'ok') {
        won.push(update);
      } else {
        settled.add(pick.key);
        result.lostRaces++;
        lost = true;
        debug('remote', `lost ${pick.url} to another machine (${outcome.reason})`);
      }
    }
    if (refused) {
      // Nothing half-done: claims this push did win are given back before saying why.
      giveBack(context, won);
      return refused;
    }
    if (lost) widen *= 2;
    if (won.length === 0) continue;
    const local = claimListed(root, config, { urls: won.map((update) => picks.get(update.ref)!.url), agent: options.agent, now: options.now, ttlHours: options.ttlHours, stealStale: options.stealStale, lock: options.lock });
    if (!local.ok) {
      giveBack(context, won);
      return local;
    }
    for (const claim of local.claimed) {
      settled.add(claim.key);
      const pick = picks.get(claimRef(claim.key));
      if (pick?.stolenFrom !== undefined) claim.stolenFrom = pick.stolenFrom;
      result.claimed.push(claim);
    }
    if (local.refused.length > 0) {
      // Done or claimed here since the queue was read: the remote claim goes back.
      const back = local.refused.map(({ key }) => won.find((update) => update.ref === claimRef(key))!);
      for (const { key, url, reason } of local.refused) {
        settled.add(key);
        debug('remote', `won ${url} on the remote but it is ${reason} here; giving the claim back`);
      }
      giveBack(context, back);
      result.pushes++;
    }
  }
  if (result.givenUp.length > 0) {
    const released = releaseUrls(root, config, { urls: result.givenUp.map((item) => item.url), all: false, agent: options.agent, force: false, lock: options.lock });
    if (!released.ok) return released;
  }
  debug('remote', `claimed ${result.claimed.length} through ${context.remote} in ${result.pushes} pushes, ${result.lostRaces} races lost`);
  return result;
}

function isStaleLocal(at: string | undefined, now: Date, ttlHours: number): boolean {
  const time = at === undefined ? Number.NaN : Date.parse(at);
  return Number.isNaN(time) || now.getTime() - time > ttlHours * 3_600_000;
}

/** Deletes refs this call created (leases on their own commits); best effort, said under RELAY_DEBUG. */
function giveBack(context: RemoteContext, won: RefUpdate[]): void {
  if (won.length === 0) return;
  const outcomes = pushRefs(context.root, context.remote, won.map((update) => ({ ref: update.ref, expect: update.id! })));
  if (!isMap(outcomes)) debug('remote', `could not give back ${won.length} claims: ${outcomes.error}`);
}

/** Options of `releaseRemote`. */
export interface RemoteReleaseOptions {
  remote: string;
  urls: string[];
  agent: string;
  /** Release other agents' claims and completions waiting for sync too. */
  force: boolean;
  /** Every claim of `agent` on the remote, besides `urls`. */
  all: boolean;
}

/** What `releaseRemote` did. */
export interface RemoteReleaseResult {
  ok: true;
  /** URLs whose ref was deleted, and whose it was. */
  released: { url: string; from: string }[];
  /** URLs whose ref could not be released. */
  rejected: Rejection[];
  /** URLs this agent claims on the remote (with `all`), for the local release. */
  urls: string[];
}

/**
 * Deletes claim refs with a lease on the commit read: the agent's own, or anyone's with
 * `force`. A completion waiting for `relay sync` is released only with `force`. URLs with no
 * ref are left to the local release.
 */
export function releaseRemote(root: string, config: Config, options: RemoteReleaseOptions): RemoteReleaseResult | OperationFailure {
  void config;
  const context = remoteContext(root, options.remote);
  if ('ok' in context) return context;
  const wanted = new Map<string, string>();
  for (const url of options.urls) {
    const normalized = normalizeUrl(url.trim());
    if (normalized.ok) wanted.set(claimRef(normalized.key), url.trim());
  }
  let refs: Map<string, string> | RemoteFailure;
  if (options.all) {
    refs = fetchClaims(root, context.remote);
  } else {
    refs = wanted.size === 0 ? new Map() : lsRemote(root, context.remote, [...wanted.keys()]);
  }
  if (!isMap(refs)) return refs;
  const records = recordsOf(context, refs, options.all ? [...refs.keys()] : [...wanted.keys()].filter((ref) => refs.has(ref)));
  if (!isMap(records)) return records;
  if (options.all) {
    for (const [ref, record] of records) if (record?.agent === options.agent && record.state === 'claim' && !wanted.has(ref)) wanted.set(ref, record.url);
  }
  const result: RemoteReleaseResult = { ok: true, released: [], rejected: [], urls: [...wanted.values()] };
  const updates: RefUpdate[] = [];
  for (const [ref, url] of wanted) {
    const id = refs.get(ref);
    if (id === undefined) continue;
    const record = records.get(ref);
    const holder = record?.agent ?? 'unknown';
    if (!options.force && record?.state === 'done') {
      result.rejected.push({ url, reason: `completed by \`${holder}\` and waiting for \`relay sync\` to land it; pass \`--force\` to release it anyway` });
    } else if (!options.force && holder !== options.agent) {
      result.rejected.push({ url, reason: `claimed on remote \`${context.remote}\` by \`${holder}\`, not \`${options.agent}\`; pass \`--force\` to release it anyway` });
    } else {
      updates.push({ ref, expect: id });
    }
  }
  const outcomes = pushRefs(root, context.remote, updates);
  if (!isMap(outcomes)) return outcomes;
  for (const update of updates) {
    const url = wanted.get(update.ref)!;
    const outcome: RefOutcome = outcomes.get(update.ref)!;
    if (outcome.status === 'ok') result.released.push({ url, from: records.get(update.ref)?.agent ?? 'unknown' });
    else if (outcome.status === 'lost') result.rejected.push({ url, reason: `its claim on remote \`${context.remote}\` changed meanwhile (stolen or completed); run \`relay status --remote ${context.remote}\`` });
    else return refusal(context, update.ref, `release of ${url}`, outcome.reason);
  }
  return result;
}

/** Options of `completeRemote`. */
export interface RemoteCompleteOptions {
  remote: string;
  urls: string[];
  agent: string;
  now: Date;
  run?: string;
}

/**
 * Turns the claim refs of completed URLs into completion records (a lease on the commit
 * read; a URL with no ref gets a new one), so no machine claims them again before `relay
 * sync` lands the completion on the branch and removes the refs. Done wins: another agent's
 * claim is replaced too. Returns how many refs were written.
 */
export function completeRemote(root: string, config: Config, options: RemoteCompleteOptions): { ok: true; recorded: number; pushes: number } | OperationFailure {
  void config;
  const context = remoteContext(root, options.remote);
  if ('ok' in context) return context;
  // Whatever the ref holds (a claim, anyone's, or an earlier completion) becomes this completion: done wins.
  const rewritten = rewriteRefs(root, context, options.urls, (url) => recordOf(context, options, url, 'done'), 'completion');
  return rewritten.ok ? { ok: true, recorded: rewritten.written, pushes: rewritten.pushes } : rewritten;
}

/** One claim ref as `relay status --remote` shows it. */
export interface RemoteClaimView extends ClaimRecord {
  ref: string;
  stale: boolean;
  /** Done on the remote's branch already: a ref left behind, removed by the next claim or sync. */
  landed: boolean;
}

/** What `remoteStatus` found. */
export interface RemoteStatus {
  ok: true;
  remote: string;
  branch: string;
  claims: RemoteClaimView[];
  /** Claims (not completions) per agent. */
  claimsByAgent: Record<string, number>;
  /** Refs whose record could not be read (not written by relay). */
  unreadable: string[];
}

/** Reads every claim ref on the remote with its record. */
export function remoteStatus(root: string, config: Config, options: { remote: string; now: Date; ttlHours: number }): RemoteStatus | OperationFailure {
  const context = remoteContext(root, options.remote);
  if ('ok' in context) return context;
  const refs = fetchClaims(root, context.remote);
  if (!isMap(refs)) return refs;
  const heads = lsRemote(root, context.remote, [`refs/heads/${context.branch}`]);
  if (!isMap(heads)) return heads;
  const done = remoteDoneKeys(context, config, heads.get(`refs/heads/${context.branch}`));
  if ('ok' in done) return done;
  const messages = readMessages(root, [...refs.values()]);
  const status: RemoteStatus = { ok: true, remote: context.remote, branch: context.branch, claims: [], claimsByAgent: {}, unreadable: [] };
  for (const [ref, id] of [...refs].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const message = messages.get(id);
    const record = message === undefined ? undefined : parseRecord(message);
    if (!record) {
      status.unreadable.push(ref);
      continue;
    }
    const normalized = normalizeUrl(record.url);
    const landed = normalized.ok && done.keys.has(normalized.key);
    const stale = record.state === 'claim' && isStaleRecord(record, options.now, options.ttlHours);
    status.claims.push({ ...record, ref, stale, landed });
    if (record.state === 'claim' && !landed) status.claimsByAgent[record.agent] = (status.claimsByAgent[record.agent] ?? 0) + 1;
  }
  status.claims.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return status;
}

/**
 * Deletes the refs of URLs done in `doneKeys` (the branch as just pushed): completions that
 * landed and strays. Found by hashing the done URLs (no record is fetched); leases on the
 * commits ls-remote read, so a ref written meanwhile stays.
 */
export function releaseLanded(context: RemoteContext, doneKeys: Set<string>): { ok: true; removed: number } | OperationFailure {
  const refs = lsRemote(context.root, context.remote, [`${CLAIMS_PREFIX}*`]);
  if (!isMap(refs)) return refs;
  if (refs.size === 0) return { ok: true, removed: 0 };
  const updates: RefUpdate[] = [];
  for (const key of doneKeys) {
    const ref = claimRef(key);
    const id = refs.get(ref);
    if (id !== undefined) updates.push({ ref, expect: id });
  }
  const outcomes = pushRefs(context.root, context.remote, updates);
  if (!isMap(outcomes)) return outcomes;
  let removed = 0;
  for (const update of updates) {
    const outcome = outcomes.get(update.ref)!;
    if (outcome.status === 'refused') return refusal(context, update.ref, 'removing a landed claim', outcome.reason);
    if (outcome.status === 'ok') removed++;
  }
  return { ok: true, removed };
}

/** Options of `handoffRemote`. */
export interface RemoteHandoffOptions {
  remote: string;
  /** The URLs handed over here (the local handoff decided). */
  urls: string[];
  /** Who takes them over. */
  to: string;
  now: Date;
  run?: string;
}

/**
 * Rewrites the claim refs of URLs handed over here to records naming `to` (a lease on the
 * commit read; a URL with no ref gets one), so the new holder's `relay claim --remote` finds
 * them its own. Returns how many refs were written.
 */
export function handoffRemote(root: string, config: Config, options: RemoteHandoffOptions): { ok: true; written: number } | OperationFailure {
  void config;
  const context = remoteContext(root, options.remote);
  if ('ok' in context) return context;
  const rewritten = rewriteRefs(root, context, options.urls, (url) => recordOf(context, { agent: options.to, now: options.now, run: options.run }, url, 'claim'), 'handoff');
  return rewritten.ok ? { ok: true, written: rewritten.written } : rewritten;
}

/**
 * Points the claim ref of each URL at a new record (`record(url)`), whatever it held, with a
 * lease on the commit read (none: must not exist); a lost race reads again and retries.
 */
function rewriteRefs(root: string, context: RemoteContext, urls: string[], record: (url: string) => string, what: string): { ok: true; written: number; pushes: number } | OperationFailure {
  const wanted = new Map<string, string>();
  for (const url of urls) {
    const normalized = normalizeUrl(url.trim());
    if (normalized.ok) wanted.set(claimRef(normalized.key), url.trim());
  }
  let written = 0;
  let pushes = 0;
  for (let round = 0; round < MAX_ROUNDS && wanted.size > 0; round++) {
    const refs = lsRemote(root, context.remote, [...wanted.keys()]);
    if (!isMap(refs)) return refs;
    const updates: RefUpdate[] = [];
    for (const [ref, url] of wanted) {
      const commit = recordCommit(root, record(url), context.objectFormat);
      if (typeof commit !== 'string') return commit;
      updates.push({ ref, id: commit, expect: refs.get(ref) ?? '' });
    }
    const outcomes = pushRefs(root, context.remote, updates);
    pushes += updates.length > 0 ? 1 : 0;
    if (!isMap(outcomes)) return outcomes;
    for (const update of updates) {
      const outcome = outcomes.get(update.ref)!;
      if (outcome.status === 'refused') return refusal(context, update.ref, `${what} of ${wanted.get(update.ref)}`, outcome.reason);
      if (outcome.status === 'ok') {
        written++;
        wanted.delete(update.ref);
      }
    }
  }
  return { ok: true, written, pushes };
}
