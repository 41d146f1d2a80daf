/**
 * The last linted copy of each queue file, so the PostToolUse hook can tell which lines a
 * change added when the event does not say (a Write, an Edit without its text, a Bash
 * command): the bytes shared at the start and at the end of the old and new copies are
 * unchanged, and only the lines between are new. The focused lint then checks those lines
 * and their possible twins instead of 100,000 items. Copies live next to the session
 * memory (`${CLAUDE_PLUGIN_DATA}/queue-snapshots/`), one folder per root.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { changedLines } from '../lint/changed-lines.js';
import { sessionFolder } from './session-memory.js';

/** Queue files larger than this are not copied. */
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
  const folder = rootKey(root);
  return join(sessionFolder(env), '..', 'queue-snapshots', folder, rel.replace(/[^A-Za-z0-9._-]/g, '_'));
}

/** How a queue file compares with its last snapshot. */
export interface SnapshotComparison {
  /**
   * The 1-based lines of the current copy that the snapshot lacks ([] when nothing was
   * added); undefined without a snapshot or when the change is too large to focus on.
   */
  lines: number[] | undefined;
  /** Whether the snapshot holds exactly the current bytes (nothing to save). */
  identical: boolean;
}

/** Compares a queue file's current bytes with the last snapshot of it. */
export function compareWithSnapshot(root: string, rel: string, current: Buffer, env: NodeJS.ProcessEnv = process.env): SnapshotComparison {
  let previous: Buffer;
  try {
    previous = readFileSync(snapshotPath(root, rel, env));
  } catch {
    return { lines: undefined, identical: false };
  }
  return changedLines(previous, current);
}

/** Stores the copy the next change is compared with (atomically: readers never see half of it). */
export function saveSnapshot(root: string, rel: string, current: Buffer, env: NodeJS.ProcessEnv = process.env): void {
  if (current.length > MAX_SNAPSHOT_BYTES) return;
  const path = snapshotPath(root, rel, env);
  mkdirSync(join(path, '..'), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, current);
  renameSync(temporary, path);
}
