/**
 * The queue files as the operations read them: their paths and headings, UTF-8 decoding that
 * refuses bytes it could not write back, the parsed pair, and `LockedQueues`, the files as a
 * writer reads them under the lock (searched in chunks, streamed, appended to in the kernel).
 */
import { isAscii } from 'node:buffer';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../protocol/config.js';
import { NotRegularFileError, readRegularFile } from '../protocol/regular-file.js';
import { indexOfByte } from '../protocol/byte-source.js';
import { parseQueue, type QueueFile, type QueueItem } from '../protocol/queue.js';
import { describeFault } from './fault.js';
import { prepareAppendAtomic, prepareFileAtomic, type PreparedFile } from './atomic.js';
import { BufferSource, FileSource, lineEndingOf, QueueScan, spliceLines, type ItemLine, type LineEdit } from './queue-scan.js';

/** The lock every queue write takes. */
export const QUEUE_LOCK = 'queue';
/** The heading `relay init` and `relay add` give a new urls_todo.md. */
export const TODO_HEADING = '# Pending URLs';
/** The heading `relay init` and `relay done` give a new urls_done.md. */
export const DONE_HEADING = '# Completed URLs';
/** The claim age past which a claim is stale, as the linter's `queue-stale-claim` rule defaults. */
export const DEFAULT_TTL_HOURS = 24;

/**
 * An operation that could not run at all (missing file, lock timeout, unreadable file).
 * `fault`: the machine's fault (permission denied, …), printed like the CLIs' other faults.
 */
export type OperationFailure = { ok: false; error: string; fault?: boolean };

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

/** A queue file's text, undefined when it does not exist, or why it could not be read. */
export type ReadResult = { ok: true; text: string | undefined } | OperationFailure;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The failure of a queue file that could not be opened or read. */
export function cannotRead(label: string, error: unknown): OperationFailure {
  // A FIFO would block the read forever and a device never ends it: refused at the open.
  if (error instanceof NotRegularFileError) return { ok: false, error: `Unexpected ${error.kind} at \`${label}\`, expected a regular file; replace it with the queue file` };
  return { ok: false, error: describeFault(error, label), fault: true };
}

/**
 * Decodes a queue file's bytes as UTF-8, refusing bytes it could not write back. `writing`:
 * the caller would rewrite the file (a reader such as `relay status` writes nothing, and says so).
 */
export function decodeQueue(bytes: Buffer | undefined, label: string, writing = true): ReadResult {
  if (bytes === undefined) return { ok: true, text: undefined };
  // ASCII (the common case) is UTF-8 already, and decodes fastest as Latin-1.
  if (isAscii(bytes)) return { ok: true, text: bytes.toString('latin1') };
  try {
    return { ok: true, text: UTF8.decode(bytes) };
  } catch {
    const fix = writing ? "fix the file's encoding before relay rewrites it" : "relay cannot read it until the file's encoding is fixed";
    return { ok: false, error: `Unexpected bytes in \`${label}\`, expected UTF-8 text; ${fix}` };
  }
}

/** Reads a queue file's bytes; undefined when it does not exist. */
function readQueueBytes(path: string, label: string): { ok: true; bytes: Buffer | undefined } | OperationFailure {
  try {
    return { ok: true, bytes: readRegularFile(path) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, bytes: undefined };
    return cannotRead(label, error);
  }
}

/** Reads a queue file as UTF-8; undefined when it does not exist. Refuses bytes it could not write back. */
export function readQueueText(path: string, label: string, writing = true): ReadResult {
  const read = readQueueBytes(path, label);
  return read.ok ? decodeQueue(read.bytes, label, writing) : read;
}

/** Splits an annotation into its trimmed, non-empty fields. */
export function annotationFields(item: QueueItem): string[] {
  if (item.annotation === undefined) return [];
  return item.annotation.split(/[;,]/).map((field) => field.trim()).filter((field) => field !== '');
}

/** The annotation field of a claim, which claim and release replace. */
export const CLAIM_FIELD = /^claimed by\b/i;

