/**
 * The queue files as the operations read them: their paths and headings, UTF-8 decoding that
 * refuses bytes it could not write back, the parsed pair, and `LockedQueues`, the files as a
 * writer reads them under the lock. Every reading goes through the one queue reader
 * (src/protocol/queue.ts).
 */
import { isAscii } from 'node:buffer';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../protocol/config.js';
import { NotRegularFileError, readRegularFile } from '../protocol/regular-file.js';
import { itemsOf, lineEndingOf, parseQueue, rewriteQueue, type LineEdit, type QueueFile, type QueueItem } from '../protocol/queue.js';
import { describeFault } from './fault.js';
import { prepareAppendAtomic, prepareFileAtomic, type PreparedFile } from './atomic.js';

export { ALSO_CLAIMED_FIELD, annotationFields, CLAIM_FIELD, isStaleClaim } from '../protocol/queue.js';

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

/** Both files read without the lock, todo first (for `relay status`, the briefing, the dashboard). */
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

/**
 * The queue files as a writer reads them under the lock: both texts, read once, parsed whole
 * only when an operation needs every item, else only the lines of the URLs it looks up.
 */
export class LockedQueues {
  private decoded?: { ok: true; queues: Queues };

  private constructor(
    readonly paths: QueuePaths,
    /** urls_todo.md's text; undefined when it does not exist. */
    readonly todoText: string | undefined,
    /** urls_done.md's text; undefined when it does not exist. */
    readonly doneText: string | undefined,
  ) {}

  static open(root: string, config: Config): { ok: true; files: LockedQueues } | OperationFailure {
    const paths = queuePaths(root, config);
    const todo = readQueueText(paths.todo, config.layout.todo);
    if (!todo.ok) return todo;
    const done = readQueueText(paths.done, config.layout.done);
    if (!done.ok) return done;
    return { ok: true, files: new LockedQueues(paths, todo.text, done.text) };
  }

  get todoExists(): boolean {
    return this.todoText !== undefined;
  }

  /** Both files parsed whole. */
  parsed(): { ok: true; queues: Queues } {
    this.decoded ??= { ok: true, queues: parseQueues({ paths: this.paths, todoText: this.todoText, doneText: this.doneText }) };
    return this.decoded;
  }

  /** The items of one file whose URL is one of `urls` (or a trailing-slash twin of one, with `slashTwins`), in file order. */
  itemsOf(which: 'todo' | 'done', urls: { key: string; slashKey: string }[], slashTwins = false): QueueItem[] {
    const text = which === 'todo' ? this.todoText : this.doneText;
    if (text === undefined) return [];
    if (this.decoded) return (which === 'todo' ? this.decoded.queues.todo : this.decoded.queues.done).items.filter((item) => urls.some((url) => (slashTwins ? url.slashKey === item.slashKey : url.key === item.key)));
    return itemsOf(text, urls, slashTwins);
  }

  /** Rewrites urls_todo.md with line edits and appended lines; a missing file starts with its heading. */
  writeTodo(edits: LineEdit[], append: string[] = []): void {
    this.prepareTodo(edits, append).commit();
  }

  /** Writes the new urls_todo.md beside it without replacing it yet (see `writeTodo`). */
  prepareTodo(edits: LineEdit[], append: string[] = []): PreparedFile {
    return prepareFileAtomic(this.paths.todo, rewriteQueue(this.todoText ?? `${TODO_HEADING}\n\n`, edits, append));
  }

  /** Writes urls_done.md with item lines appended (creating it with its heading) beside it, copying the file in the kernel. */
  prepareDone(lines: string[]): PreparedFile {
    const text = this.doneText;
    if (text === undefined) return prepareFileAtomic(this.paths.done, `${DONE_HEADING}\n\n` + lines.map((line) => `${line}\n`).join(''));
    const eol = lineEndingOf(text);
    const tail = lines.map((line) => line + eol).join('');
    return prepareAppendAtomic(this.paths.done, text !== '' && !text.endsWith('\n') ? eol + tail : tail);
  }
}

/** Whether a queue file exists for a root. */
export function queueFileExists(root: string, config: Config, which: 'todo' | 'done'): boolean {
  return existsSync(queuePaths(root, config)[which]);
}
