/**
 * The paths and modes in git's index, read from the index file itself (`--staged` asks
 * which files a commit holds for every folder check: 12,000 entries through a pipe cost a
 * `git ls-files` process and its output, about 50 ms; the file reads in a few).
 *
 * Only the plain formats are read: versions 2, 3 and 4 of `gitformat-index(5)`, SHA-1 or
 * SHA-256 object names. The trailing checksum is not checked, as git does not check it when it
 * reads an index (only `git fsck` does); a header git refuses fails the `git diff --cached`
 * every `--staged` run starts, and the run with it. Anything else (a split index, a
 * sparse index, an environment that redirects git, a file that is not what it should be)
 * returns undefined and the caller asks `git ls-files`, which knows every case. The reader
 * never writes. A library (isomorphic-git) reads indexes too, but loading it costs more
 * than the process it would save.
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, statSync, type BigIntStats } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { readFully } from '../protocol/byte-source.js';

/** The staged paths (relative to the work tree's top, in index order) and which are symbolic links. */
export interface IndexEntries {
  paths: string[];
  symlinks: Set<string>;
}

/** Where a directory's repository keeps its index, and the top of its work tree. */
export interface IndexLocation {
  indexFile: string;
  top: string;
  hashBytes: 20 | 32;
  /** The repository's git directory, and the one shared by its worktrees (they differ in a linked worktree). */
  gitDir: string;
  commonDir: string;
}

/**
 * Finds the index of the repository holding `dir` the way git does, from the `.git` entry
 * (a directory, or a `gitdir:` file in worktrees and submodules). Undefined when git must be
 * asked instead: `GIT_DIR` or `GIT_WORK_TREE` set, or unusual files.
 */
export function locateIndex(dir: string, env: NodeJS.ProcessEnv = process.env): IndexLocation | undefined {
  if (env.GIT_DIR !== undefined || env.GIT_WORK_TREE !== undefined || env.GIT_COMMON_DIR !== undefined) return undefined;
  for (let current = resolve(dir); ; current = dirname(current)) {
    const dotGit = join(current, '.git');
    let gitDir: string;
    try {
      if (statSync(dotGit).isDirectory()) {
        gitDir = dotGit;
      } else {
        const match = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotGit, 'utf8'));
        if (!match) return undefined;
        gitDir = resolve(current, match[1]!);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(current) === current) return undefined;
      continue;
    }
    const commonDir = commonDirOf(gitDir);
    const hashBytes = objectFormat(commonDir);
    if (hashBytes === undefined) return undefined;
    // git runs hooks with GIT_INDEX_FILE set when the commit uses a temporary index (`commit -a`).
    const indexFile = env.GIT_INDEX_FILE ? resolve(env.GIT_INDEX_FILE) : join(gitDir, 'index');
    return { indexFile, top: current, hashBytes, gitDir, commonDir };
  }
}

/** The git directory shared by a linked worktree and its main one (the same directory elsewhere). */
function commonDirOf(gitDir: string): string {
  try {
    return resolve(gitDir, readFileSync(join(gitDir, 'commondir'), 'utf8').trim());
  } catch {
    return gitDir;
  }
}

/** The object name length of a repository (20 bytes for SHA-1, 32 for SHA-256); undefined when unsure. */
function objectFormat(commonDir: string): 20 | 32 | undefined {
  let config: string;
  try {
    config = readFileSync(join(commonDir, 'config'), 'utf8');
  } catch {
    return undefined;
  }
  const match = /^\s*objectformat\s*=\s*(\S+)/im.exec(config);
  if (!match) return 20;
  const format = match[1]!.toLowerCase();
  return format === 'sha1' ? 20 : format === 'sha256' ? 32 : undefined;
}