/**
 * The note the merge driver adds when two clones claimed one URL for different agents
 * (`also claimed by AGENT at TIME`): the claim it could not keep, visible until someone
 * decides (rule `queue-claim-conflict`). `relay release` and `relay done` remove it.
 */
export const ALSO_CLAIMED_FIELD = /^also claimed by\s+(\S+)(?:\s+at\s+(\S+))?$/i;

/** Whether a claim is older than the TTL; a claim with no readable time cannot be aged, so it counts as stale. */
export function isStaleClaim(item: QueueItem, now: Date, ttlHours: number): boolean {
  if (!item.claim) return false;
  const at = item.claim.at === undefined ? Number.NaN : Date.parse(item.claim.at);
  if (Number.isNaN(at)) return true;
  return now.getTime() - at > ttlHours * 3_600_000;
}

/** The raw texts of both queue files (undefined: the file does not exist). */
export interface QueueTexts {
  paths: QueuePaths;
  todoText: string | undefined;
  doneText: string | undefined;
}

/** Both queue files parsed, with the keys of the done ones. */
export interface Queues extends QueueTexts {
  todo: QueueFile;
  done: QueueFile;
  doneKeys: Set<string>;
}

/** Parses both queue texts. */
export function parseQueues(texts: QueueTexts): Queues {
  const todo = parseQueue(texts.todoText ?? '');
  const done = parseQueue(texts.doneText ?? '');
  return { ...texts, todo, done, doneKeys: new Set(done.items.map((item) => item.key)) };
}

/** Both files read without the lock, todo first (for `relay status`). */
export function loadQueues(root: string, config: Config): { ok: true; queues: Queues } | OperationFailure {
  const paths = queuePaths(root, config);
  // Reading todo before done sees every URL in at least one file even without the lock,
  // because writers write done before todo.
  const todo = readQueueText(paths.todo, config.layout.todo, false);
  if (!todo.ok) return todo;
  const done = readQueueText(paths.done, config.layout.done, false);
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
export class LockedQueues {
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
    this.prepareTodo(edits, append).commit();
  }

  /** Writes the new urls_todo.md beside it without replacing it yet (see `writeTodo`). */
  prepareTodo(edits: LineEdit[], append: string[] = []): PreparedFile {
    const source = this.todoSource ?? new BufferSource(Buffer.from(`${TODO_HEADING}\n\n`));
    return prepareFileAtomic(this.paths.todo, (put) => spliceLines(source, edits, append, put));
  }

  /** Writes urls_done.md with item lines appended (creating it with its heading) beside it, copying the file in the kernel. */
  prepareDone(lines: string[]): PreparedFile {
    const done = this.doneSource;
    if (!done) return prepareFileAtomic(this.paths.done, `${DONE_HEADING}\n\n` + lines.map((line) => `${line}\n`).join(''));
    let eol = '\n';
    done.forEachChunk((chunk: Buffer) => {
      eol = lineEndingOf(chunk);
      return false;
    });
    const lastByte = done.size === 0 ? undefined : done.byteAt(done.size - 1);
    const tail = lines.map((line) => line + eol).join('');
    return prepareAppendAtomic(this.paths.done, lastByte !== undefined && lastByte !== 10 ? eol + tail : tail);
  }
}

/** The item lines of a parsed queue with their byte offsets in `bytes`, the file it was decoded from. */
export function locate(bytes: Buffer, items: QueueItem[]): ItemLine[] {
  const starts = [0];
  for (let newline = indexOfByte(bytes, 10); newline !== -1; newline = indexOfByte(bytes, 10, newline + 1)) starts.push(newline + 1);
  return items.map((item): ItemLine => {
    const start = starts[item.line - 1]!;
    const newline = indexOfByte(bytes, 10, start);
    let end = newline === -1 ? bytes.length : newline;
    if (end > start && bytes[end - 1] === 13) end--;
    return { item, start, end };
  });
}

/** Whether a queue file exists for a root. */
export function queueFileExists(root: string, config: Config, which: 'todo' | 'done'): boolean {
  return existsSync(queuePaths(root, config)[which]);
}
