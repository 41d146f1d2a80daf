/**
 * Atomic file replacement: write a temp file beside the target, flush it, rename it over the
 * target. A crash (even SIGKILL) leaves the old file or the new one, never half of one. The
 * temp file name carries the pid and a per-process counter, so concurrent writers never share
 * one, and a later writer can tell a dead writer's leftover from a live one's. Just before the
 * rename (or link) a writer that holds a lock checks it still does, so a holder whose lock was
 * broken while it was paused writes nothing.
 */
import { accessSync, closeSync, fchmodSync, constants, copyFileSync, fsyncSync, linkSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
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
 * A file that may not be changed: its mode gives the owner no write permission, or this
 * (unprivileged) user may not write it. A rename would replace it regardless, so writers
 * refuse it instead.
 */
export class ReadOnlyFileError extends Error {
  readonly code = 'EREADONLY';
  constructor(
    readonly path: string,
    readonly mode: number,
  ) {
    super(`\`${path}\` is read-only (mode ${mode.toString(8).padStart(4, '0')})`);
  }
}

/**
 * The mode of the file at `path` (undefined when there is none), after checking it may be
 * written: the owner's write bit, and for an unprivileged user `access(W_OK)`.
 */
export function writableMode(path: string): number | undefined {
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  // Root may write anything, so for root the owner's write bit is what says "leave this alone".
  if ((mode & 0o200) === 0) throw new ReadOnlyFileError(path, mode);
  if (process.getuid?.() !== 0) {
    try {
      accessSync(path, constants.W_OK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EACCES' || (error as NodeJS.ErrnoException).code === 'EPERM') throw new ReadOnlyFileError(path, mode);
      throw error;
    }
  }
  return mode;
}

/**
 * A replacement written in full beside its target but not yet renamed over it: every byte of
 * it is on the disk, so committing it needs no space (a full disk fails while preparing, when
 * nothing has changed yet).
 */
export interface PreparedFile {
  readonly path: string;
  /** Renames the replacement over the target (after checking the locks this process holds). */
  commit(): void;
  /** Removes the replacement; the target stays as it was. */
  abort(): void;
}

/** Writes the replacement of `path` beside it, keeping the old file's mode; refuses a read-only target. */
export function prepareFileAtomic(path: string, data: FileData): PreparedFile {
  return prepared(path, writeTemp(path, data, writableMode(path)));
}

/**
 * Prepares `path` with `tail` appended: the file is copied beside itself by the kernel (never
 * read into memory) and `tail` appended to the copy.
 */
export function prepareAppendAtomic(path: string, tail: string | Uint8Array): PreparedFile {
  writableMode(path);
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
  } catch (error) {
    rmSync(temp, { force: true });
    throw forTarget(error, temp, path);
  }
  return prepared(path, temp);
}

function prepared(path: string, temp: string): PreparedFile {
  return {
    path,
    commit() {
      try {
        // As late as possible: a holder paused before this point finds its lock broken here.
        assertLocksHeld(path);
        renameSync(temp, path);
      } catch (error) {
        rmSync(temp, { force: true });
        throw error;
      }
      syncDirectory(dirname(path));
    },
    abort() {
      rmSync(temp, { force: true });
    },
  };
}

/**
 * Commits prepared replacements in order; if preparing or committing one fails, the ones not
 * yet committed are removed. Prepare all first, so a full disk changes nothing.
 */
export function commitAll(files: PreparedFile[]): void {
  let index = 0;
  try {
    for (; index < files.length; index++) files[index]!.commit();
  } finally {
    for (index++; index < files.length; index++) files[index]!.abort();
  }
}

/**
 * Replaces `path` with `data` atomically, keeping the old file's mode and refusing a read-only
 * one (`ReadOnlyFileError`). Like every write here, it first checks that the locks this
 * process holds are still its own (`LostLockError` if not).
 */
export function writeFileAtomic(path: string, data: FileData): void {
  prepareFileAtomic(path, data).commit();
}

/**
 * Creates `path` with `data` only if nothing is there, atomically (temp file, then `link`):
 * returns false and leaves the existing file alone when one exists.
 */
export function createFileAtomic(path: string, data: FileData): boolean {
  const temp = writeTemp(path, data, undefined);
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
 * Appends `tail` to `path` atomically: the file is copied beside itself by the kernel, `tail`
 * appended to the copy, and the copy renamed over it. A crash leaves the old file or the new one.
 */
export function appendFileAtomic(path: string, tail: string | Uint8Array): void {
  prepareAppendAtomic(path, tail).commit();
}

function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${(counter++).toString(36)}${randomBytes(3).toString('hex')}.tmp`);
}

function writeAll(fd: number, buffer: Uint8Array): void {
  let offset = 0;
  while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset);
}

/** Writes and flushes a temp file beside `path` with `mode` (a new file's: 0644 under the umask); returns its name. */
function writeTemp(path: string, data: FileData, mode: number | undefined): string {
  const temp = tempName(path);
  let fd: number;
  try {
    fd = openSync(temp, 'wx', mode ?? 0o644);
  } catch (error) {
    throw forTarget(error, temp, path);
  }
  try {
    // The umask narrowed the mode `open` set; a replacement keeps the old file's exactly.
    if (mode !== undefined) fchmodSync(fd, mode);
    if (typeof data === 'string') writeAll(fd, Buffer.from(data, 'utf8'));
    else if (data instanceof Uint8Array) writeAll(fd, data);
    else if (typeof data === 'function') data((bytes) => writeAll(fd, bytes));
    else for (const part of data) writeAll(fd, part);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw forTarget(error, temp, path);
  }
  closeSync(fd);
  return temp;
}

/**
 * A fault met on a temp file (a read-only file system, a full disk) as a fault of its target:
 * the user knows `urls_todo.md`, not `.urls_todo.md.123.x.tmp`.
 */
function forTarget(error: unknown, temp: string, path: string): unknown {
  const fault = error as NodeJS.ErrnoException;
  if (fault?.code === undefined || (fault.path !== undefined && fault.path !== temp)) return error;
  return Object.assign(new Error(fault.message.split(temp).join(path)), { code: fault.code, errno: fault.errno, syscall: fault.syscall, path });
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
