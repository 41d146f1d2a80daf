/**
 * The runner's one claiming step: the URLs a new session gets, claimed under its agent before
 * it starts (so its own `relay claim` gives the same URLs back: claims are idempotent per
 * agent). Fresh work comes from the queue; a later pipeline stage's work (and a retry's) comes
 * from the queue agent it waits under, through `relay handoff`.
 */
import type { Config } from '../protocol/config.js';
import { normalizeUrl } from '../protocol/url.js';
import { claimUrls, configuredTtlHours, handoffUrls, releaseUrls } from '../state/queue-operations.js';
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
  /** Claims through a git remote (PROTOCOL §7): not wired to the runner yet. */
  remote?: string;
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
  if (options.remote !== undefined) return { ok: false, error: '`--remote` is not supported by `relay run` yet; claims are local to this machine' };
  if (options.from !== undefined) {
    const held = claimsOf(root, config, options.from);
    if (!Array.isArray(held)) return { ok: false, error: held.error };
    const urls = held.filter((url) => !options.exclude.has(urlKey(url))).slice(0, options.count);
    if (urls.length === 0) return { ok: true, urls: [] };
    const moved = handoffUrls(root, config, { urls, from: options.from, to: options.agent, now: options.now, force: false });
    if (!moved.ok) return moved;
    return { ok: true, urls: moved.handed.map((item) => item.url) };
  }
  // URLs given up on are pending and unclaimed again; claim past them, then give them back.
  const claimed = claimUrls(root, config, { count: options.count + options.exclude.size, agent: options.agent, now: options.now, ttlHours: configuredTtlHours(config), stealStale: false });
  if (!claimed.ok) return claimed;
  const urls: string[] = [];
  const extra: string[] = [];
  for (const item of claimed.claimed) {
    if (urls.length < options.count && !options.exclude.has(item.key)) urls.push(item.url);
    else extra.push(item.url);
  }
  if (extra.length > 0) {
    const released = releaseUrls(root, config, { urls: extra, all: false, agent: options.agent, force: false });
    if (!released.ok) return released;
  }
  return { ok: true, urls };
}
