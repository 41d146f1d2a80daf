/**
 * The bytes of a large file (a 100,000-line queue) without holding them: read in chunks
 * through one small reused buffer.
 *
 * On the machines fleets run on, memory is the cost, not reading: a fresh 3.6 MB buffer costs
 * ~13 ms of page faults on a small VM, while reading the same file through a warm 256 KiB
 * buffer takes well under a millisecond. The relay CLI's writes under the lock, the hook's
 * focused lint after an edit and `--staged` all search and compare queue files this way.
 */
import { closeSync, fstatSync, openSync, readSync, type BigIntStats } from 'node:fs';

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

  /** Opens `path`; undefined when it does not exist. */
  static open(path: string): FileSource | undefined {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
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
 * The number of line feeds in `bytes[from, to)`. Long ranges go to a 16-bytes-at-a-time
 * WebAssembly loop (`simdCounter`); short ones, and runtimes without WebAssembly, to a plain
 * loop. Not `indexOf`: 50,000 calls run through cold glue code in a short-lived process.
 */
export function countNewlines(bytes: Uint8Array, from = 0, to = bytes.length): number {
  if (to - from >= SIMD_THRESHOLD) {
    const counter = simdCounter();
    if (counter) return counter(bytes, from, to);
  }
  let count = 0;
  for (let index = from; index < to; index++) if (bytes[index] === NEWLINE) count++;
  return count;
}

/** Below this many bytes the plain loop wins (copying into the module's memory costs more). */
const SIMD_THRESHOLD = 4096;
/** The module's memory is one 64 KiB page; bytes are counted in spans of this size. */
const SIMD_SPAN = 64 * 1024;

/**
 * A WebAssembly module of two functions over its memory, between offsets that are multiples
 * of 16, sixteen bytes per step:
 *
 *     ;; c: the line feeds
 *     (func (param $at i32) (param $end i32) (result i32) (local $count i32) (local $feeds v128)
 *       (local.set $feeds (i8x16.splat (i32.const 10)))
 *       (block (loop
 *         (br_if 1 (i32.ge_u (local.get $at) (local.get $end)))
 *         (local.set $count (i32.add (local.get $count)
 *           (i32.popcnt (i8x16.bitmask (i8x16.eq (v128.load (local.get $at)) (local.get $feeds))))))
 *         (local.set $at (i32.add (local.get $at) (i32.const 16)))
 *         (br 0)))
 *       (local.get $count))
 *
 *     ;; s: 1 when a byte could make a queue unsearchable (see `searchable` in queue-search.ts):
 *     ;; not ASCII, or one of ` ~ < % \, or "/." (the byte after a block is read too)
 *     (func (param $at i32) (param $end i32) (result i32) (local $v v128)
 *       (block (loop
 *         (br_if 1 (i32.ge_u (local.get $at) (local.get $end)))
 *         (local.set $v (v128.load (local.get $at)))
 *         (if (v128.any_true (v128.or … (i8x16.lt_s (local.get $v) (i8x16.splat (i32.const 0)))
 *                                      (i8x16.eq (local.get $v) (i8x16.splat (i32.const 96))) …
 *                                      (v128.and (i8x16.eq (local.get $v) (i8x16.splat (i32.const 47)))
 *                                                (i8x16.eq (v128.load offset=1 (local.get $at)) (i8x16.splat (i32.const 46))))))
 *           (then (return (i32.const 1))))
 *         (local.set $at (i32.add (local.get $at) (i32.const 16)))
 *         (br 0)))
 *       (i32.const 0))
 *
 * Why: in a process that lives 0.2 s, a JavaScript byte loop over a 3.6 MB queue runs mostly
 * before V8 has optimized it (~10 ms), and seven substring searches a chunk cost ~4 ms; this
 * runs at full speed from its first byte (~0.2 ms).
 */
function simdModule(): Uint8Array<ArrayBuffer> {
  const unsigned = (value: number): number[] => (value < 0x80 ? [value] : [0x80 | (value & 0x7f), ...unsigned(value >>> 7)]);
  const signed = (value: number): number[] => (value < 64 ? [value] : [0x80 | (value & 0x7f), value >> 7]);
  const section = (id: number, body: number[]): number[] => [id, ...unsigned(body.length), ...body];
  const vector = (body: number[]): number[] => [...unsigned(body.length), ...body];
  const get = (index: number) => [0x20, index];
  const splat = (byte: number) => [0x41, ...signed(byte), 0xfd, 0x0f];
  const load = (offset: number) => [0xfd, 0x00, 0, offset];
  const is = (byte: number) => [...get(2), ...splat(byte), 0xfd, 0x23];
  const or = [0xfd, 0x50];
  const count = [
    ...[2, 1, 0x7f, 1, 0x7b], // locals: $count i32, $feeds v128
    ...splat(10), 0x21, 3, // $feeds = i8x16.splat(10)
    ...[0x02, 0x40, 0x03, 0x40], // block, loop
    ...get(0), ...get(1), 0x4f, 0x0d, 1, // br_if 1 ($at >= $end)
    ...get(2), ...get(0), ...load(0), ...get(3), 0xfd, 0x23, 0xfd, 0x64, 0x69, 0x6a, 0x21, 2, // $count += popcnt(bitmask(eq(load($at), $feeds)))
    ...get(0), 0x41, 16, 0x6a, 0x21, 0, 0x0c, 0, // $at += 16; br 0
    ...[0x0b, 0x0b], ...get(2), 0x0b, // end loop, end block, $count
  ];
  const suspect = [
    ...[1, 1, 0x7b], // locals: $v v128
    ...[0x02, 0x40, 0x03, 0x40], // block, loop
    ...get(0), ...get(1), 0x4f, 0x0d, 1, // br_if 1 ($at >= $end)
    ...get(0), ...load(0), 0x21, 2, // $v = load($at)
    ...get(2), ...splat(0), 0xfd, 0x25, // $v < 0 (signed): not ASCII
    ...is(96), ...or, ...is(126), ...or, ...is(60), ...or, ...is(37), ...or, ...is(92), ...or, // ` ~ < % \
    ...is(47), ...get(0), ...load(1), ...splat(46), 0xfd, 0x23, 0xfd, 0x4e, ...or, // "/" followed by "."
    0xfd, 0x53, 0x04, 0x40, 0x41, 1, 0x0f, 0x0b, // if any_true: return 1
    ...get(0), 0x41, 16, 0x6a, 0x21, 0, 0x0c, 0, // $at += 16; br 0
    ...[0x0b, 0x0b], 0x41, 0, 0x0b, // end loop, end block, 0
  ];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0], // "\0asm", version 1
    ...section(1, [1, 0x60, 2, 0x7f, 0x7f, 1, 0x7f]), // type: (i32, i32) -> i32
    ...section(3, [2, 0, 0]), // two functions of that type
    ...section(5, [1, 0, 2]), // one memory of two pages: a span, and room to read past it
    ...section(7, [3, 1, 0x63, 0, 0, 1, 0x73, 0, 1, 1, 0x6d, 2, 0]), // exports "c", "s" and "m" (the memory)
    ...section(10, [2, ...vector(count), ...vector(suspect)]),
  ]);
}

