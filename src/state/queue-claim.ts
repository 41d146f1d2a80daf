/**
 * `relay claim`: takes the next pending, unclaimed URLs in file order for one agent, under the
 * queue lock, so 200 agents claiming at once never get the same URL.
 */
import type { Config } from '../protocol/config.js';
import { formatQueueItem, parseQueueLineAt, type QueueItem } from '../protocol/queue.js';
import { isoSeconds } from './identity.js';
import type { LockOptions } from './lock.js';
import { annotationFields, CLAIM_FIELD, isStaleClaim, locate, parseQueues, readQueueText, type LockedQueues, type OperationFailure, type Queues } from './queue-files.js';
import { forEachListLine, type LineEdit, type QueueScan } from './queue-scan.js';
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

/** Above this many URLs a claim parses the queue once instead of searching it per URL. */
const FAST_CLAIM_MAX = 256;
/** URLs a fast claim may look up (done or held ones are skipped) before it parses the queue instead. */
const FAST_CLAIM_SLACK = 64;

/**
 * Gives `agent` back the URLs it already holds (in file order, with their original claim
 * time, so stale detection stays honest), then takes the next pending, unclaimed URLs in
 * file order up to `count` in all and marks them claimed by `agent`. A retried or resumed
 * session asking again gets the same work.
 *
 * Under the lock it does as little as it can: it walks urls_todo.md's `- ` lines in order,
 * parsing each one, and looks each candidate up by token search (is it done, is another line
 * of it claimed?) instead of parsing both files; the claims are spliced into the text. Text the
 * search cannot vouch for, a large `count`, or many skipped candidates fall back to the full
 * parse, which decides the same. The counts of what is left are computed only when read
 * (`relay claim` reads them when it took nothing), from the texts read under the lock.
 */
export function claimUrls(root: string, config: Config, options: ClaimOptions): ClaimResult | OperationFailure {
  return queueTransaction(root, config, { requireTodo: true, lock: options.lock }, (files): ClaimResult | OperationFailure => {
    const found = heldClaims(files, options);
    if (!found.ok) return found;
    const { held } = found;
    if (held.length >= options.count) {
      return withLeftCounts(held, () => readQueues(files.paths, config), new Set(), options);
    }
    const fresh = claimNew(files, config, { ...options, count: options.count - held.length }, new Set(held.map((claim) => claim.key)));
    if (!fresh.ok || held.length === 0) return fresh;
    const result = { ...fresh, claimed: [...held, ...fresh.claimed] } as ClaimResult;
    // The counts stay lazy: copy their getters, not their values.
    for (const key of ['unclaimed', 'stale'] as const) Object.defineProperty(result, key, { enumerable: true, get: () => fresh[key] });
    return result;
  });
}

/** Both queue files as they are now, for counts asked for after the claim. */
function readQueues(paths: LockedQueues['paths'], config: Config): Queues {
  const done = readQueueText(paths.done, config.layout.done);
  const todo = readQueueText(paths.todo, config.layout.todo);
  return parseQueues({ paths, todoText: todo.ok ? todo.text : undefined, doneText: done.ok ? done.text : undefined });
}

/**
 * The URLs `agent` already claims in urls_todo.md and that are not done, in file order, at
 * most `count`, each once. Found by scanning the lines that carry a claim when the files
 * allow a token search, else from the full parse.
 */
