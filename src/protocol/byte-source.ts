/**
 * The bytes of a large file (a 100,000-line queue) without holding them: read in chunks
 * through one small reused buffer.
 *
 * On the machines fleets run on, memory is the cost, not reading: a fresh 3.6 MB buffer costs
 * ~13 ms of page faults on a small VM, while reading the same file through a warm 256 KiB
 * buffer takes well under a millisecond. The relay CLI's writes under the lock, the hook's
 * focused lint after an edit and `--staged` all search and compare queue files this way.
 */
import { closeSync, fstatSync, readSync, type BigIntStats } from 'node:fs';
import { openRegularFile } from './regular-file.js';

const NEWLINE = 10;

/** Bytes visited in chunks that end at line ends (absolute offset `base`), or read at an offset. */
export interface ByteSource {
  readonly size: number;
  /** Stops when `visit` returns false. A chunk is only valid during its visit. */
  forEachChunk(visit: (chunk: Buffer, base: number) => boolean): void;
  /** Copies up to `length` bytes from `position` into `target`; returns how many. */
  readAt(target: Buffer, position: number, length: number): number;
  /**
   * The line feeds in a chunk this source gave (`chunk`, at `base`), counted once and
   * remembered: a focused run walks a queue several times, and counting is what costs.
   */
  newlinesIn(chunk: Buffer, base: number): number;
}

/** Remembered line-feed counts of chunks, by offset and length. */
class NewlineCounts {
  private counts = new Map<number, { length: number; count: number }>();

  of(chunk: Buffer, base: number): number {
    const known = this.counts.get(base);
    if (known && known.length === chunk.length) return known.count;
    const count = countNewlines(chunk);
    this.counts.set(base, { length: chunk.length, count });
    return count;
  }
}

/** Bytes held in memory: one chunk. */
export class BufferSource implements ByteSource {
  private readonly newlines = new NewlineCounts();

  constructor(readonly bytes: Buffer) {}

  newlinesIn(chunk: Buffer, base: number): number {
    return this.newlines.of(chunk, base);
  }

  get size(): number {
    return this.bytes.length;
  }

  forEachChunk(visit: (chunk: Buffer, base: number) => boolean): void {
    visit(this.bytes, 0);
  }

  readAt(target: Buffer, position: number, length: number): number {
    return this.bytes.copy(target, 0, position, Math.min(position + length, this.bytes.length));
  }
}

/** Reads up to `length` bytes at `position` of an open file into `target`; returns how many (fewer only at the end). */
export function readFully(fd: number, target: Buffer, length: number, position: number): number {
  let got = 0;
  while (got < length) {
    const read = readSync(fd, target, got, length - got, position + got);
    if (read === 0) break;
    got += read;
  }
  return got;
}

/** The chunk size of a `FileSource`: small enough that its pages are touched once and reused. */
export const CHUNK = 256 * 1024;

/**
 * Chunk buffers not in use. Every walk borrows one and gives it back, so a run touches the
 * pages of one or two buffers however many files and walks it makes (each fresh 256 KiB
 * costs ~1 ms of page faults on a small VM; a `--staged` run walks queues a dozen times).
 */
const spareBuffers: Buffer[] = [];

/** A buffer of at least `minimum` bytes for a walk; give it back with `returnBuffer`. */
export function borrowBuffer(minimum = CHUNK): Buffer {
  const index = spareBuffers.findIndex((buffer) => buffer.length >= minimum);
  return index === -1 ? Buffer.allocUnsafeSlow(Math.max(CHUNK, minimum)) : spareBuffers.splice(index, 1)[0]!;
}

/** Gives a borrowed buffer back (its bytes are then anyone's). */
export function returnBuffer(buffer: Buffer): void {
  spareBuffers.push(buffer);
}

/** An open file read in line-aligned chunks through a borrowed buffer; the fd keeps the file that was opened. */
export class FileSource implements ByteSource {
  private readonly newlines = new NewlineCounts();

  newlinesIn(chunk: Buffer, base: number): number {
    return this.newlines.of(chunk, base);
  }

  constructor(
    private readonly fd: number,
    readonly size: number,
    /** Where this file's bytes start in the fd (a blob inside `git cat-file --batch` output). */
    private readonly start = 0,
  ) {}

  /**
   * Opens `path`; undefined when it does not exist. Throws `NotRegularFileError` for a FIFO,
   * a device or a folder, without blocking on it.
   */
  static open(path: string): FileSource | undefined {
    const fd = openRegularFile(path);
    if (fd === undefined) return undefined;
    return new FileSource(fd, fstatSync(fd).size);
  }

  close(): void {
    closeSync(this.fd);
  }

  /** The open file's status, times in nanoseconds. */
  stats(): BigIntStats {
    return fstatSync(this.fd, { bigint: true });
  }

  readAt(target: Buffer, position: number, length: number): number {
    return readFully(this.fd, target, Math.min(length, this.size - position, target.length), this.start + position);
  }

