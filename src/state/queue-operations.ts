/**
 * The fleet's queue operations: claim, done, release, add, status. Every write takes the queue
 * lock, re-reads both files under it, and replaces them atomically, so 200 agents claiming at
 * once never get the same URL and no update is lost. Lines the operation does not own are
 * kept byte for byte (`rewriteQueue`).
 *
 * Crash order: `done` writes urls_done.md before urls_todo.md. A writer killed between the two
 * leaves the URL in both files, never in neither; `protocol-lint --fix` (queue-overlap, done
 * wins) and every later operation here treat it as done.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../protocol/config.js';
import { formatQueueItem, parseQueue, rewriteQueue, type QueueFile, type QueueItem } from '../protocol/queue.js';
import { normalizeUrl } from '../protocol/url.js';
import { removeOrphanTempFiles, writeFileAtomic } from './atomic.js';
import { isoSeconds, utcDate } from './identity.js';
import { withLock, type LockOptions } from './lock.js';

/** The lock every queue write takes. */
export const QUEUE_LOCK = 'queue';
/** The heading `relay init` and `relay add` give a new urls_todo.md. */
export const TODO_HEADING = '# Pending URLs';
/** The heading `relay init` and `relay done` give a new urls_done.md. */
export const DONE_HEADING = '# Completed URLs';
/** The claim age past which a claim is stale, as the linter's `queue-stale-claim` rule defaults. */
export const DEFAULT_TTL_HOURS = 24;

/** An operation that could not run at all (missing file, lock timeout, unreadable file). */
export type OperationFailure = { ok: false; error: string };

/** A URL an operation refused, and why. */
export interface Rejection {
  url: string;
  reason: string;
}

/** Where the queue files of a root are. */
export interface QueuePaths {
  todo: string;
  done: string;
}

/** The absolute queue paths of a root under its configured layout. */
export function queuePaths(root: string, config: Config): QueuePaths {
  return { todo: join(root, config.layout.todo), done: join(root, config.layout.done) };
}

/** The claim TTL configured for the linter's `queue-stale-claim` rule, else 24 hours. */
export function configuredTtlHours(config: Config): number {
  const setting = config.rules['queue-stale-claim'];
  if (Array.isArray(setting)) {
    const ttl = setting[1]?.ttlHours;
    if (typeof ttl === 'number' && ttl > 0) return ttl;
  }
  return DEFAULT_TTL_HOURS;
}

type ReadResult = { ok: true; text: string | undefined } | OperationFailure;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Reads a queue file as UTF-8; undefined when it does not exist. Refuses bytes it could not write back. */
function readQueueText(path: string, label: string): ReadResult {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, text: undefined };
    return { ok: false, error: `Cannot read \`${label}\` (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
  }
  try {
    return { ok: true, text: UTF8.decode(bytes) };
  } catch {
    return { ok: false, error: `Unexpected bytes in \`${label}\`, expected UTF-8 text; fix the file's encoding before relay rewrites it` };
  }
}

/** Splits an annotation into its trimmed, non-empty fields. */
function annotationFields(item: QueueItem): string[] {
  if (item.annotation === undefined) return [];
  return item.annotation.split(/[;,]/).map((field) => field.trim()).filter((field) => field !== '');
}

const CLAIM_FIELD = /^claimed by\b/i;

/** Whether a claim is older than the TTL; a claim with no readable time cannot be aged, so it counts as stale. */
export function isStaleClaim(item: QueueItem, now: Date, ttlHours: number): boolean {
  if (!item.claim) return false;
  const at = item.claim.at === undefined ? Number.NaN : Date.parse(item.claim.at);
  if (Number.isNaN(at)) return true;
  return now.getTime() - at > ttlHours * 3_600_000;
}

interface Queues {
  paths: QueuePaths;
  todoText: string | undefined;
  doneText: string | undefined;
  todo: QueueFile;
  done: QueueFile;
  doneKeys: Set<string>;
}

