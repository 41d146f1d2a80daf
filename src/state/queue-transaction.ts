/**
 * The one shape of every queue write: parse the URL arguments (invalid ones and repeats are
 * rejected before the lock is taken) → take the queue lock → open both files under it →
 * remove temp files of dead writers → look the URLs up → run the operation's body. The body
 * decides and writes; everything before it is here, once.
 */
import type { Config } from '../protocol/config.js';
import type { QueueItem } from '../protocol/queue.js';
import { normalizeUrl } from '../protocol/url.js';
import { removeOrphanTempFiles } from './atomic.js';
import { withLock, type LockOptions } from './lock.js';
import { LockedQueues, QUEUE_LOCK, type OperationFailure, type Rejection } from './queue-files.js';

/** Options of a queue transaction. */
export interface TransactionOptions {
  /** Refuse to run when urls_todo.md does not exist (claim has nothing to take from). */
  requireTodo?: boolean;
  lock?: LockOptions | undefined;
}

/** Runs `body` under the queue lock with both files opened under it and dead writers' temp files removed. */
export function queueTransaction<T>(root: string, config: Config, options: TransactionOptions, body: (files: LockedQueues) => T | OperationFailure): T | OperationFailure {
  const locked = withLock(
    root,
    QUEUE_LOCK,
    (): T | OperationFailure => {
      const opened = LockedQueues.open(root, config);
      if (!opened.ok) return opened;
      const files = opened.files;
      if (options.requireTodo && !files.todoExists) {
        return { ok: false, error: `Unexpected missing \`${config.layout.todo}\`, expected the pending queue; run \`relay init\`` };
      }
      removeOrphanTempFiles(files.paths.todo);
      removeOrphanTempFiles(files.paths.done);
      return body(files);
    },
    options.lock,
  );
  return locked.ok ? locked.value : locked;
}

/** A URL argument that parsed, with its normalised keys. */
export interface WantedUrl {
  url: string;
  key: string;
  slashKey: string;
}

/** What the body of a URL transaction is given. */
export interface UrlTransaction {
  files: LockedQueues;
  /** The URLs to act on: valid, distinct, in argument order. */
  wanted: WantedUrl[];
  /** URLs refused so far; the body adds its own. */
  rejected: Rejection[];
  lookup: Lookup;
}

/** Options of a URL transaction. */
export interface UrlTransactionOptions {
  urls: string[];
  lock?: LockOptions;
}

/** A queue transaction over URL arguments: parsed before the lock, looked up under it. */
export function urlTransaction<T>(root: string, config: Config, options: UrlTransactionOptions, body: (transaction: UrlTransaction) => T | OperationFailure): T | OperationFailure {
  const { wanted, rejected } = parseArguments(options.urls);
  return queueTransaction(root, config, { lock: options.lock }, (files) => {
    return body({ files, wanted, rejected, lookup: lookupOf(files, wanted) });
  });
}

/** The lines of the given URLs in the queues read under the lock. */
export interface Lookup {
  ok: true;
  /** The items of urls_todo.md with this key, in file order. */
  pending(key: string): QueueItem[];
  /** Whether urls_done.md lists this key. */
  isDone(key: string): boolean;
  /** A pending or done URL that differs from this one only by a trailing slash (likely the same page). */
  slashTwin(key: string, slashKey: string): { file: 'todo' | 'done'; url: string } | undefined;
}

/** Reads the lines of every wanted URL (and their trailing-slash twins) in both files: one walk of each. */
function lookupOf(files: LockedQueues, wanted: WantedUrl[]): Lookup {
  const todo = files.itemsOf('todo', wanted, true);
  const done = files.itemsOf('done', wanted, true);
  const doneKeys = new Set(done.map((item) => item.key));
  return {
    ok: true,
    pending: (key) => todo.filter((item) => item.key === key),
    isDone: (key) => doneKeys.has(key),
    slashTwin: (key, slashKey) => {
      for (const [file, items] of [['todo', todo], ['done', done]] as const) {
        const twin = items.find((item) => item.slashKey === slashKey && item.key !== key);
        if (twin) return { file, url: twin.url };
      }
      return undefined;
    },
  };
}

/** Normalises command-line URLs: invalid ones and repeats are rejected before the lock is taken. */
function parseArguments(urls: string[]): { wanted: WantedUrl[]; rejected: Rejection[] } {
  const wanted: WantedUrl[] = [];
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
