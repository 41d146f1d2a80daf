/**
 * Which lines of a new copy of a file differ from an old copy: the bytes both share at the
 * start and at the end are unchanged, and the whole lines between are new. Native
 * comparisons of chunks read through two small reused buffers, so a 50,000-line queue
 * compares in a millisecond or two without holding either copy (a line diff of it takes git
 * about 0.1 s). Used by the PostToolUse hook (against the last linted copy) and by `--staged`
 * (against HEAD's copy).
 */
import { borrowBuffer, BufferSource, countNewlines, returnBuffer, type ByteSource } from '../protocol/byte-source.js';

/** Changed regions longer than this many lines are linted whole. */
export const MAX_FOCUSED_LINES = 5000;
/** Bytes compared per native call while looking for the first difference. */
const CHUNK = 64 * 1024;
/** Changed regions up to this size come back with their text (a focused lint then need not find them). */
const MAX_TEXT_BYTES = 64 * 1024;

/** How a new copy compares with an old one. */
export interface LineChange {
  /** The 1-based lines of the new copy that the old lacks ([] when bytes were only removed); undefined when too many. */
  lines: number[] | undefined;
  /** Whether both copies hold the same bytes. */
  identical: boolean;
  /** The text of each line in `lines` (latin1, with its line ending), when the region is small. */
  texts?: Map<number, string>;
}

/** Compares two copies of a file held in memory. */
export function changedLines(previous: Buffer, current: Buffer, maxLines = MAX_FOCUSED_LINES): LineChange {
  return changedLinesOf(new BufferSource(previous), new BufferSource(current), maxLines);
}

/** Compares two copies of a file, reading both in chunks. */
export function changedLinesOf(previous: ByteSource, current: ByteSource, maxLines = MAX_FOCUSED_LINES): LineChange {
  const a = borrowBuffer();
  const b = borrowBuffer();
  try {
    // The line feeds of the shared start are counted as it is compared: no second walk.
    const { length: prefix, newlines } = commonPrefix(previous, current, a, b);
    if (prefix === current.size && prefix === previous.size) return { lines: [], identical: true };
    const suffix = commonSuffix(previous, current, prefix, a, b);
    const end = current.size - suffix;
    // Only removed bytes: removing items adds no problem to check.
    if (end <= prefix) return { lines: [], identical: false };
    // Widen to whole lines: the region may start or end in the middle of one.
    const first = 1 + newlines;
    const last = first + newlinesBetween(current, prefix, Math.max(prefix, end - 1), a);
    if (last - first + 1 > maxLines) return { lines: undefined, identical: false };
    const lines: number[] = [];
    for (let line = first; line <= last; line++) lines.push(line);
    return { lines, identical: false, texts: regionTexts(current, prefix, end, first, lines.length, a) };
  } finally {
    returnBuffer(a);
    returnBuffer(b);
  }
}

/**
 * The whole lines holding `[from, to)` by number, the first being line `first`; undefined
 * when they are longer than `MAX_TEXT_BYTES` (the caller then finds them by number).
 */
function regionTexts(source: ByteSource, from: number, to: number, first: number, count: number, buffer: Buffer): Map<number, string> | undefined {
  // Back to the start of the line holding `from` (no further than 4 KiB).
  let lineStart = from;
  if (from > 0) {
    const start = Math.max(0, from - 4096);
    const got = source.readAt(buffer, start, from - start);
    if (got !== from - start) return undefined;
    const newline = buffer.subarray(0, got).lastIndexOf(10);
    if (newline === -1 && start > 0) return undefined;
    lineStart = start + newline + 1;
  }
  // Forward to the end of the line holding `to - 1`, which must lie in what is read.
  const got = source.readAt(buffer, lineStart, Math.min(MAX_TEXT_BYTES, buffer.length, source.size - lineStart));
  const read = buffer.subarray(0, got);
  const stop = read.indexOf(10, to - 1 - lineStart);
  if (stop === -1 && lineStart + got !== source.size) return undefined;
  const end = stop === -1 ? got : stop + 1;
  const texts = new Map<number, string>();
  for (let at = 0, line = first; at < end; line++) {
    const newline = read.indexOf(10, at);
    const next = newline === -1 || newline >= end ? end : newline + 1;
    texts.set(line, read.toString('latin1', at, next));
    at = next;
  }
  return texts.size === count ? texts : undefined;
}

/** The length of the equal start of `a[0, n)` and `b[0, n)`, by native comparisons of shrinking spans. */
function equalStart(a: Buffer, b: Buffer, n: number): number {
  let at = 0;
  for (let span = CHUNK; span >= 1; span >>= 1) {
    while (at + span <= n && a.compare(b, at, at + span, at, at + span) === 0) at += span;
  }
  return at;
}

/** The length of the equal end of `a[0, n)` and `b[0, n)`. */
function equalEnd(a: Buffer, b: Buffer, n: number): number {
  let length = 0;
  for (let span = CHUNK; span >= 1; span >>= 1) {
    while (length + span <= n && a.compare(b, n - length - span, n - length, n - length - span, n - length) === 0) length += span;
  }
  return length;
}

/** The length of the bytes both copies start with, and the line feeds in them. */
function commonPrefix(previous: ByteSource, current: ByteSource, a: Buffer, b: Buffer): { length: number; newlines: number } {
  const limit = Math.min(previous.size, current.size);
  let at = 0;
  let newlines = 0;
  while (at < limit) {
    const want = Math.min(CHUNK, limit - at);
    const n = Math.min(previous.readAt(a, at, want), current.readAt(b, at, want));
    if (n === 0) break;
    const same = equalStart(a, b, n);
    newlines += countNewlines(b, 0, same);
    at += same;
    if (same < n) break;
  }
  return { length: at, newlines };
}

/** Bytes shared at the end, not reaching into the shared prefix of either. */
function commonSuffix(previous: ByteSource, current: ByteSource, prefix: number, a: Buffer, b: Buffer): number {
  const limit = Math.min(previous.size, current.size) - prefix;
  let length = 0;
  while (length < limit) {
    const n = Math.min(CHUNK, limit - length);
    if (previous.readAt(a, previous.size - length - n, n) !== n || current.readAt(b, current.size - length - n, n) !== n) break;
    const same = equalEnd(a, b, n);
    length += same;
    if (same < n) break;
  }
  return length;
}

/** The number of line feeds in `source[from, to)`, read through `buffer`. */
function newlinesBetween(source: ByteSource, from: number, to: number, buffer: Buffer): number {
  let count = 0;
  for (let position = from; position < to; ) {
    const n = source.readAt(buffer, position, Math.min(buffer.length, to - position));
    if (n === 0) break;
    count += countNewlines(buffer, 0, n);
    position += n;
  }
  return count;
}