function loadQueues(root: string, config: Config, order: 'todo-first' | 'done-first'): { ok: true; queues: Queues } | OperationFailure {
  const paths = queuePaths(root, config);
  // Reading todo before done sees every URL in at least one file even without the lock,
  // because writers write done before todo.
  const first = order === 'todo-first' ? readQueueText(paths.todo, config.layout.todo) : readQueueText(paths.done, config.layout.done);
  if (!first.ok) return first;
  const second = order === 'todo-first' ? readQueueText(paths.done, config.layout.done) : readQueueText(paths.todo, config.layout.todo);
  if (!second.ok) return second;
  const todoText = order === 'todo-first' ? first.text : second.text;
  const doneText = order === 'todo-first' ? second.text : first.text;
  const todo = parseQueue(todoText ?? '');
  const done = parseQueue(doneText ?? '');
  return { ok: true, queues: { paths, todoText, doneText, todo, done, doneKeys: new Set(done.items.map((item) => item.key)) } };
}

function underQueueLock<T>(root: string, fn: () => T | OperationFailure, lock?: LockOptions): T | OperationFailure {
  const result = withLock(root, QUEUE_LOCK, fn, lock);
  return result.ok ? result.value : result;
}

function cleanTemps(paths: QueuePaths): void {
  removeOrphanTempFiles(paths.todo);
  removeOrphanTempFiles(paths.done);
}

/** One claimed URL. */
export interface Claim {
  url: string;
  key: string;
  agent: string;
  at: string;
  /** 1-based line in urls_todo.md. */
  line: number;
  /** The agent whose stale claim was taken over, with `--steal-stale`. */
  stolenFrom?: string;
}

/** Options of `claimUrls`. */
export interface ClaimOptions {
  count: number;
  agent: string;
  now: Date;
  ttlHours: number;
  /** Also take URLs whose claim is older than the TTL (oldest work first, in file order). */
  stealStale: boolean;
  lock?: LockOptions;
}

/** What `claimUrls` did. */
export interface ClaimResult {
  ok: true;
  claimed: Claim[];
  /** Pending URLs still unclaimed after this claim. */
  unclaimed: number;
  /** Pending URLs whose claim is stale (not taken unless `stealStale`). */
  stale: number;
}

/** Takes the next `count` pending, unclaimed URLs in file order and marks them claimed by `agent`. */
export function claimUrls(root: string, config: Config, options: ClaimOptions): ClaimResult | OperationFailure {
  return underQueueLock(root, (): ClaimResult | OperationFailure => {
    const loaded = loadQueues(root, config, 'todo-first');
    if (!loaded.ok) return loaded;
    const { paths, todo, todoText, doneKeys } = loaded.queues;
    if (todoText === undefined) {
      return { ok: false, error: `Unexpected missing \`${config.layout.todo}\`, expected the pending queue; run \`relay init\`` };
    }
    cleanTemps(paths);
    // A URL is held while any of its lines carries a claim that may not be taken.
    const held = new Set<string>();
    for (const item of todo.items) {
      if (item.claim && !(options.stealStale && isStaleClaim(item, options.now, options.ttlHours))) held.add(item.key);
    }
    const at = isoSeconds(options.now);
    const chosen = new Set<string>();
    const claimed: Claim[] = [];
    const replace = new Map<number, string>();
    for (const item of todo.items) {
      if (claimed.length >= options.count) break;
      if (doneKeys.has(item.key) || held.has(item.key) || chosen.has(item.key)) continue;
      chosen.add(item.key);
      const fields = annotationFields(item).filter((field) => !CLAIM_FIELD.test(field));
      fields.push(`claimed by ${options.agent} at ${at}`);
      replace.set(item.line, formatQueueItem(item.url, fields));
      const claim: Claim = { url: item.url, key: item.key, agent: options.agent, at, line: item.line };
      if (item.claim) claim.stolenFrom = item.claim.agent;
      claimed.push(claim);
    }
    // What is left, so an empty claim can say why.
    const claimedKeys = new Set(todo.items.filter((item) => item.claim).map((item) => item.key));
    const staleKeys = new Set(todo.items.filter((item) => isStaleClaim(item, options.now, options.ttlHours)).map((item) => item.key));
    const counted = new Set<string>();
    let unclaimed = 0;
    let stale = 0;
    for (const item of todo.items) {
      if (doneKeys.has(item.key) || chosen.has(item.key) || counted.has(item.key)) continue;
      counted.add(item.key);
      if (!claimedKeys.has(item.key)) unclaimed++;
      else if (staleKeys.has(item.key)) stale++;
    }
    if (claimed.length > 0) writeFileAtomic(paths.todo, rewriteQueue(todo.segments, { replace }));
    return { ok: true, claimed, unclaimed, stale };
  }, options.lock);
}

