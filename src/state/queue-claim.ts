/**
 * `relay claim`: takes the next pending, unclaimed URLs in file order for one agent, under the
 * queue lock, so 200 agents claiming at once never get the same URL.
 */
import type { Config } from '../protocol/config.js';
import { annotationFields, CLAIM_FIELD, formatQueueItem, isStaleClaim, linesHolding, parseQueue, parseQueueLineAt, walkQueue, type LineEdit, type QueueItem } from '../protocol/queue.js';
import { debug } from '../debug.js';
import { isoSeconds } from './identity.js';
import type { LockOptions } from './lock.js';
import type { LockedQueues, OperationFailure } from './queue-files.js';
import { queueTransaction, urlTransaction } from './queue-transaction.js';

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
  /** Already claimed by this agent before this call: given back with its original claim time. */
  held?: true;
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

/** Above this many URLs a claim parses the queue whole instead of reading only the lines it needs. */
const FAST_CLAIM_MAX = 256;
/** Candidates a claim reads beyond those it needs (done or held ones are skipped): a few, then four and sixteen times as many, before it parses the queue whole. */
const FAST_CLAIM_SLACK = [3, 12, 48];

/**
 * Gives `agent` back the URLs it already holds (in file order, with their original claim
 * time, so stale detection stays honest), then takes the next pending, unclaimed URLs in
 * file order up to `count` in all and marks them claimed by `agent`. A retried or resumed
 * session asking again gets the same work.
 *
 * Under the lock it reads as little as it can, through the one queue reader: the lines that
 * name the agent, the first pending lines in order until enough candidates, and then only the
 * lines of those candidates' URLs in both files (is it done, is another line of it claimed?).
 * When that does not find enough, it parses both files whole, which decides the same.
 */
export function claimUrls(root: string, config: Config, options: ClaimOptions): ClaimResult | OperationFailure {
  return queueTransaction(root, config, { requireTodo: true, lock: options.lock }, (files): ClaimResult => {
    const held = heldClaims(files, options);
    const skip = new Set(held.map((claim) => claim.key));
    if (held.length >= options.count) return withLeftCounts(files, held, new Set(), options);
    const want = { ...options, count: options.count - held.length };
    const fresh = (want.count <= FAST_CLAIM_MAX && claimByLines(files, want, skip)) || claimByParse(files, want, skip);
    if (fresh.edits.length > 0) files.writeTodo(fresh.edits);
    return withLeftCounts(files, [...held, ...fresh.claimed], fresh.chosen, options);
  });
}

/** The URLs `agent` already claims in urls_todo.md and that are not done, in file order, at most `count`, each once. */
function heldClaims(files: LockedQueues, options: ClaimOptions): Claim[] {
  const text = files.todoText ?? '';
  // Most claims come from agents holding nothing: one search for the agent's name settles it.
  if (!text.includes(options.agent)) return [];
  const mine = parseQueue(text, linesHolding(text, [options.agent])).items.filter((item) => item.claim?.agent === options.agent);
  const done = new Set(files.itemsOf('done', mine).map((item) => item.key));
  const held: Claim[] = [];
  for (const item of mine) {
    if (held.length >= options.count) break;
    if (done.has(item.key) || held.some((claim) => claim.key === item.key)) continue;
    held.push({ url: item.url, key: item.key, agent: options.agent, at: item.claim?.at ?? '', line: item.line, held: true });
  }
  return held;
}

/** A claim's choice: the URLs taken, the lines to rewrite. */
interface Choice {
  claimed: Claim[];
  edits: LineEdit[];
  chosen: Set<string>;
}

/**
 * The first pending URLs in file order that are not done, not held by a claim on any of their
 * lines and not in `skip`, found from the first candidates only (each looked up by its URL's
 * lines in both files: a text search per candidate, so a few first); undefined when those were
 * not enough and more lines remain (the whole parse decides then).
 */
function claimByLines(files: LockedQueues, options: ClaimOptions, skip: Set<string>): Choice | undefined {
  const text = files.todoText ?? '';
  for (const slack of FAST_CLAIM_SLACK) {
    const candidates: QueueItem[] = [];
    const judged = new Set(skip);
    let stopped = false;
    walkQueue(text, (start, end, line) => {
      const item = parseQueueLineAt(text, start, end, line);
      if (item === undefined || !('key' in item) || judged.has(item.key)) return true;
      judged.add(item.key);
      if (item.claim && !mayTake(item, options)) return true;
      candidates.push(item);
      return !(stopped = candidates.length >= options.count + slack);
    });
    const held = new Set(files.itemsOf('todo', candidates).filter((item) => item.claim && !mayTake(item, options)).map((item) => item.key));
    const done = new Set(files.itemsOf('done', candidates).map((item) => item.key));
    const choice = choose(candidates.filter((item) => !held.has(item.key) && !done.has(item.key)), options);
    if (choice.claimed.length >= options.count || !stopped) return choice;
  }
  debug('queue', `the first ${options.count + FAST_CLAIM_SLACK.at(-1)!} candidates held too few free URLs: both queues are parsed whole`);
  return undefined;
}

/** The same choice from both files parsed whole. */
function claimByParse(files: LockedQueues, options: ClaimOptions, skip: Set<string>): Choice {
  const { todo, doneKeys } = files.parsed().queues;
  // A URL is held while any of its lines carries a claim that may not be taken.
  const held = new Set(todo.items.filter((item) => item.claim && !mayTake(item, options)).map((item) => item.key));
  const seen = new Set<string>();
  const free = todo.items.filter((item) => {
    if (seen.has(item.key)) return false;
    seen.add(item.key);
    return !doneKeys.has(item.key) && !held.has(item.key) && !skip.has(item.key);
  });
  return choose(free, options);
}

