/**
 * Opening a file only when it is a regular file. A state file that is a FIFO, a device
 * (`urls_todo.md -> /dev/zero`), a socket or a folder must be refused at once: a FIFO
 * blocks `open` until a writer comes, and `/dev/zero` never ends a read. The file is opened
 * with `O_NONBLOCK` (a FIFO then opens without waiting) and judged by `fstat` of what was
 * opened, so a file swapped between a check and the open is judged as what is read.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { outsideRootReason } from './inside-root.js';

/** Thrown for a path that exists but is not a regular file; `kind` says what it is. */
export class NotRegularFileError extends Error {
  readonly code = 'ENOTREGULAR';
  constructor(
    readonly path: string,
    readonly kind: string,
  ) {
    super(`\`${path}\` is a ${kind}, not a regular file`);
  }
}

/** What a non-regular file is, in words (`FIFO`, `character device`, …). */
export function fileKind(stats: Stats): string {
  if (stats.isFile()) return 'regular file';
  if (stats.isDirectory()) return 'folder';
  if (stats.isFIFO()) return 'FIFO';
  if (stats.isCharacterDevice()) return 'character device';
  if (stats.isBlockDevice()) return 'block device';
  if (stats.isSocket()) return 'socket';
  if (stats.isSymbolicLink()) return 'symbolic link';
  return 'special file';
}

// O_NONBLOCK is 0 on Windows, where FIFOs of this kind do not exist.
const NONBLOCK = constants.O_NONBLOCK ?? 0;

/**
 * Opens `path` for reading when it is a regular file: its fd, or undefined when it does not
 * exist; throws {@link NotRegularFileError} for anything else (without ever blocking on it).
 * `noFollow` refuses a symbolic link as the last component (`O_NOFOLLOW`).
 */
export function openRegularFile(path: string, options: { noFollow?: boolean } = {}): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | NONBLOCK | (options.noFollow ? (constants.O_NOFOLLOW ?? 0) : 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    // O_NOFOLLOW on a link fails with ELOOP; a device may refuse the open itself (ENXIO).
    if (code === 'ELOOP') throw new NotRegularFileError(path, 'symbolic link');
    if (code === 'ENXIO' || code === 'EISDIR') throw new NotRegularFileError(path, code === 'EISDIR' ? 'folder' : 'device or socket');
    throw error;
  }
  let stats: Stats;
  try {
    stats = fstatSync(fd);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  if (!stats.isFile()) {
    closeSync(fd);
    throw new NotRegularFileError(path, fileKind(stats));
  }
  return fd;
}

/** A regular file's bytes, or undefined when it does not exist; throws {@link NotRegularFileError} for anything else. */
export function readRegularFile(path: string, options: { noFollow?: boolean } = {}): Buffer | undefined {
  const fd = openRegularFile(path, options);
  if (fd === undefined) return undefined;
  try {
    const chunks: Buffer[] = [];
    // Read to the end rather than trusting the size: the file may grow while it is read. The
    // first chunk has a byte to spare, so a file of the size it had is read into one buffer,
    // its end seen by a short read: no second buffer of the file's size, no copy to join them.
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.max(64 * 1024, Math.min(fstatSync(fd).size + 1, 64 * 1024 * 1024)));
      let filled = 0;
      while (filled < chunk.length) {
        const count = readSync(fd, chunk, filled, chunk.length - filled, null);
        if (count === 0) break;
        filled += count;
      }
      chunks.push(filled === chunk.length ? chunk : chunk.subarray(0, filled));
      if (filled < chunk.length) break;
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  } finally {
    closeSync(fd);
  }
}

/** The first bytes (up to `limit`) of the open file `fd`, read from its start, and the file's size. */
export function readHead(fd: number, limit: number): { bytes: Buffer; size: number } {
  const size = fstatSync(fd).size;
  const buffer = Buffer.allocUnsafe(Math.min(size, limit));
  let length = 0;
  while (length < buffer.length) {
    const count = readSync(fd, buffer, length, buffer.length - length, length);
    if (count === 0) break;
    length += count;
  }
  return { bytes: buffer.subarray(0, length), size };
}

/** The first `limit` bytes of a regular file as text; undefined when it is missing, unreadable or not a regular file. */
export function readRegularHead(path: string, limit: number, options: { noFollow?: boolean } = {}): string | undefined {
  try {
    const fd = openRegularFile(path, options);
    if (fd === undefined) return undefined;
    try {
      return readHead(fd, limit).bytes.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/** A size in words: `512 bytes`, `2 KB`, `1536 MB`. */
export function formatSize(bytes: number): string {
  const [value, unit] = bytes >= 1024 * 1024 ? [bytes / 1024 / 1024, 'MB'] : bytes >= 1024 ? [bytes / 1024, 'KB'] : [bytes, 'bytes'];
  return `${Number(value.toFixed(1))} ${unit}`;
}

/** How every reader says a document is over `maxDocumentBytes`: `` `p` is too big (1536 MB, limit 10 MB)… ``. */
export function tooBigMessage(path: string, size: number, limit: number): string {
  return `\`${path}\` is too big (${formatSize(size)}, limit ${formatSize(limit)}), expected at most \`maxDocumentBytes\`; split it or raise the limit`;
}

/** A document's bytes, or why it cannot be read (one line). */
export type DocumentRead = { ok: true; bytes: Buffer } | { ok: false; error: string };

/**
 * Reads the document at `path` (root-relative or absolute) as every reader of the tree must
 * (PROTOCOL §10): refused when its real location leaves the root or it is not a regular file,
 * and never loaded past `limit` (`maxDocumentBytes`): a bigger one is reported too big without
 * being read. Undefined when it does not exist.
 */
export function readDocument(root: string, path: string, limit: number): DocumentRead | undefined {
  const absolute = resolve(root, path);
  const label = relative(resolve(root), absolute).split(sep).join('/');
  const outside = outsideRootReason(root, absolute, label);
  if (outside !== undefined) return { ok: false, error: outside };
  let fd: number | undefined;
  try {
    fd = openRegularFile(absolute);
    if (fd === undefined) return undefined;
    const size = fstatSync(fd).size;
    if (size > limit) return { ok: false, error: tooBigMessage(label, size, limit) };
    return { ok: true, bytes: readHead(fd, limit).bytes };
  } catch (error) {
    if (error instanceof NotRegularFileError) return { ok: false, error: `\`${label}\` is a ${error.kind}, not a regular file` };
    throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Why `path` cannot be read as a regular file (`` `p` is a FIFO… ``), or undefined when it is one or does not exist. */
export function nonRegularReason(path: string): string | undefined {
  try {
    const fd = openRegularFile(path);
    if (fd !== undefined) closeSync(fd);
    return undefined;
  } catch (error) {
    if (error instanceof NotRegularFileError) return error.message;
    return `\`${path}\` cannot be opened: ${(error as Error).message}`;
  }
}