/** What happened to one URL given to `completeUrls`. */
export interface Completion {
  url: string;
  key: string;
  status: 'completed' | 'completed-not-pending' | 'already-done';
  /** Who held the claim, when it was not the completing agent. */
  claimedBy?: string;
}

/** Options of `completeUrls`. */
export interface DoneOptions {
  urls: string[];
  agent: string;
  now: Date;
  output?: string;
  lock?: LockOptions;
}

/** What `completeUrls` did. */
export interface DoneResult {
  ok: true;
  completed: Completion[];
  rejected: Rejection[];
}

/**
 * Moves URLs from urls_todo.md to urls_done.md with `(completed DATE, by AGENT, output PATH)`.
 * A URL that was not pending is still recorded as done (the work happened); one already done
 * is left as it is, and any copy of it still pending is removed (done wins).
 */
export function completeUrls(root: string, config: Config, options: DoneOptions): DoneResult | OperationFailure {
  const { wanted, rejected } = parseArguments(options.urls);
  return underQueueLock(root, (): DoneResult | OperationFailure => {
    const loaded = loadQueues(root, config, 'todo-first');
    if (!loaded.ok) return loaded;
    const { paths, todo, done, doneText, doneKeys } = loaded.queues;
    cleanTemps(paths);
    const byKey = groupByKey(todo.items);
    const removeLines: number[] = [];
    const append: string[] = [];
    const completed: Completion[] = [];
    const date = utcDate(options.now);
    for (const { url, key } of wanted) {
      const pending = byKey.get(key) ?? [];
      for (const item of pending) removeLines.push(item.line);
      if (doneKeys.has(key)) {
        completed.push({ url, key, status: 'already-done' });
        continue;
      }
      const first = pending[0];
      const fields = [`completed ${date}`, `by ${options.agent}`];
      if (options.output !== undefined) fields.push(`output ${options.output}`);
      // Free-text notes travel with the item; the claim and old completion fields do not.
      if (first) fields.push(...first.notes);
      append.push(formatQueueItem(first ? first.url : url, fields));
      const completion: Completion = { url: first ? first.url : url, key, status: first ? 'completed' : 'completed-not-pending' };
      const claimant = pending.find((item) => item.claim)?.claim?.agent;
      if (claimant !== undefined && claimant !== options.agent) completion.claimedBy = claimant;
      completed.push(completion);
      doneKeys.add(key);
    }
    if (append.length > 0) {
      const base = doneText === undefined ? parseQueue(`${DONE_HEADING}\n\n`).segments : done.segments;
      writeFileAtomic(paths.done, rewriteQueue(base, { append }));
    }
    if (removeLines.length > 0) writeFileAtomic(paths.todo, rewriteQueue(todo.segments, { remove: removeLines }));
    return { ok: true, completed, rejected };
  }, options.lock);
}

/** What happened to one URL given to `releaseUrls`. */
export interface Release {
  url: string;
  key: string;
  status: 'released' | 'not-claimed';
  /** Whose claim was removed. */
  from?: string;
}

/** Options of `releaseUrls`. */
export interface ReleaseOptions {
  urls: string[];
  /** Release every claim `agent` holds instead of listed URLs. */
  all: boolean;
  agent: string;
  /** Release claims held by other agents too. */
  force: boolean;
  lock?: LockOptions;
}

/** What `releaseUrls` did. */
export interface ReleaseResult {
  ok: true;
  released: Release[];
  rejected: Rejection[];
}

