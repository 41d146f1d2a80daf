/**
 * Queue counts for the briefing, counted in the raw bytes as they are read: one native newline
 * search per line, with no text decoding and no URL parsing. Items are `- <something>` lines
 * outside fenced code and HTML comments, as in the queue parser; a stretch of the file with
 * fences or comments is read line by line instead. `relay status` and protocol-lint are what
 * check the items themselves; only the few URLs the briefing shows are parsed, so that it never
 * shows one relay refuses (agents copy what the briefing shows into their commands).
 *
 * A queue file is read through one reused buffer, a stretch of whole lines at a time, and
 * hashed (for the session ledger) from the same bytes: the queues of a fleet are megabytes, and
 * on the machines relay runs on, a fresh buffer of a file's size costs more in page faults and
 * garbage collection than reading and counting it (docs/performance.md).
 */
import { createHash, type Hash } from 'node:crypto';
import { readSync } from 'node:fs';
import { indexOfByte } from '../protocol/byte-source.js';
import { normalizeUrl } from '../protocol/url.js';

/** What the briefing says about the queues. */
export interface QueueSummary {
  todoExists: boolean;
  doneExists: boolean;
  /** Items in the pending queue. */
  pending: number;
  /** Pending items carrying a `claimed by` annotation. */
  claimed: number;
  /** Items in the done queue. */
  done: number;
  /** The first few unclaimed pending URLs, in file order. */
  next: string[];
  /** Unclaimed items before and among those whose URL is not a queue URL, left out of `next`. */
  invalidSkipped: number;
}

/** What one queue file holds, as the briefing counts it. */
export interface QueueCount {
  items: number;
  /** Items carrying a `claimed by` annotation (counted only when asked). */
  claimed: number;
  /** The first few unclaimed URLs, in file order (only when asked). */
  next: string[];
  invalidSkipped: number;
  /** The SHA-256 (hex) of the file's bytes, when asked. */
  sha256?: string;
}

/** How many of the next free items the briefing lists. */
const NEXT_ITEMS = 5;

const CLAIM = Buffer.from('(claimed by');
/** `-->`, which ends an HTML comment. */
const COMMENT_END = Buffer.from('-->');

/** Counts the items of a queue, fed whole lines in order (see {@link countQueueFile}). */
class QueueCounter implements QueueCount {
  items = 0;
  claimed = 0;
  next: string[] = [];
  invalidSkipped = 0;
  /** The open fence's character (`` ` `` or `~`) and length; 0 when none is open. */
  private fenceChar = 0;
  private fenceLength = 0;
  private inComment = false;

  constructor(private readonly claims: boolean) {}

  /**
   * Counts the lines of `bytes`, which ends at the end of a line or of the file. Lines outside
   * fences and comments, up to the next line that may open one, are counted in one tight loop;
   * the rare lines with a fence or comment marker go through {@link line}.
   */
  lines(bytes: Buffer): void {
    let markers = -2;
    for (let at = 0; at < bytes.length; ) {
      if (this.fenceChar === 0 && !this.inComment) {
        if (markers !== -1 && markers < at) markers = nextMarker(bytes, at);
        // The plain lines before the line holding the next marker.
        const stop = markers === -1 ? bytes.length : bytes.lastIndexOf(10, markers) + 1;
        if (stop > at) {
          this.plain(bytes, at, stop);
          at = stop;
          continue;
        }
      }
      at = this.line(bytes, at);
    }
  }

  /** Counts the items of `bytes[from, to)`, whole lines with no fence or comment among them. */
  private plain(bytes: Buffer, from: number, to: number): void {
    // One native search per line. (Every line of a queue is an item: searching for the
    // three bytes `\n- ` is no quicker.)
    let items = isItem(bytes, from, to) ? 1 : 0;
    for (let at = indexOfByte(bytes, 10, from); at !== -1 && at + 1 < to; at = indexOfByte(bytes, 10, at + 1)) if (isItem(bytes, at + 1, to)) items++;
    this.items += items;
    if (!this.claims) return;
    // Claims are counted from the claims (a few), not from the items (thousands): the line of
    // each `(claimed by`, once per line.
    let counted = -1;
    for (let at = bytes.indexOf(CLAIM, from); at !== -1 && at < to; at = bytes.indexOf(CLAIM, at + 1)) {
      const start = Math.max(from, bytes.lastIndexOf(10, at) + 1);
      if (start !== counted && isItem(bytes, start, to)) this.claimed++;
      counted = start;
    }
    // The first few free items, line by line, only until they are found.
    for (let start = from; start < to && this.next.length < NEXT_ITEMS; ) {
      const end = lineEnd(bytes, start);
      if (isItem(bytes, start, to)) this.free(bytes, start, end);
      start = indexOfByte(bytes, 10, start) + 1 || to;
    }
  }

  /** An item outside the plain stretches, starting at `start` and ending at `end`. */
  private item(bytes: Buffer, start: number, end: number): void {
    this.items++;
    if (!this.claims) return;
    const claim = bytes.indexOf(CLAIM, start);
    if (claim !== -1 && claim < end) this.claimed++;
    else this.free(bytes, start, end);
  }

  /** An unclaimed item: among the next ones the briefing shows, if there is room. */
  private free(bytes: Buffer, start: number, end: number): void {
    if (this.next.length >= NEXT_ITEMS) return;
    const claim = bytes.indexOf(CLAIM, start);
    if (claim !== -1 && claim < end) return;
    const url = /^[ \t]*([^ \t]*)/.exec(bytes.toString('utf8', start + 2, end))![1]!;
    if (normalizeUrl(url).ok) this.next.push(url);
    else this.invalidSkipped++;
  }