/** The module's functions over JavaScript bytes, made on first use; null where WebAssembly or SIMD is missing (`--jitless`). */
let simd: { count: (bytes: Uint8Array, from: number, to: number) => number; suspect: (bytes: Uint8Array) => boolean } | null | undefined;

function simdFunctions(): typeof simd {
  if (simd !== undefined) return simd;
  try {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(simdModule()));
    const count = instance.exports.c as (at: number, end: number) => number;
    const suspect = instance.exports.s as (at: number, end: number) => number;
    const memory = new Uint8Array((instance.exports.m as WebAssembly.Memory).buffer);
    /**
     * Runs `run` over `bytes[from, to)` span by span, each copied in with zeros after it to a
     * multiple of 16 and beyond; with `lookahead`, the byte after the span too (a "/." may
     * straddle two spans; the extra byte may then also be judged on its own: no harm).
     */
    const spans = (bytes: Uint8Array, from: number, to: number, lookahead: boolean, run: (padded: number) => boolean) => {
      for (let at = from; at < to; at += SIMD_SPAN) {
        const length = Math.min(SIMD_SPAN, to - at);
        const copied = lookahead ? Math.min(length + 1, to - at) : length;
        memory.set(bytes.subarray(at, at + copied));
        const padded = (length + 15) & ~15;
        memory.fill(0, copied, padded + 16);
        if (!run(padded)) return;
      }
    };
    simd = {
      count(bytes, from, to) {
        let total = 0;
        spans(bytes, from, to, false, (padded) => ((total += count(0, padded)), true));
        return total;
      },
      suspect(bytes) {
        let found = false;
        spans(bytes, 0, bytes.length, true, (padded) => !(found = suspect(0, padded) === 1));
        return found;
      },
    };
  } catch {
    simd = null;
  }
  return simd;
}

/** Whether `bytes` may hold something `searchable` looks for (false: certainly not); undefined where WebAssembly is missing. */
export function maySuspect(bytes: Uint8Array): boolean | undefined {
  const functions = simdFunctions();
  return functions ? functions.suspect(bytes) : undefined;
}

/** The WebAssembly line-feed counter, made on first use; null where WebAssembly or SIMD is missing (`--jitless`). */
export function simdCounter(): ((bytes: Uint8Array, from: number, to: number) => number) | null {
  return simdFunctions()?.count ?? null;
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