/** Removes claims so the URLs can be claimed again; another agent's claim only with `force`. */
export function releaseUrls(root: string, config: Config, options: ReleaseOptions): ReleaseResult | OperationFailure {
  const { wanted, rejected } = parseArguments(options.urls);
  return underQueueLock(root, (): ReleaseResult | OperationFailure => {
    const loaded = loadQueues(root, config, 'todo-first');
    if (!loaded.ok) return loaded;
    const { paths, todo } = loaded.queues;
    cleanTemps(paths);
    const replace = new Map<number, string>();
    const released: Release[] = [];
    const unclaim = (item: QueueItem): void => {
      const fields = annotationFields(item).filter((field) => !CLAIM_FIELD.test(field));
      replace.set(item.line, formatQueueItem(item.url, fields));
    };
    if (options.all) {
      for (const item of todo.items) {
        if (item.claim?.agent !== options.agent) continue;
        unclaim(item);
        released.push({ url: item.url, key: item.key, status: 'released', from: item.claim.agent });
      }
    }
    const byKey = groupByKey(todo.items);
    for (const { url, key } of wanted) {
      const items = byKey.get(key);
      if (!items) {
        rejected.push({ url, reason: `not pending in \`${config.layout.todo}\`` });
        continue;
      }
      const claimedItems = items.filter((item) => item.claim);
      if (claimedItems.length === 0) {
        released.push({ url: items[0]!.url, key, status: 'not-claimed' });
        continue;
      }
      const others = claimedItems.filter((item) => item.claim!.agent !== options.agent);
      if (others.length > 0 && !options.force) {
        rejected.push({ url, reason: `claimed by \`${others[0]!.claim!.agent}\`, not \`${options.agent}\`; pass \`--force\` to release it anyway` });
        continue;
      }
      for (const item of claimedItems) unclaim(item);
      released.push({ url: items[0]!.url, key, status: 'released', from: claimedItems[0]!.claim!.agent });
    }
    if (replace.size > 0) writeFileAtomic(paths.todo, rewriteQueue(todo.segments, { replace }));
    return { ok: true, released, rejected };
  }, options.lock);
}

/** Options of `addUrls`. */
export interface AddOptions {
  urls: string[];
  lock?: LockOptions;
}

/** What `addUrls` did. */
export interface AddResult {
  ok: true;
  added: string[];
  rejected: Rejection[];
}

/** Appends new URLs to urls_todo.md; rejects those already pending or done (compared normalised). */
export function addUrls(root: string, config: Config, options: AddOptions): AddResult | OperationFailure {
  const { wanted, rejected } = parseArguments(options.urls);
  return underQueueLock(root, (): AddResult | OperationFailure => {
    const loaded = loadQueues(root, config, 'todo-first');
    if (!loaded.ok) return loaded;
    const { paths, todo, todoText, doneKeys } = loaded.queues;
    cleanTemps(paths);
    const pendingKeys = new Set(todo.items.map((item) => item.key));
    const added: string[] = [];
    for (const { url, key } of wanted) {
      if (doneKeys.has(key)) rejected.push({ url, reason: `already done in \`${config.layout.done}\`` });
      else if (pendingKeys.has(key)) rejected.push({ url, reason: `already pending in \`${config.layout.todo}\`` });
      else added.push(url);
    }
    if (added.length > 0) {
      const base = todoText === undefined ? parseQueue(`${TODO_HEADING}\n\n`).segments : todo.segments;
      writeFileAtomic(paths.todo, rewriteQueue(base, { append: added.map((url) => formatQueueItem(url, [])) }));
    }
    return { ok: true, added, rejected };
  }, options.lock);
}