/** Claims the first `count` of `free` (one line per URL, in file order) for the agent. */
function choose(free: QueueItem[], options: ClaimOptions): Choice {
  const at = isoSeconds(options.now);
  const picked = free.slice(0, options.count);
  return {
    claimed: picked.map((item) => claimOf(item, options.agent, at, item.line)),
    edits: picked.map((item) => ({ start: item.start, end: item.end, content: claimedLine(item, options.agent, at) })),
    chosen: new Set(picked.map((item) => item.key)),
  };
}

/** Whether a claimed line may be taken over (`stealStale` and older than the TTL). */
function mayTake(item: QueueItem, options: { stealStale: boolean; now: Date; ttlHours: number }): boolean {
  return options.stealStale && isStaleClaim(item, options.now, options.ttlHours);
}

function claimedLine(item: QueueItem, agent: string, at: string): string {
  const fields = annotationFields(item).filter((field) => !CLAIM_FIELD.test(field));
  fields.push(`claimed by ${agent} at ${at}`);
  return formatQueueItem(item.url, fields);
}

function claimOf(item: QueueItem, agent: string, at: string, line: number): Claim {
  const claim: Claim = { url: item.url, key: item.key, agent, at, line };
  if (item.claim) claim.stolenFrom = item.claim.agent;
  return claim;
}

/**
 * A claim result whose counts of what is left (distinct pending URLs, not done and not just
 * taken, unclaimed or with a stale claim) are computed from the files read under the lock when
 * first read: `relay claim` reads them only when it took nothing.
 */
function withLeftCounts(files: LockedQueues, claimed: Claim[], chosen: Set<string>, options: ClaimOptions): ClaimResult {
  let counts: { unclaimed: number; stale: number } | undefined;
  const left = (): { unclaimed: number; stale: number } => {
    if (counts) return counts;
    const { todo, doneKeys } = files.parsed().queues;
    const claimedKeys = new Set(todo.items.filter((item) => item.claim).map((item) => item.key));
    const staleKeys = new Set(todo.items.filter((item) => isStaleClaim(item, options.now, options.ttlHours)).map((item) => item.key));
    const counted = new Set<string>();
    counts = { unclaimed: 0, stale: 0 };
    for (const item of todo.items) {
      if (doneKeys.has(item.key) || chosen.has(item.key) || counted.has(item.key)) continue;
      counted.add(item.key);
      if (!claimedKeys.has(item.key)) counts.unclaimed++;
      else if (staleKeys.has(item.key)) counts.stale++;
    }
    return counts;
  };
  const result = { ok: true, claimed } as ClaimResult;
  Object.defineProperty(result, 'unclaimed', { enumerable: true, get: () => left().unclaimed });
  Object.defineProperty(result, 'stale', { enumerable: true, get: () => left().stale });
  return result;
}

/** Options of `claimListed`. */
export interface ListedClaimOptions {
  urls: string[];
  agent: string;
  now: Date;
  ttlHours: number;
  /** Claims of other agents older than the TTL may be taken. */
  stealStale: boolean;
  lock?: LockOptions;
}

/** What `claimListed` did: the URLs now claimed by the agent, and those it could not claim here. */
export interface ListedClaimResult {
  ok: true;
  claimed: Claim[];
  refused: { url: string; key: string; reason: 'done' | 'not-pending' | 'claimed'; by?: string }[];
}

/**
 * Marks given URLs claimed by `agent` in urls_todo.md, under the lock: the local half of a claim
 * through the claim refs (src/claims/claims.ts), which won the URLs there first. A URL done here,
 * no longer pending, or claimed here by another agent (not stale, or stale without
 * `stealStale`) is refused, so the caller can give its remote claim back.
 */
export function claimListed(root: string, config: Config, options: ListedClaimOptions): ListedClaimResult | OperationFailure {
  return urlTransaction(root, config, { urls: options.urls, lock: options.lock }, ({ files, wanted, lookup }): ListedClaimResult => {
    const at = isoSeconds(options.now);
    const claimed: Claim[] = [];
    const refused: ListedClaimResult['refused'] = [];
    const edits: LineEdit[] = [];
    for (const { url, key } of wanted) {
      if (lookup.isDone(key)) {
        refused.push({ url, key, reason: 'done' });
        continue;
      }
      const lines = lookup.pending(key);
      if (lines.length === 0) {
        refused.push({ url, key, reason: 'not-pending' });
        continue;
      }
      const other = lines.find((item) => item.claim && item.claim.agent !== options.agent && !mayTake(item, options));
      if (other) {
        refused.push({ url, key, reason: 'claimed', by: other.claim!.agent });
        continue;
      }
      const first = lines[0]!;
      const stolen = lines.find((item) => item.claim && item.claim.agent !== options.agent)?.claim?.agent;
      for (const item of lines) edits.push({ start: item.start, end: item.end, content: claimedLine(item, options.agent, at) });
      const claim: Claim = { url: first.url, key, agent: options.agent, at, line: first.line };
      if (stolen !== undefined) claim.stolenFrom = stolen;
      claimed.push(claim);
    }
    if (edits.length > 0) files.writeTodo(edits);
    return { ok: true, claimed, refused };
  });
}
