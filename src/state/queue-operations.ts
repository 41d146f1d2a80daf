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
import { isAscii } from 'node:buffer';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../protocol/config.js';
import { formatQueueItem, parseQueue, parseQueueLineAt, type QueueFile, type QueueItem } from '../protocol/queue.js';
import { normalizeUrl } from '../protocol/url.js';
import { appendFileAtomic, removeOrphanTempFiles, writeFileAtomic } from './atomic.js';
import { isoSeconds, utcDate } from './identity.js';
import { withLock, type LockOptions } from './lock.js';
import { searchToken } from '../protocol/queue-search.js';
import { BufferSource, FileSource, forEachListLine, lineEndingOf, QueueScan, spliceLines, type ItemLine, type LineEdit } from './queue-scan.js';

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

function cannotRead(label: string, error: unknown): OperationFailure {
  return { ok: false, error: `Cannot read \`${label}\` (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
}

/** Decodes a queue file's bytes as UTF-8, refusing bytes it could not write back. */
function decodeQueue(bytes: Buffer | undefined, label: string): ReadResult {
  if (bytes === undefined) return { ok: true, text: undefined };
  // ASCII (the common case) is UTF-8 already, and decodes fastest as Latin-1.
  if (isAscii(bytes)) return { ok: true, text: bytes.toString('latin1') };
  try {
    return { ok: true, text: UTF8.decode(bytes) };
  } catch {
    return { ok: false, error: `Unexpected bytes in \`${label}\`, expected UTF-8 text; fix the file's encoding before relay rewrites it` };
  }
}

/** Reads a queue file's bytes; undefined when it does not exist. */
function readQueueBytes(path: string, label: string): { ok: true; bytes: Buffer | undefined } | OperationFailure {
  try {
    return { ok: true, bytes: readFileSync(path) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, bytes: undefined };
    return cannotRead(label, error);
  }
}