/** Counts of the queues, for `relay status` and the briefing. */
export interface QueueStatus {
  ok: true;
  todoExists: boolean;
  doneExists: boolean;
  /** Distinct pending URLs not also done. */
  pending: number;
  claimed: number;
  unclaimed: number;
  done: number;
  /** Claims per agent, stale ones included. */
  claimsByAgent: Record<string, number>;
  staleClaims: { url: string; agent: string; at?: string; line: number }[];
  /** The next URLs `relay claim` would take. */
  next: string[];
  /** URLs in both files (done wins; `protocol-lint --fix` removes them from urls_todo.md). */
  overlap: number;
  /** Lines that repeat a URL already listed in the same file. */
  duplicates: number;
  /** List items that are not queue items. */
  syntaxProblems: number;
  ttlHours: number;
}

/** Reads the queues without the lock (reading todo first never misses a URL that is moving to done). */
export function queueStatus(root: string, config: Config, options: { now: Date; ttlHours: number; next?: number }): QueueStatus | OperationFailure {
  const loaded = loadQueues(root, config, 'todo-first');
  if (!loaded.ok) return loaded;
  const { todo, done, doneKeys, todoText, doneText } = loaded.queues;
  const seen = new Set<string>();
  const claimsByAgent: Record<string, number> = {};
  const staleClaims: QueueStatus['staleClaims'] = [];
  const next: string[] = [];
  let claimed = 0;
  let unclaimed = 0;
  let overlap = 0;
  let duplicates = 0;
  // The first claimed line of each URL speaks for it.
  const claimLines = new Map<string, QueueItem>();
  for (const item of todo.items) if (item.claim && !claimLines.has(item.key)) claimLines.set(item.key, item);
  for (const item of todo.items) {
    if (seen.has(item.key)) {
      duplicates++;
      continue;
    }
    seen.add(item.key);
    if (doneKeys.has(item.key)) {
      overlap++;
      continue;
    }
    const claim = claimLines.get(item.key);
    if (claim) {
      claimed++;
      const agent = claim.claim!.agent;
      claimsByAgent[agent] = (claimsByAgent[agent] ?? 0) + 1;
      if (isStaleClaim(claim, options.now, options.ttlHours)) {
        const entry: QueueStatus['staleClaims'][number] = { url: claim.url, agent, line: claim.line };
        if (claim.claim!.at !== undefined) entry.at = claim.claim!.at;
        staleClaims.push(entry);
      }
    } else {
      unclaimed++;
      if (next.length < (options.next ?? 5)) next.push(item.url);
    }
  }
  duplicates += done.items.length - doneKeys.size;
  return {
    ok: true,
    todoExists: todoText !== undefined,
    doneExists: doneText !== undefined,
    pending: claimed + unclaimed,
    claimed,
    unclaimed,
    done: doneKeys.size,
    claimsByAgent,
    staleClaims,
    next,
    overlap,
    duplicates,
    syntaxProblems: todo.problems.length + done.problems.length,
    ttlHours: options.ttlHours,
  };
}

function groupByKey(items: QueueItem[]): Map<string, QueueItem[]> {
  const byKey = new Map<string, QueueItem[]>();
  for (const item of items) {
    const list = byKey.get(item.key);
    if (list) list.push(item);
    else byKey.set(item.key, [item]);
  }
  return byKey;
}

/** Normalises command-line URLs: invalid ones and repeats are rejected before the lock is taken. */
function parseArguments(urls: string[]): { wanted: { url: string; key: string }[]; rejected: Rejection[] } {
  const wanted: { url: string; key: string }[] = [];
  const rejected: Rejection[] = [];
  const seen = new Set<string>();
  for (const raw of urls) {
    const url = raw.trim();
    if (url === '') continue;
    const normalized = normalizeUrl(url);
    if (!normalized.ok) rejected.push({ url, reason: normalized.reason });
    else if (/\s/.test(url)) rejected.push({ url, reason: 'a queue URL cannot hold spaces; percent-encode them' });
    else if (seen.has(normalized.key)) rejected.push({ url, reason: 'listed twice in this command' });
    else {
      seen.add(normalized.key);
      wanted.push({ url, key: normalized.key });
    }
  }
  return { wanted, rejected };
}

/** Whether a queue file exists for a root. */
export function queueFileExists(root: string, config: Config, which: 'todo' | 'done'): boolean {
  return existsSync(queuePaths(root, config)[which]);
}
