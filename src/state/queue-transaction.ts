/**
 * The one shape of every queue write: parse the URL arguments (invalid ones and repeats are
 * rejected before the lock is taken) → take the queue lock → open both files under it →
 * remove temp files of dead writers → look the URLs up → run the operation's body. The body
 * decides and writes; everything before it is here, once.
 */
import type { Config } from '../protocol/config.js';
import { searchToken } from '../protocol/queue-search.js';
import { normalizeUrl } from '../protocol/url.js';
import { removeOrphanTempFiles } from './atomic.js';
import { withLock, type LockOptions } from './lock.js';
import { locate, LockedQueues, QUEUE_LOCK, type OperationFailure, type Rejection } from './queue-files.js';
import type { ItemLine, QueueScan } from './queue-scan.js';

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
      try {
        if (options.requireTodo && !files.todoExists) {
          return { ok: false, error: `Unexpected missing \`${config.layout.todo}\`, expected the pending queue; run \`relay init\`` };
        }
        removeOrphanTempFiles(files.paths.todo);
        removeOrphanTempFiles(files.paths.done);
        return body(files);
      } finally {
        files.close();
      }
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
  /** Look up by the full parse even when a search could answer (`release --all` lists every claim). */
  fullLookup?: boolean;
  lock?: LockOptions;
}

/** A queue transaction over URL arguments: parsed before the lock, looked up under it. */
export function urlTransaction<T>(root: string, config: Config, options: UrlTransactionOptions, body: (transaction: UrlTransaction) => T | OperationFailure): T | OperationFailure {
  const { wanted, rejected } = parseArguments(options.urls);
  return queueTransaction(root, config, { lock: options.lock }, (files) => {
    const lookup = lookupOf(files, wanted, options.fullLookup === true);
    if (!lookup.ok) return lookup;
    return body({ files, wanted, rejected, lookup });
  });
}

/** Above this many URLs an operation parses the queues once instead of searching them per URL. */
const FAST_LOOKUP_MAX = 256;

/** Finds the lines of given URLs in the queues read under the lock. */
export interface Lookup {
  ok: true;
  /** The item lines of urls_todo.md with this key, in file order. */
  pending(key: string, slashKey: string): ItemLine[];
  /** Whether urls_done.md lists this key. */
  isDone(key: string, slashKey: string): boolean;
  /** Every item line of urls_todo.md (full parse only). */
  all(): ItemLine[];
  /** A pending or done URL that differs from this one only by a trailing slash (likely the same page). */
  slashTwin(key: string, slashKey: string): { file: 'todo' | 'done'; url: string } | undefined;
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
    const twinIn = (scan: QueueScan, key: string, slashKey: string): string | undefined => scan.linesOf(key, slashKey, true)?.find(({ item }) => item.key !== key)?.item.url;
    return {
      ok: true,
      pending: (key, slashKey) => scans.todo.linesOf(key, slashKey) ?? [],
      isDone: (key, slashKey) => (scans.done.linesOf(key, slashKey) ?? []).length > 0,
      all: notAll,
      slashTwin: (key, slashKey) => {
        const todo = twinIn(scans.todo, key, slashKey);
        if (todo !== undefined) return { file: 'todo', url: todo };
        const done = twinIn(scans.done, key, slashKey);
        return done === undefined ? undefined : { file: 'done', url: done };
      },
    };
  }
  const parsed = files.parsed();
  if (!parsed.ok) return parsed;
  const { todo, done, doneKeys } = parsed.queues;
  const located = locate(files.todoBytes, todo.items);
  // The first item of each URL with its trailing slash dropped, pending before done.
  const bySlash = new Map<string, { file: 'todo' | 'done'; url: string; key: string }[]>();
  for (const [file, items] of [['todo', todo.items], ['done', done.items]] as const) {
    for (const item of items) {
      const list = bySlash.get(item.slashKey);
      if (list) list.push({ file, url: item.url, key: item.key });
      else bySlash.set(item.slashKey, [{ file, url: item.url, key: item.key }]);
    }
  }
  const byKey = new Map<string, ItemLine[]>();
  for (const line of located) {
    const list = byKey.get(line.item.key);
    if (list) list.push(line);
    else byKey.set(line.item.key, [line]);
  }
  return {
    ok: true,
    pending: (key) => byKey.get(key) ?? [],
    isDone: (key) => doneKeys.has(key),
    all: () => located,
    slashTwin: (key, slashKey) => {
      const twin = bySlash.get(slashKey)?.find((each) => each.key !== key);
      return twin && { file: twin.file, url: twin.url };
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
