/**
 * The runner's one claiming step: the URLs a new session gets, claimed under its agent before
 * it starts (so its own `relay claim` gives the same URLs back: claims are idempotent per
 * agent). Fresh work comes from the queue; a later pipeline stage's work (and a retry's) comes
 * from the queue agent it waits under, through `relay handoff`. Each step goes through the
 * claim refs too (src/claims/), the repository's own or a remote's (PROTOCOL §5, §7): runners
 * in several worktrees, or on several machines, share one queue.
 */
import { debug } from '../debug.js';
import type { Config } from '../protocol/config.js';
import { normalizeUrl } from '../protocol/url.js';
import { claim, openStore, recordInRefs, releaseRefs } from '../claims/claims.js';
import { configuredTtlHours, handoffUrls, releaseUrls } from '../state/queue-operations.js';
import { claimsOf } from './judge.js';

/** What `claimWork` needs. */
export interface ClaimWorkOptions {
  /** The new session's agent: the claims are held under it. */
  agent: string;
  count: number;
  /** Take the URLs held by this agent (a stage's queue agent) instead of fresh ones from the queue. */
  from?: string;
  /** Normalised URLs not to give out (given up after their retries). */
  exclude: ReadonlySet<string>;
  now: Date;
  /** Claims through this git remote (PROTOCOL §7) instead of this repository's refs. */
  remote?: string | undefined;
  /** The run, written into a remote claim's record. */
  run?: string | undefined;
}

/** The URLs claimed for the session (empty: no work), or why none could be. */
export type ClaimWorkResult = { ok: true; urls: string[] } | { ok: false; error: string };

/** The normalised key of a URL (the URL itself when it does not normalise). */
export function urlKey(url: string): string {
  const normalized = normalizeUrl(url);
  return normalized.ok ? normalized.key : url;
}

/** Claims up to `count` URLs for `agent`, from the queue or from `from`'s claims. */
export function claimWork(root: string, config: Config, options: ClaimWorkOptions): ClaimWorkResult {
  if (options.from !== undefined) {
    const held = claimsOf(root, config, options.from);
    if (!Array.isArray(held)) return { ok: false, error: held.error };
    const urls = held.filter((url) => !options.exclude.has(urlKey(url))).slice(0, options.count);
    if (urls.length === 0) return { ok: true, urls: [] };
    return moveClaims(root, config, { urls, from: options.from, to: options.agent, now: options.now, remote: options.remote, run: options.run });
  }
  // URLs given up on are pending and unclaimed again; claim past them, then give them back.
  const count = options.count + options.exclude.size;
  const claimed = claim(root, config, { count, agent: options.agent, now: options.now, ttlHours: configuredTtlHours(config), stealStale: false, remote: options.remote, run: options.run });
  if (!claimed.ok) return claimed;
  const urls: string[] = [];
  const extra: string[] = [];
  for (const item of claimed.claimed) {
    if (urls.length < options.count && !options.exclude.has(item.key)) urls.push(item.url);
    else extra.push(item.url);
  }
  if (extra.length > 0) {
    const released = releaseClaims(root, config, { agent: options.agent, urls: extra, remote: options.remote });
    if (!released.ok) return released;
  }
  return { ok: true, urls };
}

/**
 * Hands `urls` from one agent to another: here, then their claim refs, so the new holder's
 * own `relay claim` finds them its own there too.
 */
export function moveClaims(root: string, config: Config, options: { urls: string[]; from: string; to: string; now: Date; remote?: string | undefined; run?: string | undefined }): ClaimWorkResult {
  const moved = handoffUrls(root, config, { urls: options.urls, from: options.from, to: options.to, now: options.now, force: false });
  if (!moved.ok) return moved;
  const urls = moved.handed.map((item) => item.url);
  const unrecorded = recordInRefs(root, { urls, state: 'claim', agent: options.to, now: options.now, remote: options.remote, run: options.run });
  if (unrecorded !== undefined) return { ok: false, error: `handed to \`${options.to}\` here, but not in the claim refs${options.remote === undefined ? '' : ` of \`${options.remote}\``}: ${unrecorded}` };
  return { ok: true, urls };
}

/**
 * Gives `agent`'s claims back to the queue (`urls`, or every one it holds here): their claim
 * refs first (as `relay release` does), then the local claims.
 * Returns the URLs released.
 */
export function releaseClaims(root: string, config: Config, options: { agent: string; urls?: string[]; remote?: string | undefined }): ClaimWorkResult {
  let urls = options.urls;
  if (urls === undefined) {
    const held = claimsOf(root, config, options.agent);
    if (!Array.isArray(held)) return { ok: false, error: held.error };
    urls = held;
  }
  if (urls.length === 0) return { ok: true, urls: [] };
  const store = openStore(root, options.remote);
  if (store !== undefined) {
    const refs = 'ok' in store ? store : releaseRefs(store, { urls, agent: options.agent, force: false, all: false });
    if (!refs.ok) return { ok: false, error: `cannot release the claim refs${options.remote === undefined ? '' : ` on remote \`${options.remote}\``}: ${refs.error}` };
    // A ref another holder has (stolen, or completed meanwhile) is theirs: the local claim still goes.
    for (const item of refs.rejected) debug('run', `release of ${item.url}: ${item.reason}`);
  }
  const released = releaseUrls(root, config, { urls, all: false, agent: options.agent, force: false });
  if (!released.ok) return released;
  return { ok: true, urls: released.released.filter((item) => item.status === 'released').map((item) => item.url) };
}
