/**
 * The last linted copy of each queue file, so the PostToolUse hook can tell which lines a
 * change added when the event does not say (a Write, an Edit without its text, a Bash
 * command): the bytes shared at the start and at the end of the old and new copies are
 * unchanged, and only the lines between are new. The focused lint then checks those lines
 * and their possible twins instead of 100,000 items. Copies live next to the session
 * memory (`${CLAUDE_PLUGIN_DATA}/queue-snapshots/`), one folder per root.
 *
 * The hook never reads a queue whole: it copies the file (a kernel copy of one inode, so the
 * copy is one consistent version even while a fleet writes), compares the copy with the last
 * snapshot in chunks, lints the copy, and then the copy becomes the next snapshot.
 */
import { copyFileSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FileSource } from '../protocol/byte-source.js';
import { changedLinesOf } from '../lint/changed-lines.js';
import { sessionFolder } from './session-memory.js';

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

function snapshotPath(root: string, rel: string, env: NodeJS.ProcessEnv): string {
  return join(sessionFolder(env), '..', 'queue-snapshots', rootKey(root), rel.replace(/[^A-Za-z0-9._-]/g, '_'));
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

/** Copies a queue file and compares it with its last snapshot; undefined when it cannot be copied. */
export function copyQueue(root: string, rel: string, env: NodeJS.ProcessEnv = process.env): QueueCopy | undefined {
  const live = join(root, rel);
  const snapshot = snapshotPath(root, rel, env);
  const copy = `${snapshot}.${process.pid}.tmp`;
  try {
    if (statSync(live).size > MAX_SNAPSHOT_BYTES) return undefined;
    mkdirSync(join(snapshot, '..'), { recursive: true });
    copyFileSync(live, copy);
  } catch {
    rmSync(copy, { force: true });
    return undefined;
  }
  let comparison: { lines: number[] | undefined; identical: boolean } = { lines: undefined, identical: false };
  const previous = openOrUndefined(snapshot);
  const current = previous && openOrUndefined(copy);
  if (previous && current) comparison = changedLinesOf(previous, current);
  previous?.close();
  current?.close();
  return {
    path: copy,
    ...comparison,
    keep: () => (comparison.identical ? rmSync(copy, { force: true }) : renameSync(copy, snapshot)),
    discard: () => rmSync(copy, { force: true }),
  };
}

function openOrUndefined(path: string): FileSource | undefined {
  try {
    return FileSource.open(path);
  } catch {
    return undefined;
  }
}