/** An index file's bytes with its header read; undefined when it is not one. */
function openIndex(location: IndexLocation): { bytes: Buffer; version: number; count: number; body: number; mtimeNs: bigint } | undefined {
  let bytes: Buffer;
  let mtimeNs: bigint;
  try {
    const fd = openSync(location.indexFile, 'r');
    try {
      const stats = fstatSync(fd, { bigint: true });
      mtimeNs = stats.mtimeNs;
      bytes = Buffer.allocUnsafe(Number(stats.size));
      if (readFully(fd, bytes, bytes.length, 0) !== bytes.length) return undefined;
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const { hashBytes } = location;
  if (bytes.length < 12 + hashBytes || bytes.toString('latin1', 0, 4) !== 'DIRC') return undefined;
  const version = bytes.readUInt32BE(4);
  if (version < 2 || version > 4) return undefined;
  return { bytes, version, count: bytes.readUInt32BE(8), body: bytes.length - hashBytes, mtimeNs };
}

/**
 * Whether the extensions after the entries (from `offset`) are ones this reader may skip: a
 * four-letter signature, then a length. Upper-case first letters are optional caches; a
 * lower-case one (split index `link`, sparse `sdir`) changes the meaning.
 */
function onlyOptionalExtensions(bytes: Buffer, offset: number, body: number): boolean {
  while (offset + 8 <= body) {
    const first = bytes[offset]!;
    if (first >= 0x61 && first <= 0x7a) return false;
    offset += 8 + bytes.readUInt32BE(offset + 4);
  }
  return offset === body;
}

/**
 * The fixed part of the entry at `start`: its file type (`0o10` file, `0o12` link, `0o16`
 * submodule), its flags, and where its name begins; undefined when the entry is not one this
 * reader vouches for.
 */
function entryHead(bytes: Buffer, start: number, hashBytes: number, version: number, body: number): { type: number; flags: number; name: number } | undefined {
  // ctime, mtime, dev, ino (32 bytes), then mode, uid, gid, size, the object name and the flags.
  if (start + 40 + hashBytes + 2 > body) return undefined;
  // Plain byte arithmetic: Buffer's checked readers cost more than the rest of the loop. The
  // type is the top four bits of the mode's low half; a sparse index stores whole folders as
  // entries (040000): leave those to git.
  const type = bytes[start + 26]! >>> 4;
  if (type !== 0o10 && type !== 0o12 && type !== 0o16) return undefined;
  const flags = (bytes[start + 40 + hashBytes]! << 8) | bytes[start + 41 + hashBytes]!;
  let name = start + 40 + hashBytes + 2;
  if (flags & 0x4000) {
    // Extended flags exist from version 3 on.
    if (version < 3) return undefined;
    name += 2;
  }
  return { type, flags, name };
}

/**
 * The entries of an index file, or undefined when it is not a plain index this reader
 * vouches for (the caller then asks git). A path listed at several merge stages is listed once.
 */
export function readIndexEntries(location: IndexLocation): IndexEntries | undefined {
  const file = openIndex(location);
  if (!file) return undefined;
  const { bytes, version, count, body } = file;
  const { hashBytes } = location;
  const paths: string[] = [];
  const symlinks = new Set<string>();
  let offset = 12;
  let previous: Buffer = Buffer.alloc(0);
  for (let index = 0; index < count; index++) {
    const start = offset;
    const head = entryHead(bytes, start, hashBytes, version, body);
    if (!head) return undefined;
    offset = head.name;
    let path: string;
    if (version === 4) {
      // The name is the previous one minus N trailing bytes, plus a NUL-terminated suffix.
      // git's varint: 7 bits a byte, high bit "more", and each continuation adds one first.
      let byte = bytes[offset++]!;
      let strip = byte & 0x7f;
      while (byte & 0x80 && offset < body) {
        byte = bytes[offset++]!;
        strip = ((strip + 1) << 7) | (byte & 0x7f);
      }
      const end = bytes.indexOf(0, offset);
      if (end === -1 || end >= body || strip > previous.length) return undefined;
      previous = Buffer.concat([previous.subarray(0, previous.length - strip), bytes.subarray(offset, end)]);
      path = previous.toString('utf8');
      offset = end + 1;
    } else {
      const end = bytes.indexOf(0, offset);
      if (end === -1 || end >= body) return undefined;
      path = bytes.toString('utf8', offset, end);
      // Entries are padded with 1–8 NULs to a multiple of 8 bytes.
      offset = start + ((end - start + 8) & ~7);
    }
    // A path in conflict is listed once per merge stage; list it once.
    if (paths.length > 0 && paths[paths.length - 1] === path) continue;
    paths.push(path);
    if (head.type === 0o12) symlinks.add(path);
  }
  return onlyOptionalExtensions(bytes, offset, body) ? { paths, symlinks } : undefined;
}

/**
 * The staged entries under `root`, with paths relative to it, read from the index file;
 * undefined when the caller must ask git.
 */
export function indexEntriesUnder(root: string, env: NodeJS.ProcessEnv = process.env, location = locateIndex(root, env)): IndexEntries | undefined {
  if (!location) return undefined;
  const inside = relative(location.top, resolve(root));
  if (inside.startsWith('..') || isAbsolute(inside)) return undefined;
  const entries = readIndexEntries(location);
  if (!entries || inside === '') return entries;
  const prefix = inside.split(sep).join('/') + '/';
  const paths = entries.paths.filter((path) => path.startsWith(prefix)).map((path) => path.slice(prefix.length));
  const symlinks = new Set([...entries.symlinks].filter((path) => path.startsWith(prefix)).map((path) => path.slice(prefix.length)));
  return { paths, symlinks };
}

/** The questions `--staged` asks of the index listing (paths relative to the root). */
export interface IndexListing {
  /** Whether a file is staged at this path. */
  has(path: string): boolean;
  /** Whether staged files lie under this folder. */
  isDirectory(path: string): boolean;
  /** The names directly in a folder (files and subfolders), sorted; undefined when none. */
  listDir(folder: string): string[] | undefined;
  isSymlink(path: string): boolean;
  /** Every staged path, sorted. */
  paths(): string[];
  /**
   * Whether the working-tree file `stats` describes is, by git's own stat check, the one the
   * entry at `path` was staged from, and the entry's object is `object`. False when unsure
   * (the caller then hashes the file); not offered by listings without stat data.
   */
  statClean?(path: string, object: string, stats: BigIntStats): boolean;
  /** The object a path is staged as (merge stage 0); undefined when none, or not offered. */
  entryObject?(path: string): string | undefined;
  /**
   * The longest path starting with `prefix`, in bytes; 0 when none does. Bounds the spellings
   * of a numbered name (`plan/task-` + digits) to those that could be staged.
   */
  longestUnder(prefix: string): number;
}

/** A listing over path strings (a version 4 index, or `git ls-files`), searched by binary search. */
export class PathListing implements IndexListing {
  private readonly sorted: string[];

  constructor(
    paths: string[],
    private readonly symlinks: Set<string>,
  ) {
    // Byte order (git's) and JavaScript's string order differ around characters outside the BMP.
    this.sorted = paths.every((path, index) => index === 0 || paths[index - 1]! <= path) ? paths : [...paths].sort();
  }

  longestUnder(prefix: string): number {
    let longest = 0;
    for (let index = this.lowerBound(prefix); index < this.sorted.length && this.sorted[index]!.startsWith(prefix); index++) {
      longest = Math.max(longest, Buffer.byteLength(this.sorted[index]!));
    }
    return longest;
  }

  private lowerBound(key: string): number {
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.sorted[middle]! < key) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  has(path: string): boolean {
    return this.sorted[this.lowerBound(path)] === path;
  }

  isDirectory(path: string): boolean {
    return path === '' || (this.sorted[this.lowerBound(path + '/')]?.startsWith(path + '/') ?? false);
  }

  listDir(folder: string): string[] | undefined {
    const prefix = folder === '' ? '' : folder + '/';
    const names = new Set<string>();
    for (let index = this.lowerBound(prefix); index < this.sorted.length; index++) {
      const path = this.sorted[index]!;
      if (!path.startsWith(prefix)) break;
      const slash = path.indexOf('/', prefix.length);
      names.add(slash === -1 ? path.slice(prefix.length) : path.slice(prefix.length, slash));
    }
    return names.size > 0 ? [...names].sort() : undefined;
  }

  isSymlink(path: string): boolean {
    return this.symlinks.has(path);
  }

  paths(): string[] {
    return this.sorted;
  }
}

/**
 * A listing over the raw bytes of a version 2 or 3 index: each entry's name is located once
 * (its length is in the entry), and a string is made only for what a question needs. A commit
 * of five files asks a few dozen questions of 12,000 entries: binary searches comparing bytes,
 * in git's own byte order.
 */
export class RawIndexListing implements IndexListing {
  private constructor(
    private readonly bytes: Buffer,
    private readonly entryStart: Int32Array,
    private readonly nameStart: Int32Array,
    private readonly nameEnd: Int32Array,
    private readonly symlinkEntries: Uint8Array,
    private readonly count: number,
    /** The root's path inside the work tree, with a trailing slash ('' at the top). */
    private readonly prefix: string,
    private readonly hashBytes: number,
    /** When the index file was written (git's "racily clean" test compares entries with it). */
    private readonly writtenNs: bigint,
  ) {}

  /** Reads a version 2 or 3 index; undefined for anything else (the caller reads it another way). */
  static read(location: IndexLocation, prefix: string): RawIndexListing | undefined {
    const file = openIndex(location);
    if (!file || file.version === 4) return undefined;
    const { bytes, version, count, body } = file;
    const { hashBytes } = location;
    const entryStart = new Int32Array(count);
    const nameStart = new Int32Array(count);
    const nameEnd = new Int32Array(count);
    const symlinks = new Uint8Array(count);
    // `entryHead`'s checks, written into the loop: in a process that lives 0.2 s this loop runs
    // mostly unoptimized, and a call returning an object per entry made it 14 ms instead of 4
    // for 12,000 entries.
    const fixed = 40 + hashBytes;
    let offset = 12;
    for (let index = 0; index < count; index++) {
      const start = offset;
      if (start + fixed + 2 > body) return undefined;
      const type = bytes[start + 26]! >>> 4;
      if (type !== 0o10 && type !== 0o12 && type !== 0o16) return undefined;
      const flags = (bytes[start + fixed]! << 8) | bytes[start + fixed + 1]!;
      let name = start + fixed + 2;
      if ((flags & 0x4000) !== 0) {
        if (version < 3) return undefined;
        name += 2;
      }
      const length = flags & 0xfff;
      const end = length < 0xfff ? name + length : bytes.indexOf(0, name);
      if (end === -1 || end >= body || bytes[end] !== 0) return undefined;
      entryStart[index] = start;
      nameStart[index] = name;
      nameEnd[index] = end;
      symlinks[index] = type === 0o12 ? 1 : 0;
      offset = start + ((end - start + 8) & ~7);
    }
    if (!onlyOptionalExtensions(bytes, offset, body)) return undefined;
    return new RawIndexListing(bytes, entryStart, nameStart, nameEnd, symlinks, count, prefix, hashBytes, file.mtimeNs);
  }

  /** Compares entry `index`'s name with `key` (bytes): negative, zero or positive. */
  private compare(index: number, key: Buffer): number {
    return this.bytes.compare(key, 0, key.length, this.nameStart[index]!, this.nameEnd[index]!);
  }

  private lowerBound(key: Buffer): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.compare(middle, key) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private startsWith(index: number, key: Buffer): boolean {
    const start = this.nameStart[index]!;
    return this.nameEnd[index]! - start >= key.length && this.bytes.compare(key, 0, key.length, start, start + key.length) === 0;
  }

  private key(path: string): Buffer {
    return Buffer.from(this.prefix + path, 'utf8');
  }

  private indexOf(path: string): number {
    const key = this.key(path);
    const index = this.lowerBound(key);
    return index < this.count && this.compare(index, key) === 0 ? index : -1;
  }

  has(path: string): boolean {
    return this.indexOf(path) !== -1;
  }

  entryObject(path: string): string | undefined {
    const index = this.indexOf(path);
    if (index === -1) return undefined;
    const at = this.entryStart[index]!;
    if (((this.bytes[at + 40 + this.hashBytes]! >>> 4) & 0x3) !== 0) return undefined;
    return this.bytes.toString('hex', at + 40, at + 40 + this.hashBytes);
  }

  statClean(path: string, object: string, stats: BigIntStats): boolean {
    const index = this.indexOf(path);
    if (index === -1) return false;
    const at = this.entryStart[index]!;
    const field = (offset: number) => this.bytes.readUInt32BE(at + offset);
    const low = (value: bigint) => Number(value & 0xffffffffn);
    const seconds = (ns: bigint) => low(ns / 1_000_000_000n);
    const nanos = (ns: bigint) => Number(ns % 1_000_000_000n);
    // ctime, mtime (seconds, nanoseconds), then dev (git leaves it out), ino, mode, uid, gid and
    // size, all kept as their low 32 bits. A git built without nanoseconds keeps 0: no match.
    const same =
      field(0) === seconds(stats.ctimeNs) &&
      field(4) === nanos(stats.ctimeNs) &&
      field(8) === seconds(stats.mtimeNs) &&
      field(12) === nanos(stats.mtimeNs) &&
      field(20) === low(stats.ino) &&
      field(28) === low(stats.uid) &&
      field(32) === low(stats.gid) &&
      field(36) === low(stats.size) &&
      (stats.mode & 0o170000n) === 0o100000n &&
      this.bytes[at + 26]! >>> 4 === 0o10;
    if (!same) return false;
    // Only stage 0 (a path in conflict is not clean), and the object the caller expects.
    if (((this.bytes[at + 40 + this.hashBytes]! >>> 4) & 0x3) !== 0) return false;
    if (this.bytes.toString('hex', at + 40, at + 40 + this.hashBytes) !== object) return false;
    // Racily clean: written in the same instant as the index, the file may have changed after
    // git looked at it without its time changing. git hashes such a file; so does the caller.
    const entryNs = BigInt(field(8)) * 1_000_000_000n + BigInt(field(12));
    return entryNs < this.writtenNs;
  }

  longestUnder(prefix: string): number {
    const key = this.key(prefix);
    const start = this.lowerBound(key);
    // The names with a prefix end where the prefix with its last byte raised by one would
    // start: a second search, then lengths only, never a name's bytes.
    let end = this.count;
    if (key.length > 0 && key[key.length - 1]! < 0xff) {
      const after = Buffer.from(key);
      after[after.length - 1]!++;
      end = this.lowerBound(after);
    } else if (key.length > 0) {
      for (end = start; end < this.count && this.startsWith(end, key); end++);
    }
    let longest = 0;
    for (let index = start; index < end; index++) longest = Math.max(longest, this.nameEnd[index]! - this.nameStart[index]!);
    return longest === 0 ? 0 : longest - Buffer.byteLength(this.prefix);
  }

  isDirectory(path: string): boolean {
    const key = this.key(path === '' ? '' : path + '/');
    const index = this.lowerBound(key);
    return index < this.count && this.startsWith(index, key);
  }

  listDir(folder: string): string[] | undefined {
    const key = this.key(folder === '' ? '' : folder + '/');
    const names: string[] = [];
    let index = this.lowerBound(key);
    while (index < this.count && this.startsWith(index, key)) {
      const start = this.nameStart[index]! + key.length;
      const end = this.nameEnd[index]!;
      const slash = this.bytes.indexOf(0x2f, start);
      if (slash !== -1 && slash < end) {
        // A subfolder: named once, and its entries skipped by one search (`0` follows `/`).
        const name = this.bytes.toString('utf8', start, slash);
        names.push(name);
        index = this.lowerBound(Buffer.concat([key, Buffer.from(name + '0', 'utf8')]));
        continue;
      }
      const name = this.bytes.toString('utf8', start, end);
      if (names[names.length - 1] !== name) names.push(name);
      index++;
    }
    return names.length > 0 ? [...new Set(names)].sort() : undefined;
  }

  isSymlink(path: string): boolean {
    const index = this.indexOf(path);
    return index !== -1 && this.symlinkEntries[index] === 1;
  }

  paths(): string[] {
    const key = this.key('');
    const paths: string[] = [];
    for (let index = this.lowerBound(key); index < this.count && this.startsWith(index, key); index++) {
      const path = this.bytes.toString('utf8', this.nameStart[index]! + key.length, this.nameEnd[index]!);
      if (paths[paths.length - 1] !== path) paths.push(path);
    }
    return paths.sort();
  }
}

/**
 * The index listing under `root`: raw for versions 2 and 3, parsed for version 4; undefined
 * when git must be asked.
 */
export function indexListing(root: string, env: NodeJS.ProcessEnv = process.env, location = locateIndex(root, env)): IndexListing | undefined {
  if (!location) return undefined;
  const inside = relative(location.top, resolve(root));
  if (inside.startsWith('..') || isAbsolute(inside)) return undefined;
  const prefix = inside === '' ? '' : inside.split(sep).join('/') + '/';
  const raw = RawIndexListing.read(location, prefix);
  if (raw) return raw;
  const entries = indexEntriesUnder(root, env, location);
  return entries && new PathListing(entries.paths, entries.symlinks);
}

/** The system config files git may read, where this platform's gits keep them. */
const SYSTEM_CONFIGS = ['/etc/gitconfig', '/usr/local/etc/gitconfig', '/opt/homebrew/etc/gitconfig'];

/**
 * Whether git may change a file's bytes between the working tree and the index: line-ending
 * conversion, a filter (Git LFS), `ident`, a working-tree encoding. These come from attributes
 * or config; any attributes file outside the work tree, any config that sets line endings,
 * names an attributes file or includes another file, or config given through the environment,
 * counts. (Attributes files inside the work tree are the caller's to check, per path.)
 * Cautious on purpose: a false "no" would lint the working copy in place of what is staged.
 */
export function conversionsConfigured(location: IndexLocation, env: NodeJS.ProcessEnv = process.env): boolean {
  // Git for Windows sets core.autocrlf in a system config kept beside git itself.
  if (process.platform === 'win32') return true;
  // Config given on git's command line or through the environment, or config files elsewhere.
  if (['GIT_CONFIG_PARAMETERS', 'GIT_CONFIG_COUNT', 'GIT_CONFIG', 'GIT_CONFIG_GLOBAL', 'GIT_CONFIG_SYSTEM'].some((name) => env[name])) return true;
  let home: string;
  try {
    home = env.HOME || homedir();
  } catch {
    return true;
  }
  const xdg = env.XDG_CONFIG_HOME || join(home, '.config');
  if (existsSync(join(location.commonDir, 'info', 'attributes')) || existsSync(join(xdg, 'git', 'attributes'))) return true;
  const configs = [join(location.commonDir, 'config'), join(location.gitDir, 'config.worktree'), join(home, '.gitconfig'), join(xdg, 'git', 'config')];
  if (!env.GIT_CONFIG_NOSYSTEM) configs.push(...SYSTEM_CONFIGS);
  for (const file of configs) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    if (/autocrlf|\beol\s*=|attributesfile|\binclude/i.test(text)) return true;
  }
  return false;
}

/** Whether a `.gitattributes` file in the work tree applies to `path` (relative to the top): the top's, or one in a folder on its way. */
export function attributesOnPath(top: string, path: string): boolean {
  let folder = '';
  for (const part of ['', ...path.split('/').slice(0, -1)]) {
    folder = part === '' ? folder : join(folder, part);
    if (existsSync(join(top, folder, '.gitattributes'))) return true;
  }
  return false;
}