/** Reads a queue file as UTF-8; undefined when it does not exist. Refuses bytes it could not write back. */
function readQueueText(path: string, label: string): ReadResult {
  const read = readQueueBytes(path, label);
  return read.ok ? decodeQueue(read.bytes, label) : read;
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

interface QueueTexts {
  paths: QueuePaths;
  todoText: string | undefined;
  doneText: string | undefined;
}

interface Queues extends QueueTexts {
  todo: QueueFile;
  done: QueueFile;
  doneKeys: Set<string>;
}

function parseQueues(texts: QueueTexts): Queues {
  const todo = parseQueue(texts.todoText ?? '');
  const done = parseQueue(texts.doneText ?? '');
  return { ...texts, todo, done, doneKeys: new Set(done.items.map((item) => item.key)) };
}

/** Both files read without the lock, todo first (for `relay status`). */
function loadQueues(root: string, config: Config): { ok: true; queues: Queues } | OperationFailure {
  const paths = queuePaths(root, config);
  // Reading todo before done sees every URL in at least one file even without the lock,
  // because writers write done before todo.
  const todo = readQueueText(paths.todo, config.layout.todo);
  if (!todo.ok) return todo;
  const done = readQueueText(paths.done, config.layout.done);
  if (!done.ok) return done;
  return { ok: true, queues: parseQueues({ paths, todoText: todo.text, doneText: done.text }) };
}

const NO_BYTES = Buffer.alloc(0);

/**
 * The queue files as a writer reads them under the lock, open and read only as far as asked:
 * searched in chunks by the fast paths, rewritten by streaming urls_todo.md with its edits,
 * appended to by a kernel copy of urls_done.md, read and decoded whole only by the full parse.
 * The open descriptors keep the files as they were when the lock was taken (every writer
 * replaces a file by renaming a new one over it, never in place).
 */
class LockedQueues {
  private scanned?: { todo: QueueScan; done: QueueScan } | null;
  private decoded?: { ok: true; queues: Queues } | OperationFailure;
  private todoWhole?: Buffer;

  private constructor(
    readonly paths: QueuePaths,
    private readonly config: Config,
    private readonly todoSource: FileSource | undefined,
    private readonly doneSource: FileSource | undefined,
  ) {}

  static open(root: string, config: Config): { ok: true; files: LockedQueues } | OperationFailure {
    const paths = queuePaths(root, config);
    let todo: FileSource | undefined;
    try {
      todo = FileSource.open(paths.todo);
    } catch (error) {
      return cannotRead(config.layout.todo, error);
    }
    try {
      return { ok: true, files: new LockedQueues(paths, config, todo, FileSource.open(paths.done)) };
    } catch (error) {
      todo?.close();
      return cannotRead(config.layout.done, error);
    }
  }

  close(): void {
    this.todoSource?.close();
    this.doneSource?.close();
  }

  get todoExists(): boolean {
    return this.todoSource !== undefined;
  }

  /** urls_todo.md's bytes, read whole (the full parse only). */
  get todoBytes(): Buffer {
    this.todoWhole ??= this.todoSource?.readAll() ?? NO_BYTES;
    return this.todoWhole;
  }

  /** Token scans of both files, or undefined when either needs the full parse (see `QueueScan.of`). */
  scans(): { todo: QueueScan; done: QueueScan } | undefined {
    if (this.scanned === undefined) {
      const todo = QueueScan.of(this.todoSource ?? new BufferSource(NO_BYTES));
      const done = todo && QueueScan.of(this.doneSource ?? new BufferSource(NO_BYTES));
      this.scanned = todo && done ? { todo, done } : null;
    }
    return this.scanned ?? undefined;
  }

  /** Both files decoded and parsed. */
  parsed(): { ok: true; queues: Queues } | OperationFailure {
    if (this.decoded === undefined) {
      const todo = decodeQueue(this.todoSource && this.todoBytes, this.config.layout.todo);
      const done = todo.ok ? decodeQueue(this.doneSource?.readAll(), this.config.layout.done) : todo;
      if (!todo.ok) this.decoded = todo;
      else if (!done.ok) this.decoded = done;
      else this.decoded = { ok: true, queues: parseQueues({ paths: this.paths, todoText: todo.text, doneText: done.text }) };
    }
    return this.decoded;
  }

  /** Rewrites urls_todo.md with line edits (byte offsets) and appended lines; a missing file starts with its heading. */
  writeTodo(edits: LineEdit[], append: string[] = []): void {
    const source = this.todoSource ?? new BufferSource(Buffer.from(`${TODO_HEADING}\n\n`));
    writeFileAtomic(this.paths.todo, (put) => spliceLines(source, edits, append, put));
  }

  /** Appends item lines to urls_done.md (creating it with its heading), copying the file in the kernel. */
  appendDone(lines: string[]): void {
    const done = this.doneSource;
    if (!done) {
      writeFileAtomic(this.paths.done, `${DONE_HEADING}\n\n` + lines.map((line) => `${line}\n`).join(''));
      return;
    }
    let eol = '\n';
    done.forEachChunk((chunk: Buffer) => {
      eol = lineEndingOf(chunk);
      return false;
    });
    const lastByte = done.size === 0 ? undefined : done.byteAt(done.size - 1);
    const tail = lines.map((line) => line + eol).join('');
    appendFileAtomic(this.paths.done, lastByte !== undefined && lastByte !== 10 ? eol + tail : tail);
  }
}

/** Runs `fn` with the queue files read under the lock. */
function withQueues<T>(root: string, config: Config, fn: (files: LockedQueues) => T | OperationFailure): T | OperationFailure {
  const opened = LockedQueues.open(root, config);
  if (!opened.ok) return opened;
  try {
    return fn(opened.files);
  } finally {
    opened.files.close();
  }
}

/** The item lines of a parsed queue with their byte offsets in `bytes`, the file it was decoded from. */
function locate(bytes: Buffer, items: QueueItem[]): ItemLine[] {
  const starts = [0];
  for (let newline = bytes.indexOf(10); newline !== -1; newline = bytes.indexOf(10, newline + 1)) starts.push(newline + 1);
  return items.map((item): ItemLine => {
    const start = starts[item.line - 1]!;
    const newline = bytes.indexOf(10, start);
    let end = newline === -1 ? bytes.length : newline;
    if (end > start && bytes[end - 1] === 13) end--;
    return { item, start, end };
  });
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

/** Above this many URLs a claim parses the queue once instead of searching it per URL. */
const FAST_CLAIM_MAX = 256;
/** URLs a fast claim may look up (done or held ones are skipped) before it parses the queue instead. */
const FAST_CLAIM_SLACK = 64;

/**
 * Takes the next `count` pending, unclaimed URLs in file order and marks them claimed by `agent`.
 *
 * Under the lock it does as little as it can: it walks urls_todo.md's `- ` lines in order,
 * parsing each one, and looks each candidate up by token search (is it done, is another line
 * of it claimed?) instead of parsing both files; the claims are spliced into the text. Text the
 * search cannot vouch for, a large `count`, or many skipped candidates fall back to the full
 * parse, which decides the same. The counts of what is left are computed only when read
 * (`relay claim` reads them when it took nothing), from the texts read under the lock.
 */
export function claimUrls(root: string, config: Config, options: ClaimOptions): ClaimResult | OperationFailure {
  return underQueueLock(root, () =>
    withQueues(root, config, (files): ClaimResult | OperationFailure => {
      const { paths } = files;
      if (!files.todoExists) {
        return { ok: false, error: `Unexpected missing \`${config.layout.todo}\`, expected the pending queue; run \`relay init\`` };
      }
      cleanTemps(paths);
      const at = isoSeconds(options.now);
      const scans = options.count <= FAST_CLAIM_MAX ? files.scans() : undefined;
      const fast = scans && claimByScan(scans.todo, options, scans.done, at);
      if (fast) {
        if (fast.claimed.length > 0) files.writeTodo(fast.edits);
        if (fast.claimed.length < options.count) {
          // The queue ran dry: say why from the files read under the lock.
          const parsed = files.parsed();
          if (!parsed.ok) return parsed;
          return withLeftCounts(fast.claimed, () => parsed.queues, fast.chosen, options);
        }
        // Nobody reads these after a full claim; if asked, they come from this urls_todo.md and the urls_done.md of then.
        const later = (): Queues => {
          const done = readQueueText(paths.done, config.layout.done);
          const todo = readQueueText(paths.todo, config.layout.todo);
          return parseQueues({ paths, todoText: todo.ok ? todo.text : undefined, doneText: done.ok ? done.text : undefined });
        };
        return withLeftCounts(fast.claimed, later, fast.chosen, options);
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
        if (doneKeys.has(item.key) || held.has(item.key) || chosen.has(item.key)) continue;
        chosen.add(item.key);
        chosenItems.push(item);
        claimed.push(claimOf(item, options.agent, at, item.line));
      }
      if (claimed.length > 0) {
        const edits = locate(files.todoBytes, chosenItems).map(({ item, start, end }) => ({ start, end, content: claimedLine(item, options.agent, at) }));
        files.writeTodo(edits);
      }
      return withLeftCounts(claimed, () => queues, chosen, options);
    }),
  options.lock);
}

/** Whether a claimed line may be taken over (`stealStale` and older than the TTL). */
function mayTake(item: QueueItem, options: ClaimOptions): boolean {
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
function claimByScan(todo: QueueScan, options: ClaimOptions, done: QueueScan, at: string): { claimed: Claim[]; edits: LineEdit[]; chosen: Set<string> } | undefined {
  const claimed: Claim[] = [];
  const edits: LineEdit[] = [];
  const chosen = new Set<string>();
  // URLs already judged: taken here, done, or held. Later lines of them get the same verdict.
  const judged = new Set<string>();
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
  return underQueueLock(root, () => withQueues(root, config, (files): DoneResult | OperationFailure => {
    const { paths } = files;
    cleanTemps(paths);
    const lookup = lookupOf(files, wanted);
    if (!lookup.ok) return lookup;
    const remove: LineEdit[] = [];
    const append: string[] = [];
    const completed: Completion[] = [];
    const date = utcDate(options.now);
    for (const { url, key, slashKey } of wanted) {
      const pending = lookup.pending(key, slashKey);
      for (const { start, end } of pending) remove.push({ start, end });
      // URLs given are distinct, so one completed here is not seen again.
      if (lookup.isDone(key, slashKey)) {
        completed.push({ url, key, status: 'already-done' });
        continue;
      }
      const first = pending[0]?.item;
      const fields = [`completed ${date}`, `by ${options.agent}`];
      if (options.output !== undefined) fields.push(`output ${options.output}`);
      // Free-text notes travel with the item; the claim and old completion fields do not.
      if (first) fields.push(...first.notes);
      append.push(formatQueueItem(first ? first.url : url, fields));
      const completion: Completion = { url: first ? first.url : url, key, status: first ? 'completed' : 'completed-not-pending' };
      const claimant = pending.find(({ item }) => item.claim)?.item.claim?.agent;
      if (claimant !== undefined && claimant !== options.agent) completion.claimedBy = claimant;
      completed.push(completion);
    }
    // Done first: a crash between the two writes leaves the URL in both files, never in neither.
    if (append.length > 0) files.appendDone(append);
    if (remove.length > 0) files.writeTodo(remove);
    return { ok: true, completed, rejected };
  }), options.lock);
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
  return underQueueLock(root, () => withQueues(root, config, (files): ReleaseResult | OperationFailure => {
    const { paths } = files;
    cleanTemps(paths);
    // `--all` looks at every claim, which only the full parse lists.
    const lookup = lookupOf(files, wanted, options.all);
    if (!lookup.ok) return lookup;
    const replace: LineEdit[] = [];
    const released: Release[] = [];
    const unclaim = ({ item, start, end }: ItemLine): void => {
      const fields = annotationFields(item).filter((field) => !CLAIM_FIELD.test(field));
      replace.push({ start, end, content: formatQueueItem(item.url, fields) });
    };
    if (options.all) {
      for (const line of lookup.all()) {
        const { item } = line;
        if (item.claim?.agent !== options.agent) continue;
        unclaim(line);
        released.push({ url: item.url, key: item.key, status: 'released', from: item.claim.agent });
      }
    }
    for (const { url, key, slashKey } of wanted) {
      const lines = lookup.pending(key, slashKey);
      if (lines.length === 0) {
        rejected.push({ url, reason: `not pending in \`${config.layout.todo}\`` });
        continue;
      }
      const claimedLines = lines.filter(({ item }) => item.claim);
      if (claimedLines.length === 0) {
        released.push({ url: lines[0]!.item.url, key, status: 'not-claimed' });
        continue;
      }
      const others = claimedLines.filter(({ item }) => item.claim!.agent !== options.agent);
      if (others.length > 0 && !options.force) {
        rejected.push({ url, reason: `claimed by \`${others[0]!.item.claim!.agent}\`, not \`${options.agent}\`; pass \`--force\` to release it anyway` });
        continue;
      }
      for (const line of claimedLines) unclaim(line);
      released.push({ url: lines[0]!.item.url, key, status: 'released', from: claimedLines[0]!.item.claim!.agent });
    }
    if (replace.length > 0) files.writeTodo(replace);
    return { ok: true, released, rejected };
  }), options.lock);
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
  return underQueueLock(root, () => withQueues(root, config, (files): AddResult | OperationFailure => {
    const { paths } = files;
    cleanTemps(paths);
    const lookup = lookupOf(files, wanted);
    if (!lookup.ok) return lookup;
    const added: string[] = [];
    for (const { url, key, slashKey } of wanted) {
      if (lookup.isDone(key, slashKey)) rejected.push({ url, reason: `already done in \`${config.layout.done}\`` });
      else if (lookup.pending(key, slashKey).length > 0) rejected.push({ url, reason: `already pending in \`${config.layout.todo}\`` });
      else added.push(url);
    }
    if (added.length > 0) {
      files.writeTodo([], added.map((url) => formatQueueItem(url, [])));
    }
    return { ok: true, added, rejected };
  }), options.lock);
}

/** Above this many URLs an operation parses the queues once instead of searching them per URL. */
const FAST_LOOKUP_MAX = 256;

/** Finds the lines of given URLs in the queues read under the lock. */
interface Lookup {
  ok: true;
  /** The item lines of urls_todo.md with this key, in file order. */
  pending(key: string, slashKey: string): ItemLine[];
  /** Whether urls_done.md lists this key. */
  isDone(key: string, slashKey: string): boolean;
  /** Every item line of urls_todo.md (full parse only). */
  all(): ItemLine[];
}

/**
 * Token search when the files allow it and every URL has a path to search for; else one full
 * parse with maps. Both find the same lines.
 */
function lookupOf(files: LockedQueues, wanted: { slashKey: string }[], full = false): Lookup | OperationFailure {
  const scans = !full && wanted.length <= FAST_LOOKUP_MAX && wanted.every(({ slashKey }) => searchToken(slashKey) !== undefined) ? files.scans() : undefined;
  if (scans) {
    const notAll = (): never => {
      throw new Error('a token lookup cannot list every item');
    };
    return {
      ok: true,
      pending: (key, slashKey) => scans.todo.linesOf(key, slashKey) ?? [],
      isDone: (key, slashKey) => (scans.done.linesOf(key, slashKey) ?? []).length > 0,
      all: notAll,
    };
  }
  const parsed = files.parsed();
  if (!parsed.ok) return parsed;
  const { todo, doneKeys } = parsed.queues;
  const located = locate(files.todoBytes, todo.items);
  const byKey = new Map<string, ItemLine[]>();
  for (const line of located) {
    const list = byKey.get(line.item.key);
    if (list) list.push(line);
    else byKey.set(line.item.key, [line]);
  }
  return { ok: true, pending: (key) => byKey.get(key) ?? [], isDone: (key) => doneKeys.has(key), all: () => located };
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
  const loaded = loadQueues(root, config);
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

/** Normalises command-line URLs: invalid ones and repeats are rejected before the lock is taken. */
function parseArguments(urls: string[]): { wanted: { url: string; key: string; slashKey: string }[]; rejected: Rejection[] } {
  const wanted: { url: string; key: string; slashKey: string }[] = [];
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
      wanted.push({ url, key: normalized.key, slashKey: normalized.slashKey });
    }
  }
  return { wanted, rejected };
}

/** Whether a queue file exists for a root. */
export function queueFileExists(root: string, config: Config, which: 'todo' | 'done'): boolean {
  return existsSync(queuePaths(root, config)[which]);
}