  /** The whole file in one buffer. */
  readAll(): Buffer {
    const bytes = Buffer.allocUnsafe(this.size);
    const got = this.readAt(bytes, 0, this.size);
    return got === this.size ? bytes : bytes.subarray(0, got);
  }

  /** The byte at an offset. */
  byteAt(offset: number): number | undefined {
    const one = Buffer.alloc(1);
    return this.readAt(one, offset, 1) === 1 ? one[0] : undefined;
  }

  forEachChunk(visit: (chunk: Buffer, base: number) => boolean): void {
    // A visit may read the file again (a search inside a walk): that walk borrows another buffer.
    let buffer = borrowBuffer();
    try {
      let position = 0;
      while (position < this.size) {
        const got = this.readAt(buffer, position, buffer.length);
        if (got === 0) return;
        let length = got;
        if (position + got < this.size) {
          const newline = buffer.lastIndexOf(NEWLINE, got - 1);
          if (newline === -1) {
            // A line longer than the buffer: read it again with room for it.
            const larger = borrowBuffer(buffer.length * 2);
            returnBuffer(buffer);
            buffer = larger;
            continue;
          }
          length = newline + 1;
        }
        if (!visit(buffer.subarray(0, length), position)) return;
        position += length;
      }
    } finally {
      returnBuffer(buffer);
    }
  }
}

/**
 * `bytes.indexOf(byte, from)` through the typed array's own builtin. Buffer's `indexOf` runs
 * JavaScript of Node's before the search (needle type, encoding), and in a short-lived process
 * that is interpreted: a search per line of a 50,000-line queue cost about a third more.
 */
export function indexOfByte(bytes: Uint8Array, byte: number, from = 0): number {
  return TYPED_INDEX_OF.call(bytes, byte, from);
}

const TYPED_INDEX_OF = Uint8Array.prototype.indexOf;

/** The last index of `byte` in `bytes` at or before `from`; -1 when none. */
export function lastIndexOfByte(bytes: Uint8Array, byte: number, from: number): number {
  return TYPED_LAST_INDEX_OF.call(bytes, byte, from);
}

const TYPED_LAST_INDEX_OF = Uint8Array.prototype.lastIndexOf;

/**
 * The number of line feeds in `text[from, to)`: bytes of a Buffer, or a string's characters.
 * The one newline counter of relay (queues, documents, the hook's edits).
 */
export function countNewlines(text: Buffer | string, from = 0, to = text.length): number {
  let count = 0;
  if (typeof text === 'string') {
    for (let index = text.indexOf('\n', from); index !== -1 && index < to; index = text.indexOf('\n', index + 1)) count++;
  } else {
    for (let index = indexOfByte(text, NEWLINE, from); index !== -1 && index < to; index = indexOfByte(text, NEWLINE, index + 1)) count++;
  }
  return count;
}

/** The offset just past the `count`-th line feed at or after `from`, or -1 when there are fewer. */
export function skipLines(bytes: Uint8Array, from: number, count: number): number {
  if (count === 0) return from;
  let left = count;
  for (let index = from; index < bytes.length; index++) {
    if (bytes[index] === NEWLINE && --left === 0) return index + 1;
  }
  return -1;
}

/** Whether every byte of a source passes `test` (a native check run on each chunk). */
export function everyChunk(source: ByteSource, test: (chunk: Buffer, base: number) => boolean): boolean {
  let ok = true;
  source.forEachChunk((chunk, base) => (ok = test(chunk, base)));
  return ok;
}

/** Counts lines through a file's chunks: the 1-based line of an offset in the current chunk. */
class LineCounter {
  private line = 1;
  private counted = 0;
  private base = -1;

  /** The line holding `offset` (an offset in `chunk`, at or after the previous one asked in it). */
  lineAt(chunk: Buffer, base: number, offset: number): number {
    if (base !== this.base) {
      // A new chunk: the lines of the rest of the previous one were counted when it was done.
      this.base = base;
      this.counted = 0;
    }
    this.line += countNewlines(chunk, this.counted, offset);
    this.counted = offset;
    return this.line;
  }

  /** Counts the rest of a chunk once it is done (a chunk with no line asked: from the source's memory). */
  finish(source: ByteSource, chunk: Buffer, base: number): void {
    if (base !== this.base) {
      this.line += source.newlinesIn(chunk, base);
    } else {
      this.line += countNewlines(chunk, this.counted, chunk.length);
    }
    this.base = base;
    this.counted = chunk.length;
  }
}

/** The 1-based lines of ascending offsets, counted chunk by chunk (whole chunks from the source's memory). */
export function linesAt(source: ByteSource, offsets: number[]): number[] {
  const lines: number[] = [];
  if (offsets.length === 0) return lines;
  const counter = new LineCounter();
  source.forEachChunk((chunk, base) => {
    while (lines.length < offsets.length && offsets[lines.length]! < base + chunk.length) lines.push(counter.lineAt(chunk, base, offsets[lines.length]! - base));
    counter.finish(source, chunk, base);
    return lines.length < offsets.length;
  });
  return lines;
}
