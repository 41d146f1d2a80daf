/**
 * A cross-process, cross-worktree lock for the state files.
 *
 * The lock is a file created atomically with `link(2)`: its content (pid, host, token, time) is
 * written to a private temp file first and then linked to the lock name, which fails if the
 * name exists, so a lock file is never seen half-written. It lives in the git common dir
 * (`<common>/relay/<name>.lock`), which every worktree of a repository shares; outside git it
 * lives in `<root>/.relay/`. A holder that died (same host, pid gone) or that has held the lock
 * longer than `staleMs` is stale: a waiter breaks it under a second, short-lived "breaker" lock
 * and re-checks the token first, so two waiters never both break and both take it.
 */
import { closeSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isProcessAlive } from './atomic.js';
import { gitCommonDir } from './git.js';

/** Tuning for `withLock`. */
export interface LockOptions {
  /**
   * How long to wait for a live holder before giving up (default 10 min, or `RELAY_LOCK_TIMEOUT_MS`):
   * long enough for a fleet queued behind one lock, since a dead holder is found on the next poll anyway.
   */
  timeoutMs?: number;
  /** A holder older than this is stale even if its process may live (default 5 min). */
  staleMs?: number;
}

/** The outcome of running under the lock. */
export type LockResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** What a lock file holds. */
interface LockInfo {
  pid: number;
  host: string;
  token: string;
  acquiredAt: string;
}

/** Ten minutes: 100 claimers at once take ~15 s on two cores; 60 s failed the last of them under the old claim. */
const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_STALE_MS = 5 * 60_000;
/** A breaker is held for microseconds; one this old was left by a killed process. */
const BREAKER_STALE_MS = 10_000;
/** A lock file whose content cannot be read was not written by this code (links are atomic). */
const UNREADABLE_STALE_MS = 10_000;

/** The directory that holds the locks for `root`: the git common dir's `relay/`, else `<root>/.relay/`. */
export function lockDirectory(root: string): string {
  const common = gitCommonDir(root);
  return common === undefined ? join(root, '.relay') : join(common, 'relay');
}

/** Runs `fn` while holding the lock `name` for `root`; returns its value, or why the lock was not taken. */
export function withLock<T>(root: string, name: string, fn: () => T, options: LockOptions = {}): LockResult<T> {
  const dir = lockDirectory(root);
  const path = join(dir, `${name}.lock`);
  const envTimeout = Number(process.env.RELAY_LOCK_TIMEOUT_MS);
  const timeoutMs = options.timeoutMs ?? (Number.isFinite(envTimeout) && envTimeout > 0 ? envTimeout : DEFAULT_TIMEOUT_MS);
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  try {
    prepareDirectory(dir, root);
  } catch (error) {
    return { ok: false, error: `Cannot create the lock directory \`${dir}\` (${describe(error)})` };
  }
  const acquired = acquire(path, timeoutMs, staleMs);
  if (!acquired.ok) return acquired;
  try {
    removeOrphanLockTemps(dir, `${name}.lock`);
    return { ok: true, value: fn() };
  } finally {
    releaseIfOwned(path, acquired.value);
  }
}

function prepareDirectory(dir: string, root: string): void {
  mkdirSync(dir, { recursive: true });
  if (dir === join(root, '.relay')) {
    // Outside git there is nothing to ignore it yet, but the tree may become a repository later.
    try {
      writeFileSync(join(dir, '.gitignore'), '*\n', { flag: 'wx' });
    } catch {
      // Already there.
    }
  }
}

