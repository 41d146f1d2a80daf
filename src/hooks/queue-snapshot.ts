/**
 * The last linted copy of each queue file, so the PostToolUse hook can tell which lines a
 * change added when the event does not say (a Write, an Edit without its text, a Bash
 * command): the bytes shared at the start and at the end of the old and new copies are
 * unchanged, and only the lines between are new. The focused lint then checks those lines
 * and their possible twins instead of 100,000 items. Copies live next to the session
 * memory (`${CLAUDE_PLUGIN_DATA}/queue-snapshots/`, else the user's private temp folder,
 * see private-folder.ts), one folder per root; every file in it is created with `O_EXCL`
 * and `O_NOFOLLOW` and opened without following links.
 *
 * The hook never reads a queue whole: it opens the file (one inode, so the copy is one
 * consistent version even while a fleet replaces the file) and copies what it opened, compares the copy with the last
 * snapshot in chunks, lints the copy, and then the copy becomes the next snapshot.
 */
import { closeSync, constants, fstatSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { debug, reason } from '../debug.js';
import { changedLinesOf } from '../lint/changed-lines.js';
import { CHUNK, FileSource } from '../protocol/byte-source.js';
import { openRegularFile } from '../protocol/regular-file.js';
import { ensurePrivateFolder, privateSubfolder } from './private-folder.js';

/** Queue files larger than this are not copied (they are linted in place, whole). */
const MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024;

/**
 * A short stable name for a root: 64 bits of FNV-1a in two lanes. Not a security boundary
 * (the folder is the user's own), and it spares the hook loading node:crypto after every edit.
 */
function rootKey(root: string): string {
  let low = 0x811c9dc5;
  let high = 0xcbf29ce4;
  for (let index = 0; index < root.length; index++) {
    const code = root.charCodeAt(index);
    low = Math.imul(low ^ code, 0x01000193);
    high = Math.imul(high ^ code ^ (low >>> 16), 0x5bd1e995);
  }
  return (low >>> 0).toString(16).padStart(8, '0') + (high >>> 0).toString(16).padStart(8, '0');
}

function snapshotPath(folder: string, root: string, rel: string): string {
  return join(folder, rootKey(root), rel.replace(/[^A-Za-z0-9._-]/g, '_'));
}

/** A consistent copy of a queue file, compared with the last snapshot of it. */
export interface QueueCopy {
  /** The absolute path of the copy: lint this, not the live file. */
  path: string;
  /**
   * The 1-based lines of the copy that the snapshot lacks ([] when nothing was added);
   * undefined without a snapshot or when the change is too large to focus on.
   */
  lines: number[] | undefined;
  /** Whether the snapshot holds exactly the copy's bytes. */
  identical: boolean;
  /** Makes the copy the snapshot the next change is compared with (atomically). */
  keep(): void;
  /** Removes the copy. */
  discard(): void;
}

/** Flags of a new temporary file: created here and now (never an existing file or a link). */
const CREATE_NEW = constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

/**
 * Copies a queue file and compares it with its last snapshot; undefined (with the reason
 * under `RELAY_DEBUG=hook`) when it cannot be copied: no private folder, a file that is not
 * regular or too large, a failed write. The caller then lints the live file whole.
 */
export function copyQueue(root: string, rel: string, env: NodeJS.ProcessEnv = process.env): QueueCopy | undefined {
  const folder = privateSubfolder('queue-snapshots', env);
  if (folder === undefined) return undefined;
  const rootFolder = ensurePrivateFolder(join(folder, rootKey(root)));
  if (rootFolder === undefined) return undefined;
  const snapshot = snapshotPath(folder, root, rel);
  const copy = `${snapshot}.${process.pid}.tmp`;
  let live: number | undefined;
  let copyFd: number | undefined;
  let current: FileSource;
  try {
    live = openRegularFile(join(root, rel));
    if (live === undefined) return undefined;
    const size = fstatSync(live).size;
    if (size > MAX_SNAPSHOT_BYTES) {
      debug('hook', `\`${rel}\` is ${size} bytes, over the snapshot limit: linted whole, without a snapshot`);
      return undefined;
    }
    copyFd = createCopy(copy);
    current = new FileSource(copyFd, copyBytes(live, copyFd));
  } catch (error) {
    if (copyFd !== undefined) {
      closeSync(copyFd);
      rmSync(copy, { force: true });
    }
    debug('hook', `no snapshot copy of \`${rel}\`: ${reason(error)}; linted whole`);
    return undefined;
  } finally {
    if (live !== undefined) closeSync(live);
  }
  let comparison: { lines: number[] | undefined; identical: boolean } = { lines: undefined, identical: false };
  const previous = openSnapshot(snapshot);
  if (previous) comparison = changedLinesOf(previous, current);
  else debug('hook', `no earlier snapshot of \`${rel}\`: the whole file is checked`);
  previous?.close();
  current.close();
  return {
    path: copy,
    ...comparison,
    keep: () => (comparison.identical ? rmSync(copy, { force: true }) : renameSync(copy, snapshot)),
    discard: () => rmSync(copy, { force: true }),
  };
}

/** Creates the copy file; a leftover of a crashed hook with the same pid is removed once. */
function createCopy(path: string): number {
  try {
    return openSync(path, CREATE_NEW, 0o600);
  } catch (error) {
    if (!isExists(error)) throw error;
    // rm removes a link itself, never its target; the folder is private, so this is our own.
    rmSync(path, { force: true });
    return openSync(path, CREATE_NEW, 0o600);
  }
}

/** Copies the open live file into the copy just created; returns the bytes copied. */
function copyBytes(live: number, target: number): number {
  const buffer = Buffer.allocUnsafe(CHUNK);
  let total = 0;
  for (;;) {
    const count = readSync(live, buffer, 0, buffer.length, null);
    if (count === 0) return total;
    let written = 0;
    while (written < count) written += writeSync(target, buffer, written, count - written, total + written);
    total += count;
  }
}

function isExists(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'EEXIST';
}

/** The last snapshot, opened without following a link; undefined when there is none or it is not a regular file. */
function openSnapshot(path: string): FileSource | undefined {
  try {
    const fd = openRegularFile(path, { noFollow: true });
    return fd === undefined ? undefined : new FileSource(fd, fstatSync(fd).size);
  } catch (error) {
    debug('hook', `snapshot \`${path}\` not used: ${reason(error)}`);
    return undefined;
  }
}
