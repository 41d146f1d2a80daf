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

import { indexOfByte } from '../protocol/byte-source.js';

/** The staged paths (relative to the root) as git listed them. */
export class IndexListing {
  private constructor(
    private readonly bytes: Buffer,
    /** Per entry: where it starts (its mode), where its path starts (after the tab) and where it ends (the NUL). */
    private readonly starts: number[],
    private readonly pathStarts: number[],
    private readonly ends: number[],
  ) {}

  /** Takes `git ls-files -s -z` output: `<mode> <object> <stage>\t<path>\0` per entry, a path in conflict once per stage. */
  static parse(output: Buffer): IndexListing {
    const starts: number[] = [];
    const pathStarts: number[] = [];
    const ends: number[] = [];
    for (let start = 0; start < output.length; ) {
      let end = output.indexOf(0, start);
      if (end === -1) end = output.length;
      const tab = output.indexOf(9, start);
      if (tab !== -1 && tab < end) {
        starts.push(start);
        pathStarts.push(tab + 1);
        ends.push(end);
      }
      start = end + 1;
    }
    return new IndexListing(output, starts, pathStarts, ends);
  }

  /** The first entry whose path is not before `key` (UTF-8 bytes) in byte order. */
  private lowerBound(key: Buffer): number {
    let low = 0;
    let high = this.starts.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      // `compare` sets the entry's path against the key: negative when the path comes first.
      if (this.bytes.compare(key, 0, key.length, this.pathStarts[middle]!, this.ends[middle]!) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /**
   * The entries whose paths start with `prefix` (bytes): `[first, end)`. They are one run in
   * byte order, from the prefix itself up to the prefix with its last byte raised by one (never
   * 0xff in UTF-8), so two binary searches find them and nothing in between is compared.
   */
  private range(prefix: Buffer): [number, number] {
    if (prefix.length === 0) return [0, this.starts.length];
    const after = Buffer.from(prefix);
    after[after.length - 1]!++;
    return [this.lowerBound(prefix), this.lowerBound(after)];
  }

  /** Whether entry `index` exists and its path starts with `prefix` (bytes). */
  private startsWith(index: number, prefix: Buffer): boolean {
    if (index >= this.starts.length) return false;
    const from = this.pathStarts[index]!;
    return this.ends[index]! - from >= prefix.length && this.bytes.compare(prefix, 0, prefix.length, from, from + prefix.length) === 0;
  }

  /** Whether entry `index` has exactly the path `key` (bytes). */
  private is(index: number, key: Buffer): boolean {
    return index < this.starts.length && this.ends[index]! - this.pathStarts[index]! === key.length && this.startsWith(index, key);
  }

  /** The object a path is staged as (merge stage 0); undefined when none. */
  objectOf(path: string): string | undefined {
    const key = Buffer.from(path);
    for (let index = this.lowerBound(key); this.is(index, key); index++) {
      const start = this.starts[index]!;
      const tab = this.pathStarts[index]! - 1;
      // `<mode> <object> <stage>`: stage 0 is ` 0` just before the tab.
      if (this.bytes[tab - 1] !== 0x30 || this.bytes[tab - 2] !== 0x20) continue;
      const afterMode = this.bytes.indexOf(0x20, start);
      if (afterMode === -1 || afterMode >= tab - 2) return undefined;
      return this.bytes.toString('latin1', afterMode + 1, tab - 2);
    }
    return undefined;
  }

  /**
   * The longest path starting with `prefix`, in bytes; 0 when none does. Bounds the spellings
   * of a numbered name (`plan/task-` + digits) to those that could be staged.
   */
  longestUnder(prefix: string): number {
    const [first, end] = this.range(Buffer.from(prefix));
    let longest = 0;
    for (let index = first; index < end; index++) longest = Math.max(longest, this.ends[index]! - this.pathStarts[index]!);
    return longest;
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
    for (let index = first; index < end; index++) {
      const from = this.pathStarts[index]! + key.length;
      const pathEnd = this.ends[index]!;
      const slash = indexOfByte(this.bytes, 0x2f, from);
      names.add(this.bytes.toString('utf8', from, slash === -1 || slash > pathEnd ? pathEnd : slash));
    }
    return names.size > 0 ? [...names].sort() : undefined;
  }

  isSymlink(path: string): boolean {
    const key = Buffer.from(path);
    const index = this.lowerBound(key);
    return this.is(index, key) && this.bytes.toString('latin1', this.starts[index]!, this.pathStarts[index]! - 1).startsWith('120000 ');
  }

  /** Every staged path, in git's order (a path in conflict once). */
  paths(): string[] {
    const paths: string[] = [];
    for (let index = 0; index < this.starts.length; index++) {
      const path = this.bytes.toString('utf8', this.pathStarts[index]!, this.ends[index]!);
      if (paths[paths.length - 1] !== path) paths.push(path);
    }
    return paths;
  }
}