  /**
   * Reads the line starting at `start` as a fence marker, a comment or an item, carrying an
   * open fence or comment on to the next line (and the next stretch); returns where the next
   * line starts. It looks at bytes and never decodes the line.
   */
  private line(bytes: Buffer, start: number): number {
    const newline = indexOfByte(bytes, 10, start);
    const next = newline === -1 ? bytes.length : newline + 1;
    let end = newline === -1 ? bytes.length : newline;
    if (end > start && bytes[end - 1] === 13) end--;
    const endsComment = () => {
      const close = bytes.indexOf(COMMENT_END, start);
      return close !== -1 && close + 3 <= end;
    };
    if (this.inComment) {
      if (endsComment()) this.inComment = false;
      return next;
    }
    // A fence marker: up to three spaces, then three or more backticks or tildes.
    let at = start;
    while (at < end && at - start < 3 && bytes[at] === 32) at++;
    const char = bytes[at];
    let run = 0;
    if (char === 96 || char === 126) while (at + run < end && bytes[at + run] === char) run++;
    if (run >= 3) {
      if (this.fenceChar === 0) [this.fenceChar, this.fenceLength] = [char!, run];
      else if (char === this.fenceChar && run >= this.fenceLength) this.fenceChar = 0;
    } else if (this.fenceChar === 0) {
      if (bytes[start] === 60 && bytes[start + 1] === 33 && bytes[start + 2] === 45 && bytes[start + 3] === 45 && start + 3 < end) this.inComment = !endsComment();
      else if (bytes[start] === 45 && bytes[start + 1] === 32 && end > start + 2) this.item(bytes, start, end);
    }
    return next;
  }
}

/** The offset of the next text at or after `from` that may open a fence or a comment, or -1. */
function nextMarker(bytes: Buffer, from: number): number {
  let first = -1;
  for (const marker of MARKERS) {
    const at = bytes.indexOf(marker, from);
    if (at !== -1 && (first === -1 || at < first)) first = at;
  }
  return first;
}

const MARKERS = [Buffer.from('```'), Buffer.from('~~~'), Buffer.from('<!--')];

/** Whether the line starting at `start` is an item: `- ` with something after it. */
function isItem(bytes: Buffer, start: number, to: number): boolean {
  return bytes[start] === 45 && bytes[start + 1] === 32 && start + 2 < to && bytes[start + 2] !== 10 && bytes[start + 2] !== 13;
}

/** The end of the line starting at `start`, before any `\r\n` or `\n`. */
function lineEnd(bytes: Buffer, start: number): number {
  let end = indexOfByte(bytes, 10, start);
  if (end === -1) end = bytes.length;
  return end > start && bytes[end - 1] === 13 ? end - 1 : end;
}

/** The buffer queue files are read through; grown only for a line longer than it. */
let readBuffer: Buffer | undefined;
/** Bytes read at a time: large enough that the system calls do not count, small enough to stay in cache. */
const READ_BYTES = 64 * 1024;

/**
 * Counts the queue file open at `fd` (read from where it is to its end), a stretch of whole
 * lines at a time through one reused buffer; hashes the bytes too when `hash` is set.
 * `claims`: also count claims and find the next free URLs (the pending queue).
 */
export function countQueueFile(fd: number, options: { claims: boolean; hash: boolean; bufferBytes?: number }): QueueCount {
  const counter = new QueueCounter(options.claims);
  const hash: Hash | undefined = options.hash ? createHash('sha256') : undefined;
  let buffer = options.bufferBytes === undefined ? (readBuffer ??= Buffer.allocUnsafe(READ_BYTES)) : Buffer.allocUnsafe(options.bufferBytes);
  // Bytes at the start of the buffer that belong to a line not yet ended.
  let carried = 0;
  for (;;) {
    if (carried === buffer.length) {
      // A line longer than the buffer: a bigger one, with the line so far copied over.
      const bigger = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(bigger, 0, 0, carried);
      buffer = bigger;
    }
    const count = readSync(fd, buffer, carried, buffer.length - carried, null);
    if (count === 0) {
      if (carried > 0) counter.lines(buffer.subarray(0, carried));
      break;
    }
    hash?.update(buffer.subarray(carried, carried + count));
    const filled = carried + count;
    const lastNewline = buffer.lastIndexOf(10, filled - 1);
    if (lastNewline < carried) {
      carried = filled;
      continue;
    }
    counter.lines(buffer.subarray(0, lastNewline + 1));
    buffer.copy(buffer, 0, lastNewline + 1, filled);
    carried = filled - lastNewline - 1;
  }
  const { items, claimed, next, invalidSkipped } = counter;
  return { items, claimed, next, invalidSkipped, ...(hash ? { sha256: hash.digest('hex') } : {}) };
}

/** Counts a queue held in memory, as {@link countQueueFile} counts a file. */
export function countQueueBytes(bytes: Buffer, claims: boolean): QueueCount {
  const counter = new QueueCounter(claims);
  counter.lines(bytes);
  const { items, claimed, next, invalidSkipped } = counter;
  return { items, claimed, next, invalidSkipped };
}

/** The briefing's summary of the two queues' counts (undefined when a file is missing). */
export function queueSummary(todo: QueueCount | undefined, done: QueueCount | undefined): QueueSummary {
  return {
    todoExists: todo !== undefined,
    doneExists: done !== undefined,
    pending: todo?.items ?? 0,
    claimed: todo?.claimed ?? 0,
    done: done?.items ?? 0,
    next: todo?.next ?? [],
    invalidSkipped: todo?.invalidSkipped ?? 0,
  };
}
