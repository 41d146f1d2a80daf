/**
 * Atomic file replacement: write a temp file beside the target, flush it, rename it over the
 * target. A crash (even SIGKILL) leaves the old file or the new one, never half of one. The
 * temp file name carries the pid and a per-process counter, so concurrent writers never share
 * one, and a later writer can tell a dead writer's leftover from a live one's. Just before the
 * rename (or link) a writer that holds a lock checks it still does, so a holder whose lock was
 * broken while it was paused writes nothing.
 */
import { closeSync, constants, copyFileSync, fsyncSync, linkSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { assertLocksHeld } from './held-locks.js';

let counter = 0;

/**
 * File content: text (written as UTF-8), bytes, parts of bytes written one after another, or a
 * function that writes the content through `put` (so a large file can be streamed).
 */
export type FileData = string | Uint8Array | readonly Uint8Array[] | ((put: (bytes: Uint8Array) => void) => void);

/**
 * Replaces `path` with `data` atomically, keeping the old file's mode. Like every write here,
 * it first checks that the locks this process holds are still its own (`LostLockError` if not).
 */
export function writeFileAtomic(path: string, data: FileData): void {
  let mode = 0o644;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    // A new file gets the default mode.
  }
  const temp = writeTemp(path, data, mode);
  try {
    // As late as possible: a holder paused before this point finds its lock broken here.
    assertLocksHeld(path);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  syncDirectory(dirname(path));
}

/**
 * Creates `path` with `data` only if nothing is there, atomically (temp file, then `link`):
 * returns false and leaves the existing file alone when one exists.
 */
export function createFileAtomic(path: string, data: FileData): boolean {
  const temp = writeTemp(path, data, 0o644);
  try {
    assertLocksHeld(path);
    linkSync(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(temp, { force: true });
  }
  syncDirectory(dirname(path));
  return true;
}

/**
 * Appends `tail` to `path` atomically: the file is copied beside itself by the kernel (never
 * read into memory), `tail` appended to the copy, and the copy renamed over it. A crash leaves
 * the old file or the new one.
 */
export function appendFileAtomic(path: string, tail: string | Uint8Array): void {
  const temp = tempName(path);
  try {
    copyFileSync(path, temp, constants.COPYFILE_EXCL);
    const fd = openSync(temp, 'a');
    try {
      writeAll(fd, typeof tail === 'string' ? Buffer.from(tail, 'utf8') : tail);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    assertLocksHeld(path);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  syncDirectory(dirname(path));
}

function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${(counter++).toString(36)}${randomBytes(3).toString('hex')}.tmp`);
}

function writeAll(fd: number, buffer: Uint8Array): void {
  let offset = 0;
  while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset);
}

/** Writes and flushes a temp file beside `path`; returns its name. */
function writeTemp(path: string, data: FileData, mode: number): string {
  const temp = tempName(path);
  const fd = openSync(temp, 'wx', mode);
  try {
    if (typeof data === 'string') writeAll(fd, Buffer.from(data, 'utf8'));
    else if (data instanceof Uint8Array) writeAll(fd, data);
    else if (typeof data === 'function') data((bytes) => writeAll(fd, bytes));
    else for (const part of data) writeAll(fd, part);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  return temp;
}

/** Flushes a directory entry after a rename so the replacement survives a power cut; best effort. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms and file systems cannot fsync a directory; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Removes temp files that `writeFileAtomic` left beside `path` when its writer was killed.
 * Only files whose pid is no longer alive on this host are removed; call it under the lock.
 */
export function removeOrphanTempFiles(path: string): void {
  const dir = dirname(path);
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(name.slice(prefix.length).split('.')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || isProcessAlive(pid)) continue;
    rmSync(join(dir, name), { force: true });
  }
}

/** Whether a process with this pid exists on this host (EPERM means it exists but is not ours). */
export function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
