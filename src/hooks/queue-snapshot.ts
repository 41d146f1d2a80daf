/**
 * The last linted copy of each queue file, so the PostToolUse hook can tell which lines a
 * change added when the event does not say (a Write, an Edit without its text, a Bash
 * command): the bytes shared at the start and at the end of the old and new copies are
 * unchanged, and only the lines between are new. The focused lint then checks those lines
 * and their possible twins instead of 100,000 items. Copies live next to the session
 * memory (`${CLAUDE_PLUGIN_DATA}/queue-snapshots/`), one folder per root.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sessionFolder } from './session-memory.js';

/** Changed regions longer than this many lines are linted whole. */
const MAX_FOCUSED_LINES = 5000;
/** Queue files larger than this are not copied. */
const MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024;
/** Bytes compared per native call while looking for the first difference. */
const CHUNK = 64 * 1024;

function snapshotPath(root: string, rel: string, env: NodeJS.ProcessEnv): string {
  const folder = createHash('sha256').update(root).digest('hex').slice(0, 24);
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
  const prefix = commonPrefix(previous, current);
  if (prefix === current.length && prefix === previous.length) return { lines: [], identical: true };
  const suffix = commonSuffix(previous, current, prefix);
  const end = current.length - suffix;
  // Only removed bytes: removing items adds no problem to check.
  if (end <= prefix) return { lines: [], identical: false };
  // Widen to whole lines: the region may start or end in the middle of one.
  const first = lineAt(current, prefix);
  const last = lineAt(current, Math.max(prefix, end - 1));
  if (last - first + 1 > MAX_FOCUSED_LINES) return { lines: undefined, identical: false };
  const lines: number[] = [];
  for (let line = first; line <= last; line++) lines.push(line);
  return { lines, identical: false };
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

function commonPrefix(a: Buffer, b: Buffer): number {
  const length = Math.min(a.length, b.length);
  let at = 0;
  while (at + CHUNK <= length && a.compare(b, at, at + CHUNK, at, at + CHUNK) === 0) at += CHUNK;
  while (at < length && a[at] === b[at]) at++;
  return at;
}

/** Bytes shared at the end, not reaching into the shared prefix of either. */
function commonSuffix(a: Buffer, b: Buffer, prefix: number): number {
  const limit = Math.min(a.length, b.length) - prefix;
  let length = 0;
  while (length + CHUNK <= limit && a.compare(b, b.length - length - CHUNK, b.length - length, a.length - length - CHUNK, a.length - length) === 0) length += CHUNK;
  while (length < limit && a[a.length - 1 - length] === b[b.length - 1 - length]) length++;
  return length;
}

/** The 1-based line holding a byte offset. */
function lineAt(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let at = bytes.indexOf(10); at !== -1 && at < offset; at = bytes.indexOf(10, at + 1)) line++;
  return line;
}