function heldClaims(files: LockedQueues, options: ClaimOptions): { ok: true; held: Claim[] } | OperationFailure {
  const held: Claim[] = [];
  const seen = new Set<string>();
  const scans = files.scans();
  if (scans) {
    // Most claims come from agents holding nothing: one search for their claim text settles it
    // (chunks end at line ends, so the text is never split between two).
    const needle = Buffer.from(`claimed by ${options.agent}`, 'utf8');
    let mentioned = false;
    scans.todo.source.forEachChunk((chunk) => !(mentioned = chunk.includes(needle)));
    if (!mentioned) return { ok: true, held };
    // The scan decodes lines as latin1; the agent id is compared in the same decoding.
    const agent = needle.toString('latin1').slice('claimed by '.length);
    let searchable = true;
    forEachListLine(scans.todo.source, (text, _start, _end, line) => {
      if (!text.includes('claimed by')) return true;
      const item = parseQueueLineAt(text, 0, text.length, line);
      if (item === undefined || !('key' in item) || item.claim?.agent !== agent || seen.has(item.key)) return true;
      seen.add(item.key);
      const doneLines = scans.done.linesOf(item.key, item.slashKey);
      if (doneLines === undefined) return (searchable = false);
      if (doneLines.length === 0) held.push(heldClaim(item, options.agent, line));
      return held.length < options.count;
    });
    if (searchable) return { ok: true, held };
    held.length = 0;
    seen.clear();
  }
  const parsed = files.parsed();
  if (!parsed.ok) return parsed;
  const { todo, doneKeys } = parsed.queues;
  for (const item of todo.items) {
    if (held.length >= options.count) break;
    if (item.claim?.agent !== options.agent || doneKeys.has(item.key) || seen.has(item.key)) continue;
    seen.add(item.key);
    held.push(heldClaim(item, options.agent, item.line));
  }
  return { ok: true, held };
}

function heldClaim(item: QueueItem, agent: string, line: number): Claim {
  return { url: item.url, key: item.key, agent, at: item.claim?.at ?? '', line, held: true };
}

