/**
 * The last linted text of each queue file, so the PostToolUse hook can tell what a change
 * did when the event does not say (a Write, a Bash command such as `relay claim`): the focused
 * lint (src/lint/focus.ts) compares the snapshot with the file. Snapshots live next to the
 * session memory (`${CLAUDE_PLUGIN_DATA}/queue-snapshots/`, else the user's private temporary
 * folder, see private-folder.ts), one folder per root; every file is created with `O_EXCL` and
 * `O_NOFOLLOW`, renamed into place, and read without following links.
 */
import { closeSync, constants, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { debug, reason } from '../debug.js';
import { readRegularFile } from '../protocol/regular-file.js';
import { ensurePrivateFolder, privateSubfolder } from './private-folder.js';

/** The snapshot file of a queue of a root; undefined when there is no private folder for it. */
function snapshotPath(root: string, rel: string, create: boolean): string | undefined {
  const folder = privateSubfolder('queue-snapshots');
  if (folder === undefined) return undefined;
  const rootFolder = join(folder, createHash('sha256').update(root).digest('hex').slice(0, 16));
  if (create && ensurePrivateFolder(rootFolder) === undefined) return undefined;
  return join(rootFolder, rel.replace(/[^A-Za-z0-9._-]/g, '_'));
}

/** The last linted text of a queue file; undefined (with the reason under `RELAY_DEBUG=hook`) when there is none. */
export function readSnapshot(root: string, rel: string): string | undefined {
  const path = snapshotPath(root, rel, false);
  try {
    return path === undefined ? undefined : readRegularFile(path, { noFollow: true })?.toString('utf8');
  } catch (error) {
    debug('hook', `no snapshot of \`${rel}\` (${reason(error)}): the whole file is checked`);
    return undefined;
  }
}

/** Queues larger than this are not kept (their next change is linted whole). */
const MAX_SNAPSHOT_CHARS = 64 * 1024 * 1024;

/** Keeps `text` as the snapshot the next change of the queue is compared with (atomically). */
export function saveSnapshot(root: string, rel: string, text: string): void {
  if (text.length > MAX_SNAPSHOT_CHARS) {
    debug('hook', `\`${rel}\` is over ${MAX_SNAPSHOT_CHARS / 1024 / 1024} MB: no snapshot kept, its next change is linted whole`);
    return;
  }
  const path = snapshotPath(root, rel, true);
  if (path === undefined) return;
  const temp = `${path}.${process.pid}.tmp`;
  try {
    rmSync(temp, { force: true });
    const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
    try {
      const bytes = Buffer.from(text, 'utf8');
      for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written, bytes.length - written);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    debug('hook', `the snapshot of \`${rel}\` could not be kept: ${reason(error)}`);
  }
}
