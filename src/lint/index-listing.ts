/**
 * The paths git's index holds under the root, as `git ls-files -s -z` lists them (started with
 * `git diff --cached` in the early shell, see staged-git.ts). `--staged` asks it which files a
 * commit holds for every folder check, and which object an unchanged queue is staged as.
 *
 * The answer is kept as git's bytes and only the entries asked about are decoded: a commit of
 * a few files asks a few dozen questions of a listing of 14,000 files, and decoding every entry
 * into strings cost more than the rest of the lint of those files. git lists the index in its
 * own order, the byte order of the paths, so a question is a binary search comparing bytes.
 */

import { indexOfByte, lastIndexOfByte } from '../protocol/byte-source.js';

/** The staged paths (relative to the root) as git listed them. */
export class IndexListing {
  private constructor(private readonly bytes: Buffer) {}

  /**
   * Takes `git ls-files -s -z` output: `<mode> <object> <stage>\t<path>\0` per entry, a path in
   * conflict once per stage. Nothing is parsed up front: an entry is found where it lies, by
   * the NULs around it (parsing the 14,000 entries of the bench's tree took 15–20 ms, longer
   * than all the lookups of a commit together).
   */
  static parse(output: Buffer): IndexListing {
    return new IndexListing(output);
  }

  /** The entry holding byte `at`: it starts after the NUL before `at`. */
  private entryAt(at: number): number {
    return at === 0 ? 0 : lastIndexOfByte(this.bytes, 0, at - 1) + 1;
  }

  /**
   * Where entry `start`'s path starts: after the tab that ends `<mode> <object> <stage>`, the
   * 50th byte with SHA-1 object names (6 + 1 + 40 + 1 + 1 before it), the 74th with SHA-256.
   */
  private pathStart(start: number): number {
    const bytes = this.bytes;
    if (bytes[start + 49] === 9) return start + 50;
    if (bytes[start + 73] === 9) return start + 74;
    const tab = indexOfByte(bytes, 9, start);
    return tab === -1 ? this.end(start) : tab + 1;
  }

  /** Where entry `start` ends: its NUL (or the end of the output). */
  private end(start: number): number {
    const nul = indexOfByte(this.bytes, 0, start);
    return nul === -1 ? this.bytes.length : nul;
  }

  /** The first entry (its start) whose path is not before `key` (UTF-8 bytes) in byte order; the output's length when none. */
  private lowerBound(key: Buffer): number {
    let low = 0;
    let high = this.bytes.length;
    // `low` is an entry's start, or `high`; every entry before `low` comes before the key, and none from `high` on.
    while (low < high) {
      const entry = this.entryAt((low + high) >>> 1);
      const from = this.pathStart(entry);
      const to = this.end(entry);
      // `compare` sets the entry's path against the key: negative when the path comes first.
      if (this.bytes.compare(key, 0, key.length, from, to) < 0) low = to + 1;
      else high = entry;
    }
    return Math.min(low, this.bytes.length);
  }

  /**
   * The entries whose paths start with `prefix` (bytes): from the start of the first to the
   * start of the first after them. They are one run in byte order, from the prefix itself up
   * to the prefix with its last byte raised by one (never 0xff in UTF-8), so two binary
   * searches find them and nothing in between is compared.
   */
  private range(prefix: Buffer): [number, number] {
    if (prefix.length === 0) return [0, this.bytes.length];
    const after = Buffer.from(prefix);
    after[after.length - 1]!++;
    return [this.lowerBound(prefix), this.lowerBound(after)];
  }

  /** Whether an entry starts at `start` and its path starts with `prefix` (bytes). */
  private startsWith(start: number, prefix: Buffer): boolean {
    if (start >= this.bytes.length) return false;
    const from = this.pathStart(start);
    return this.end(start) - from >= prefix.length && this.bytes.compare(prefix, 0, prefix.length, from, from + prefix.length) === 0;
  }

  /** Whether an entry starts at `start` with exactly the path `key` (bytes). */
  private is(start: number, key: Buffer): boolean {
    return start < this.bytes.length && this.end(start) - this.pathStart(start) === key.length && this.startsWith(start, key);
  }

  /** The object a path is staged as (merge stage 0); undefined when none. */
  objectOf(path: string): string | undefined {
    const key = Buffer.from(path);
    for (let start = this.lowerBound(key); this.is(start, key); start = this.end(start) + 1) {
      const tab = this.pathStart(start) - 1;
      // `<mode> <object> <stage>`: stage 0 is ` 0` just before the tab.
      if (this.bytes[tab - 1] !== 0x30 || this.bytes[tab - 2] !== 0x20) continue;
      const afterMode = indexOfByte(this.bytes, 0x20, start);
      if (afterMode === -1 || afterMode >= tab - 2) return undefined;
      return this.bytes.toString('latin1', afterMode + 1, tab - 2);
    }
    return undefined;
  }

  /** Whether any staged path starts with `prefix`: one binary search. */
  anyStartsWith(prefix: string): boolean {
    const key = Buffer.from(prefix);
    return this.startsWith(this.lowerBound(key), key);
  }

  /** Whether a file is staged at this path. */
  has(path: string): boolean {
    const key = Buffer.from(path);
    return this.is(this.lowerBound(key), key);
  }

  /** Whether staged files lie under this folder. */
  isDirectory(path: string): boolean {
    if (path === '') return true;
    const key = Buffer.from(`${path}/`);
    return this.startsWith(this.lowerBound(key), key);
  }

  /** The names directly in a folder (files and subfolders), sorted; undefined when none. */
  listDir(folder: string): string[] | undefined {
    const key = Buffer.from(folder === '' ? '' : `${folder}/`);
    const names = new Set<string>();
    const [first, end] = this.range(key);
    for (let start = first; start < end; start = this.end(start) + 1) {
      const from = this.pathStart(start) + key.length;
      const pathEnd = this.end(start);
      const slash = indexOfByte(this.bytes, 0x2f, from);
      names.add(this.bytes.toString('utf8', from, slash === -1 || slash > pathEnd ? pathEnd : slash));
    }
    return names.size > 0 ? [...names].sort() : undefined;
  }

  isSymlink(path: string): boolean {
    const key = Buffer.from(path);
    const start = this.lowerBound(key);
    return this.is(start, key) && this.bytes.toString('latin1', start, this.pathStart(start) - 1).startsWith('120000 ');
  }

  /** Every staged path, in git's order (a path in conflict once). */
  paths(): string[] {
    const paths: string[] = [];
    for (let start = 0; start < this.bytes.length; start = this.end(start) + 1) {
      const path = this.bytes.toString('utf8', this.pathStart(start), this.end(start));
      if (paths[paths.length - 1] !== path) paths.push(path);
    }
    return paths;
  }
}