/** Takes the next `count` pending, unclaimed URLs in file order, leaving the URLs in `skip` (held already) alone. */
function claimNew(files: LockedQueues, config: Config, options: ClaimOptions, skip: Set<string>): ClaimResult | OperationFailure {
  const { paths } = files;
  const at = isoSeconds(options.now);
  const scans = options.count <= FAST_CLAIM_MAX ? files.scans() : undefined;
  const fast = scans && claimByScan(scans.todo, options, scans.done, at, skip);
  if (fast) {
    if (fast.claimed.length > 0) files.writeTodo(fast.edits);
    if (fast.claimed.length < options.count) {
      // The queue ran dry: say why from the files read under the lock.
      const parsed = files.parsed();
      if (!parsed.ok) return parsed;
      return withLeftCounts(fast.claimed, () => parsed.queues, fast.chosen, options);
    }
    // Nobody reads these after a full claim; if asked, they come from this urls_todo.md and the urls_done.md of then.
    return withLeftCounts(fast.claimed, () => readQueues(paths, config), fast.chosen, options);
  }
  const parsed = files.parsed();
  if (!parsed.ok) return parsed;
  const { queues } = parsed;
  const { todo, doneKeys } = queues;
  // A URL is held while any of its lines carries a claim that may not be taken.
  const held = new Set<string>();
  for (const item of todo.items) {
    if (item.claim && !mayTake(item, options)) held.add(item.key);
  }
  const chosen = new Set<string>();
  const claimed: Claim[] = [];
  const chosenItems: QueueItem[] = [];
  for (const item of todo.items) {
    if (claimed.length >= options.count) break;
    if (doneKeys.has(item.key) || held.has(item.key) || chosen.has(item.key) || skip.has(item.key)) continue;
    chosen.add(item.key);
    chosenItems.push(item);
    claimed.push(claimOf(item, options.agent, at, item.line));
  }
  if (claimed.length > 0) {
    const edits = locate(files.todoBytes, chosenItems).map(({ item, start, end }) => ({ start, end, content: claimedLine(item, options.agent, at) }));
    files.writeTodo(edits);
  }
  return withLeftCounts(claimed, () => queues, chosen, options);
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
 * The fast claim: the same choice as the full parse (file order; not done, not held by a
 * claim on any of its lines, one line per URL), found by token search. Undefined when the
 * search cannot answer (a URL without a path) or too many candidates were skipped.
 */
function claimByScan(todo: QueueScan, options: ClaimOptions, done: QueueScan, at: string, skip: Set<string>): { claimed: Claim[]; edits: LineEdit[]; chosen: Set<string> } | undefined {
  const claimed: Claim[] = [];
  const edits: LineEdit[] = [];
  const chosen = new Set<string>();
  // URLs already judged: taken here, done, or held. Later lines of them get the same verdict.
  const judged = new Set<string>(skip);
  let lookups = 0;
  let failed = false;
  forEachListLine(todo.source, (text, start, end, line) => {
    const item = parseQueueLineAt(text, 0, text.length, line);
    if (item === undefined || !('key' in item) || judged.has(item.key)) return true;
    judged.add(item.key);
    if (item.claim && !mayTake(item, options)) return true;
    if (++lookups > options.count + FAST_CLAIM_SLACK) return !(failed = true);
    const twins = todo.linesOf(item.key, item.slashKey);
    const doneLines = twins && done.linesOf(item.key, item.slashKey);
    if (twins === undefined || doneLines === undefined) return !(failed = true);
    if (doneLines.length > 0 || twins.some((twin) => twin.item.claim && !mayTake(twin.item, options))) return true;
    chosen.add(item.key);
    edits.push({ start, end, content: claimedLine(item, options.agent, at) });
    claimed.push(claimOf(item, options.agent, at, line));
    return claimed.length < options.count;
  });
  return failed ? undefined : { claimed, edits, chosen };
}

/** A claim result whose counts of what is left are computed from the queues read under the lock, when first read. */
function withLeftCounts(claimed: Claim[], queues: () => Queues, chosen: Set<string>, options: ClaimOptions): ClaimResult {
  let counts: { unclaimed: number; stale: number } | undefined;
  const left = (): { unclaimed: number; stale: number } => (counts ??= countLeft(queues(), chosen, options));
  const result = { ok: true, claimed } as ClaimResult;
  Object.defineProperty(result, 'unclaimed', { enumerable: true, get: () => left().unclaimed });
  Object.defineProperty(result, 'stale', { enumerable: true, get: () => left().stale });
  return result;
}

/** Distinct pending URLs, not done and not just taken, that are unclaimed or whose claim is stale. */
function countLeft(queues: Queues, chosen: Set<string>, options: ClaimOptions): { unclaimed: number; stale: number } {
  const { todo, doneKeys } = queues;
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
  return { unclaimed, stale };
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
 * through the remote (src/remote/claims.ts), which won the URLs there first. A URL done here,
 * no longer pending, or claimed here by another agent (not stale, or stale without
 * `stealStale`) is refused, so the caller can give its remote claim back.
 */
export function claimListed(root: string, config: Config, options: ListedClaimOptions): ListedClaimResult | OperationFailure {
  return urlTransaction(root, config, { urls: options.urls, lock: options.lock }, ({ files, wanted, lookup }): ListedClaimResult => {
    const at = isoSeconds(options.now);
    const claimed: Claim[] = [];
    const refused: ListedClaimResult['refused'] = [];
    const edits: LineEdit[] = [];
    for (const { url, key, slashKey } of wanted) {
      if (lookup.isDone(key, slashKey)) {
        refused.push({ url, key, reason: 'done' });
        continue;
      }
      const lines = lookup.pending(key, slashKey);
      if (lines.length === 0) {
        refused.push({ url, key, reason: 'not-pending' });
        continue;
      }
      const other = lines.find(({ item }) => item.claim && item.claim.agent !== options.agent && !mayTake(item, options));
      if (other) {
        refused.push({ url, key, reason: 'claimed', by: other.item.claim!.agent });
        continue;
      }
      const first = lines[0]!;
      const stolen = lines.find(({ item }) => item.claim && item.claim.agent !== options.agent)?.item.claim?.agent;
      for (const { item, start, end } of lines) edits.push({ start, end, content: claimedLine(item, options.agent, at) });
      const claim: Claim = { url: first.item.url, key, agent: options.agent, at, line: first.item.line };
      if (stolen !== undefined) claim.stolenFrom = stolen;
      claimed.push(claim);
    }
    if (edits.length > 0) files.writeTodo(edits);
    return { ok: true, claimed, refused };
  });
}
