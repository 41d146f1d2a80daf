/**
 * A cross-process, cross-worktree lock for the state files.
 *
 * The lock is a file created atomically with `link(2)`: its content (pid, host, PID namespace,
 * boot id, token, time, command) is written to a private temp file first and then linked to the
 * lock name, which fails if the name exists, so a lock file is never seen half-written. It lives
 * in the git common dir (`<common>/relay/<name>.lock`), which every worktree of a repository
 * shares; outside git it lives in `<root>/.relay/`. A waiter judges the holder's liveness by its
 * pid only when the pid means the same process here (same host, boot and PID namespace), else
 * by age alone; a stale holder is broken under a second, short-lived "breaker" lock that
 * re-checks the token first, so two waiters never both break and both take it. A holder checks
 * it still holds the lock just before each file it replaces (see `held-locks.ts`).
 */
import { ensureFolderInsideRoot } from '../protocol/inside-root.js';
import { closeSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { hostname, uptime } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { debug, reason } from '../debug.js';
import { isProcessAlive } from './atomic.js';
import { gitCommonDir } from './git.js';
import { LostLockError, noteLockHeld, noteLockReleased } from './held-locks.js';

/** Tuning for `withLock`. */
export interface LockOptions {
  /**
   * How long to wait for a live holder before giving up (default 10 min, or `RELAY_LOCK_TIMEOUT_MS`):
   * long enough for a fleet queued behind one lock, since a dead holder is found on the next poll anyway.
   */
  timeoutMs?: number;
  /** A holder older than this is stale even if its process may live (default 5 min, or `RELAY_LOCK_STALE_MS`). */
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
  /** The PID namespace `pid` belongs to (`pid:[4026531836]`); `none` where the system has none. */
  pidNamespace?: string;
  /** The kernel boot `pid` belongs to (Linux's `boot_id`). */
  bootId?: string;
  /** The command that took the lock, for the notice a long wait prints. */
  command?: string;
}

/** Ten minutes: 100 claimers at once take ~15 s on two cores; 60 s failed the last of them under the old claim. */
const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_STALE_MS = 5 * 60_000;
/** A breaker is held for microseconds; one this old was left by a killed process. */
const BREAKER_STALE_MS = 10_000;
/** A lock file whose content cannot be read was not written by this code (links are atomic). */
const UNREADABLE_STALE_MS = 10_000;
/** Waiting this long on one holder is worth a line on stderr: a busy fleet's holders change within milliseconds (one held 5 s only on 2 cores at load 90). */
const NOTICE_AFTER_MS = 5_000;

/** The directory that holds the locks for `root`: the git common dir's `relay/`, else `<root>/.relay/`. */
export function lockDirectory(root: string): string {
  const common = gitCommonDir(root);
  return common === undefined ? join(root, '.relay') : join(common, 'relay');
}

/**
 * Runs `fn` while holding the lock `name` for `root`; returns its value, or why the lock was not
 * taken or was lost before a write.
 */
export function withLock<T>(root: string, name: string, fn: () => T, options: LockOptions = {}): LockResult<T> {
  const dir = lockDirectory(root);
  const path = join(dir, `${name}.lock`);
  const timeoutMs = options.timeoutMs ?? positiveEnv('RELAY_LOCK_TIMEOUT_MS') ?? DEFAULT_TIMEOUT_MS;
  const staleMs = options.staleMs ?? positiveEnv('RELAY_LOCK_STALE_MS') ?? DEFAULT_STALE_MS;
  if (dir === join(root, '.relay')) {
    // Outside git the lock folder is part of the tree: a planted `.relay -> /elsewhere` must not take the lock files there.
    const inside = ensureFolderInsideRoot(root, '.relay');
    if (!inside.ok) return { ok: false, error: inside.error };
  }
  // A directory that cannot be made (permission denied, a read-only or full disk) is a fault
  // of the machine: it propagates with its path, and the CLIs say so in one line.
  prepareDirectory(dir, root);
  const acquired = acquire(path, timeoutMs, staleMs);
  if (!acquired.ok) return acquired;
  noteLockHeld(path, acquired.value);
  try {
    removeOrphanLockTemps(dir, `${name}.lock`);
    return { ok: true, value: fn() };
  } catch (error) {
    // Expected, if rare: the writer refused to write for a holder that lost the lock.
    if (error instanceof LostLockError) return { ok: false, error: error.message };
    throw error;
  } finally {
    noteLockReleased(path);
    releaseIfOwned(path, acquired.value);
  }
}

function positiveEnv(name: string): number | undefined {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : undefined;
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

/** Where this process's pids mean something: the host, the kernel boot and the PID namespace. */
interface Identity {
  host: string;
  pidNamespace?: string;
  bootId?: string;
}

let identity: Identity | undefined;

function ownIdentity(): Identity {
  if (identity) return identity;
  identity = { host: hostname() };
  if (process.platform !== 'linux') {
    // No PID namespaces: a pid names one process per host (and a reboot ends every holder's lock age-wise).
    identity.pidNamespace = 'none';
    return identity;
  }
  try {
    identity.pidNamespace = readlinkSync('/proc/self/ns/pid');
  } catch (error) {
    debug('lock', `cannot read \`/proc/self/ns/pid\` (${reason(error)}): holders' pids cannot be judged, only their age`);
  }
  try {
    identity.bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch (error) {
    debug('lock', `cannot read the boot id (${reason(error)}): a holder from before a reboot is judged by its pid or age`);
  }
  return identity;
}

function lockInfo(token: string): LockInfo {
  const own = ownIdentity();
  const script = process.argv[1] === undefined ? 'node' : basename(process.argv[1]).replace(/\.[cm]?js$/, '');
  return {
    pid: process.pid,
    host: own.host,
    token,
    acquiredAt: new Date().toISOString(),
    ...(own.pidNamespace === undefined ? {} : { pidNamespace: own.pidNamespace }),
    ...(own.bootId === undefined ? {} : { bootId: own.bootId }),
    command: [script, ...process.argv.slice(2)].join(' ').slice(0, 200),
  };
}

function acquire(path: string, timeoutMs: number, staleMs: number): LockResult<string> {
  const token = `${process.pid}.${randomBytes(6).toString('hex')}`;
  const content = JSON.stringify(lockInfo(token)) + '\n';
  const temp = writeLockTemp(path, content);
  const started = Date.now();
  const deadline = started + timeoutMs;
  const seen = new Sightings();
  let noticed = false;
  const explained = new Set<string>();
  let delay = 1 + Math.random() * 4;
  try {
    for (;;) {
      if (tryCreate(temp, path, content)) return { ok: true, value: token };
      const holder = readHolder(path);
      if (holder === 'gone') continue;
      const verdict = judge(holder, staleMs, seen);
      if (verdict.stale) {
        debug('lock', `\`${path}\` is stale: ${verdict.why}; breaking it`);
        breakStale(path, holder, seen);
        continue;
      }
      const key = holderKey(holder);
      if (!explained.has(key)) {
        explained.add(key);
        debug('lock', () => `waiting for \`${path}\`: ${verdict.why}`);
      }
      if (!noticed && holder.info && seen.heldFor(holder) >= NOTICE_AFTER_MS) {
        // Once: a wait that long is a stuck or slow holder the user may want to look at.
        noticed = true;
        notice(`relay: waiting for the lock \`${path}\` held by ${describeHolder(holder.info)}; ${verdict.why}\n`);
      }
      if (Date.now() > deadline) {
        const who = holder.info ? describeHolder(holder.info) : 'an unknown holder';
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

/** Writes a lock's content to a fresh temp file beside `path`; a write that fails (a full disk) removes the file it created. */
function writeLockTemp(path: string, content: string): string {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, content, { flag: 'wx' });
  } catch (error) {
    rmSync(temp, { force: true });
    // The fault is the lock folder's (not writable, full); name it rather than a temp file.
    const { code, message } = error as NodeJS.ErrnoException;
    throw Object.assign(new Error(message), { code, path: dirname(path) });
  }
  return temp;
}

function describeHolder(info: LockInfo): string {
  // The lock file is only ours to trust so far: keep its text to one printable line.
  const clean = (text: string): string => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  const command = typeof info.command === 'string' ? ` (\`${clean(info.command)}\`)` : '';
  return `pid ${info.pid} on \`${clean(String(info.host))}\`${command} since ${clean(String(info.acquiredAt))}`;
}

function notice(text: string): void {
  try {
    writeSync(2, text);
  } catch {
    // stderr closed: the notice is not worth failing the write for.
  }
}

/** Links the prepared temp file to the lock name; false if someone holds it. */
function tryCreate(temp: string, path: string, content: string): boolean {
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'ENOENT') {
      // A holder in another PID namespace cannot tell our pid is alive and removed our temp file as a dead taker's.
      debug('lock', `the temp file \`${temp}\` was removed by another process; writing it again`);
      writeFileSync(temp, content);
      return tryCreate(temp, path, content);
    }
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
      // A file system without hard links: fall back to an exclusive create.
      debug('lock', `cannot hard-link \`${temp}\` (${code}): creating \`${path}\` exclusively instead`);
      return createExclusive(Buffer.from(content), path);
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

/** Names one holder: its token, or for a lock file relay did not write, its time. */
function holderKey(holder: Holder): string {
  return holder.info?.token ?? `mtime ${holder.mtimeMs}`;
}

/** When this waiter first saw each holder: the age of a lock whose time is in the future counts from then. */
class Sightings {
  private readonly first = new Map<string, number>();

  /** How long ago this holder took the lock, by its file's time, or by when it was first seen if that time is ahead of ours. */
  age(holder: Holder): number {
    const now = Date.now();
    if (holder.mtimeMs <= now) return now - holder.mtimeMs;
    const known = this.first.has(this.key(holder));
    if (!known) debug('lock', `the lock's time is ${Math.round(holder.mtimeMs - now)} ms in the future: its age counts from now`);
    return this.heldFor(holder);
  }

  /** How long this waiter has seen this same holder. */
  heldFor(holder: Holder): number {
    const key = this.key(holder);
    const now = Date.now();
    const first = this.first.get(key);
    if (first === undefined) {
      this.first.set(key, now);
      return 0;
    }
    return now - first;
  }

  private key(holder: Holder): string {
    return holderKey(holder);
  }
}

interface Verdict {
  stale: boolean;
  /** Why, for `RELAY_DEBUG=lock` and the long-wait notice. */
  why: string;
}

/**
 * Whether a holder is stale. A pid is evidence only where it names the same process as here:
 * same host, same boot, same PID namespace (containers with host networking share a host name,
 * and a pid in one namespace names some other process, or none, in another). Anything else is
 * judged by age alone.
 */
function judge(holder: Holder, staleMs: number, seen: Sightings): Verdict {
  const age = Math.round(seen.age(holder));
  const byAge = (because: string, limit = staleMs): Verdict => ({ stale: age > limit, why: `${because}: judged by age, stale after ${limit} ms (it is ${age} ms old)` });
  const info = holder.info;
  if (!info) return byAge('its content is not a lock relay wrote', UNREADABLE_STALE_MS);
  const own = ownIdentity();
  if (info.host !== own.host) return byAge(`it was taken on another host, \`${info.host}\``);
  if (typeof info.bootId === 'string' && own.bootId !== undefined && info.bootId !== own.bootId) {
    const bootedAt = Date.now() - uptime() * 1000;
    if (holder.mtimeMs < bootedAt) return { stale: true, why: `it was taken before this machine last booted (boot id \`${info.bootId}\`, now \`${own.bootId}\`): its process is gone` };
    return byAge(`its boot id \`${info.bootId}\` is not this machine's \`${own.bootId}\` though it is newer than this boot (another machine with the same host name?)`);
  }
  if (typeof info.pidNamespace !== 'string') return byAge(`pid ${info.pid}'s PID namespace was not recorded, so the pid cannot be judged here`);
  if (own.pidNamespace === undefined) return byAge(`this process's PID namespace is unknown, so pid ${info.pid} cannot be judged here`);
  if (info.pidNamespace !== own.pidNamespace) {
    return byAge(`pid ${info.pid} is in PID namespace \`${info.pidNamespace}\`, this process in \`${own.pidNamespace}\`, so the pid cannot be judged here`);
  }
  if (!isProcessAlive(info.pid)) return { stale: true, why: `pid ${info.pid} is gone from this PID namespace (\`${own.pidNamespace}\`)` };
  return byAge(`pid ${info.pid} is alive`);
}

/** Removes a stale lock, but only the one judged stale: a fresh holder's lock is never removed. */
function breakStale(path: string, stale: Holder, seen: Sightings): void {
  const breaker = `${path}.break`;
  const token = `${process.pid}.${randomBytes(6).toString('hex')}`;
  const content = JSON.stringify(lockInfo(token)) + '\n';
  const temp = writeLockTemp(breaker, content);
  try {
    if (!tryCreate(temp, breaker, content)) {
      const other = readHolder(breaker);
      if (other !== 'gone' && judge(other, BREAKER_STALE_MS, seen).stale) {
        debug('lock', `the breaker lock \`${breaker}\` is stale: removing it`);
        rmSync(breaker, { force: true });
      } else sleep(1 + Math.random() * 3);
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
  else debug('lock', `not releasing \`${path}\`: it no longer carries this process's token`);
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