function acquire(path: string, timeoutMs: number, staleMs: number): LockResult<string> {
  const token = `${process.pid}.${randomBytes(6).toString('hex')}`;
  const info: LockInfo = { pid: process.pid, host: hostname(), token, acquiredAt: new Date().toISOString() };
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, JSON.stringify(info) + '\n', { flag: 'wx' });
  const deadline = Date.now() + timeoutMs;
  let delay = 1 + Math.random() * 4;
  try {
    for (;;) {
      if (tryCreate(temp, path)) return { ok: true, value: token };
      const holder = readHolder(path);
      if (holder === 'gone') continue;
      if (isStale(holder, staleMs)) {
        breakStale(path, holder);
        continue;
      }
      if (Date.now() > deadline) {
        const who = holder.info ? `pid ${holder.info.pid} on \`${holder.info.host}\` since ${holder.info.acquiredAt}` : 'an unknown holder';
        return {
          ok: false,
          error: `Timed out after ${timeoutMs} ms waiting for the lock \`${path}\` held by ${who}; if that process is gone, remove the lock file`,
        };
      }
      sleep(delay * (0.5 + Math.random()));
      // Many waiters poll; a longer cap keeps their wake-ups from starving the holder of CPU
      // (a 25 ms cap was measured no faster with 100 claimers on two cores).
      delay = Math.min(delay * 1.5, 100);
    }
  } finally {
    rmSync(temp, { force: true });
  }
}

/** Links the prepared temp file to the lock name; false if someone holds it. */
function tryCreate(temp: string, path: string): boolean {
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
      // A file system without hard links: fall back to an exclusive create.
      return createExclusive(readFileSync(temp), path);
    }
    throw error;
  }
}

function createExclusive(content: Buffer, path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

interface Holder {
  info?: LockInfo;
  /** Modification time of the lock file, ms. */
  mtimeMs: number;
}

function readHolder(path: string): Holder | 'gone' {
  let mtimeMs: number;
  let text: string;
  try {
    mtimeMs = statSync(path).mtimeMs;
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
  try {
    const data = JSON.parse(text) as Partial<LockInfo>;
    if (typeof data.pid === 'number' && typeof data.host === 'string' && typeof data.token === 'string') {
      return { info: data as LockInfo, mtimeMs };
    }
  } catch {
    // Not ours; judged by age below.
  }
  return { mtimeMs };
}

function isStale(holder: Holder, staleMs: number): boolean {
  const age = Date.now() - holder.mtimeMs;
  if (!holder.info) return age > UNREADABLE_STALE_MS;
  if (holder.info.host === hostname() && !isProcessAlive(holder.info.pid)) return true;
  return age > staleMs;
}

/** Removes a stale lock, but only the one judged stale: a fresh holder's lock is never removed. */
function breakStale(path: string, stale: Holder): void {
  const breaker = `${path}.break`;
  const token = `${process.pid}.${randomBytes(6).toString('hex')}`;
  const info: LockInfo = { pid: process.pid, host: hostname(), token, acquiredAt: new Date().toISOString() };
  const temp = `${breaker}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, JSON.stringify(info) + '\n', { flag: 'wx' });
  try {
    if (!tryCreate(temp, breaker)) {
      const other = readHolder(breaker);
      if (other !== 'gone' && isStale(other, BREAKER_STALE_MS)) rmSync(breaker, { force: true });
      else sleep(1 + Math.random() * 3);
      return;
    }
    try {
      const current = readHolder(path);
      if (current === 'gone') return;
      const same = stale.info && current.info ? stale.info.token === current.info.token : current.mtimeMs === stale.mtimeMs;
      if (same) rmSync(path, { force: true });
    } finally {
      releaseIfOwned(breaker, token);
    }
  } finally {
    rmSync(temp, { force: true });
  }
}

function releaseIfOwned(path: string, token: string): void {
  const holder = readHolder(path);
  // A lock broken as stale and taken by another process is theirs now; leave it.
  if (holder !== 'gone' && holder.info?.token === token) rmSync(path, { force: true });
}

/** Removes the temp files of lock takers that were killed before they cleaned up. */
function removeOrphanLockTemps(dir: string, lockName: string): void {
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(`${lockName}.`) || !name.endsWith('.tmp')) continue;
    const pidText = name.slice(lockName.length + 1).replace(/^break\./, '').split('.')[0];
    const pid = Number(pidText);
    // Pids name processes on this host only; the lock directory is local to one host.
    if (Number.isInteger(pid) && pid > 0 && !isProcessAlive(pid)) rmSync(join(dir, name), { force: true });
  }
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks this thread for `ms` milliseconds (the state operations are synchronous). */
function sleep(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, Math.max(1, Math.round(ms)));
}

function describe(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}
