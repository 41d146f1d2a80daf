/**
 * Looking up a few URLs in a 100,000-line queue without parsing it: the substring-token
 * technique of `src/lint/focus.ts`, for the writes under the queue lock. Every spelling of a
 * URL (host case, default port, fragment) contains its path, so a byte search for the path
 * finds every line that could be the same URL; only those lines are parsed, and their
 * normalised keys decide. Edits are spliced into the bytes at their offsets.
 *
 * It works on bytes, never decoding a whole file: under a fleet's load the cost of a claim was
 * memory (a fresh 3.6 MB buffer costs ~13 ms of page faults on a small VM, decoding it into a
 * string as much again). urls_done.md is only searched, so it is read in chunks through one
 * small reused buffer (`FileSource`, src/protocol/byte-source.ts); urls_todo.md is read
 * whole, since it is rewritten.
 *
 * The search primitives and the text they can vouch for are in `src/protocol/queue-search.ts`;
 * `QueueScan.of` refuses what `searchable` refuses, and the caller parses the whole file.
 */
import { everyChunk, type ByteSource } from '../protocol/byte-source.js';
import { parseQueueLineAt, type QueueItem } from '../protocol/queue.js';
import { endsPath, lineStartOf, searchable, searchToken } from '../protocol/queue-search.js';

/** An item line of a queue file: the parsed item and where its content is. */
export interface ItemLine {
  item: QueueItem;
  /** Byte offset of the line's first character. */
  start: number;
  /** Byte offset just past the line's content (before `\r\n` or `\n`). */
  end: number;
}

/** One change to a queue file: replace a line's content (its ending kept), or remove the line (`content` undefined). */
export interface LineEdit {
  start: number;
  end: number;
  content?: string;
}

export { BufferSource, FileSource, type ByteSource } from '../protocol/byte-source.js';

const NEWLINE = 10;
const CR = 13;

/** The end of a line's content: before its `\n` or `\r\n`. */
function contentEnd(bytes: Buffer, start: number, from: number): { end: number; next: number } {
  const newline = bytes.indexOf(NEWLINE, from);
  let end = newline === -1 ? bytes.length : newline;
  if (end > start && bytes[end - 1] === CR) end--;
  return { end, next: newline === -1 ? bytes.length : newline + 1 };
}

/** A queue file searched by token instead of parsed. */
export class QueueScan {
  private constructor(readonly source: ByteSource) {}


  /** A scan of `source`, or undefined when the token search cannot be exact for it (the caller then parses it whole). */
  static of(source: ByteSource): QueueScan | undefined {
    return everyChunk(source, searchable) ? new QueueScan(source) : undefined;
  }

  /**
   * Every item line whose normalised URL is `key`, in file order; undefined when the URL has
   * no path to search for (a bare host). Item line numbers are not counted (they are 0).
   * `anySlash`: also the lines that differ from `key` only by a trailing slash.
   */
  linesOf(key: string, slashKey: string, anySlash = false): ItemLine[] | undefined {
    const token = searchToken(slashKey);
    if (token === undefined) return undefined;
    const found: ItemLine[] = [];
    this.source.forEachChunk((bytes, base) => {
      for (let offset = bytes.indexOf(token); offset !== -1; offset = bytes.indexOf(token, offset + 1)) {
        if (!endsPath(bytes, offset + token.length)) continue;
        const start = lineStartOf(bytes, offset);
        const { end, next } = contentEnd(bytes, start, offset);
        if (bytes[start] === 45 && bytes[start + 1] === 32) {
          const line = bytes.toString('latin1', start, end);
          const parsed = parseQueueLineAt(line, 0, line.length, 0);
          if (parsed !== undefined && 'key' in parsed && (anySlash ? parsed.slashKey === slashKey : parsed.key === key)) found.push({ item: parsed, start: base + start, end: base + end });
        }
        // One verdict per line: go on from the next line.
        offset = next - 1;
      }
      return true;
    });
    return found;
  }
}

/**
 * Calls `visit` for each `- ` line of a file in order (the only lines that can be items), with
 * its text, byte offsets and 1-based number; stops when it returns false.
 */
export function forEachListLine(source: ByteSource, visit: (text: string, start: number, end: number, line: number) => boolean): void {
  let line = 0;
  source.forEachChunk((bytes, base) => {
    for (let start = 0; start < bytes.length; ) {
      const { end, next } = contentEnd(bytes, start, start);
      line++;
      if (bytes[start] === 45 && bytes[start + 1] === 32 && !visit(bytes.toString('latin1', start, end), base + start, base + end, line)) return false;
      start = next;
    }
    return true;
  });
}

/** The line ending a file mostly uses (that of its first line), as `detectLineEnding` judges segments. */
export function lineEndingOf(bytes: Uint8Array): string {
  const newline = bytes.indexOf(NEWLINE);
  return newline > 0 && bytes[newline - 1] === CR ? '\r\n' : '\n';
}

/**
 * Writes `source` with line edits (byte offsets into it) applied and lines appended, as
 * `rewriteQueue` does for segments: a replaced line keeps its ending, a removed line goes with
 * its ending, appended lines take the file's line ending. Every other byte is kept. The source
 * is streamed chunk by chunk to `put`, so a large file is never held whole.
 */
export function spliceLines(source: ByteSource, edits: LineEdit[], append: string[], put: (bytes: Uint8Array) => void): void {
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  let next = 0;
  let eol: string | undefined;
  let lastByte: number | undefined;
  const emit = (bytes: Uint8Array): void => {
    if (bytes.length === 0) return;
    put(bytes);
    lastByte = bytes[bytes.length - 1];
  };
  source.forEachChunk((chunk, base) => {
    eol ??= lineEndingOf(chunk);
    let at = 0;
    const limit = base + chunk.length;
    while (next < sorted.length && sorted[next]!.start < limit) {
      const edit = sorted[next++]!;
      const start = edit.start - base;
      // Two edits of one line (a URL given twice): the first wins.
      if (start < at) continue;
      emit(chunk.subarray(at, start));
      if (edit.content === undefined) {
        at = contentEnd(chunk, start, edit.end - base).next;
      } else {
        emit(Buffer.from(edit.content, 'utf8'));
        at = edit.end - base;
      }
    }
    emit(chunk.subarray(at));
    return true;
  });
  if (append.length > 0) {
    const ending = eol ?? '\n';
    const lines = append.map((line) => line + ending).join('');
    emit(Buffer.from(lastByte !== undefined && lastByte !== NEWLINE ? ending + lines : lines, 'utf8'));
  }
}
