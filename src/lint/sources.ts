/**
 * Where file contents come from: the working tree, or the git index (for `--staged`, so a
 * pre-commit check lints what will be committed, not what happens to be on disk).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, fstatSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { ALWAYS_IGNORED, CONFIG_FILE } from '../protocol/config.js';
import { changedLines } from './changed-lines.js';

/** The bytes of a file, or why they could not be had. */
export type ReadResult = { ok: true; buffer?: Buffer; size?: number; shared?: boolean } | { ok: false; reason: string };

/** A tree of files. Paths are root-relative and POSIX. */
export interface FileSource {
  /** Every file under `folder` (default: the whole root), minus ignored paths and nested roots. */
  walk(folder?: string): Promise<string[]>;
  /** The names in a folder, or undefined when there is no such folder. */
  listDir(folder: string): string[] | undefined;
  isDirectory(path: string): boolean;
  exists(path: string): boolean;
  /** Reads a file; files over `limit` bytes are not read (their size is returned). */
  read(path: string, limit: number): ReadResult;
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

/** Files on disk under the root. Symbolic links are never followed out of the root. */
export class WorkingTreeSource implements FileSource {
  private listings = new Map<string, string[] | undefined>();
  /** Paths the walk saw as regular files (not links, FIFOs or devices): read without the extra checks. */
  private regularFiles = new Set<string>();
  /** One read buffer reused for every file, so reading 12,000 files does not allocate 12,000 buffers. */
  private scratch = Buffer.allocUnsafe(1024 * 1024);

  constructor(
    readonly root: string,
    private readonly ignores: string[],
    /** Bytes the caller has already read, by path: served instead of reading the file again. */
    private readonly provided: Map<string, Buffer> = new Map(),
  ) {}

  async walk(folder = ''): Promise<string[]> {
    // fast-glob is loaded only by whole-folder runs; a hook linting one file never needs it.
    const { default: fastGlob } = await import('fast-glob');
    const entries = fastGlob.sync(folder === '' ? '**/*' : `${fastGlob.escapePath(folder)}/**/*`, {
      cwd: this.root,
      dot: false,
      onlyFiles: false,
      followSymbolicLinks: false,
      objectMode: true,
      ignore: [...ALWAYS_IGNORED, ...this.ignores],
      suppressErrors: true,
    });
    const nestedRoots: string[] = [];
    const files: string[] = [];
    for (const entry of entries) {
      if (entry.dirent.isDirectory()) {
        if (entry.dirent.name !== '' && this.isNestedRoot(entry.path)) nestedRoots.push(entry.path + '/');
        continue;
      }
      if (entry.dirent.isFile()) this.regularFiles.add(entry.path);
      files.push(entry.path);
    }
    // A folder with its own config file is a separate root (like the examples); skip it.
    const kept = nestedRoots.length === 0 ? files : files.filter((file) => !nestedRoots.some((nested) => file.startsWith(nested)));
    return kept.sort();
  }

  private isNestedRoot(folder: string): boolean {
    try {
      statSync(join(this.root, folder, CONFIG_FILE));
      return true;
    } catch {
      return false;
    }
  }

  listDir(folder: string): string[] | undefined {
    if (this.listings.has(folder)) return this.listings.get(folder);
    let names: string[] | undefined;
    try {
      names = readdirSync(join(this.root, folder)).sort();
    } catch {
      names = undefined;
    }
    this.listings.set(folder, names);
    return names;
  }

  isDirectory(path: string): boolean {
    try {
      return statSync(join(this.root, path)).isDirectory();
    } catch {
      return false;
    }
  }

  exists(path: string): boolean {
    try {
      statSync(join(this.root, path));
      return true;
    } catch {
      return false;
    }
  }

  read(path: string, limit: number): ReadResult {
    const absolute = join(this.root, path);
    const given = this.provided.get(path);
    if (given !== undefined && isRegularFile(absolute)) {
      return given.length > limit ? { ok: true, size: given.length } : { ok: true, buffer: given, size: given.length };
    }
    if (this.regularFiles.has(path)) return this.readRegular(absolute, limit);
    let target = absolute;
    try {
      const link = lstatSync(absolute);
      if (link.isSymbolicLink()) {
        try {
          target = realpathSync(absolute);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ELOOP') return { ok: false, reason: 'Skipped: the symbolic link loops; point it at a real file' };
          return { ok: false, reason: 'Skipped: the symbolic link points at nothing; point it at a real file or remove it' };
        }
        const realRoot = realpathSync(this.root);
        const inside = relative(realRoot, target);
        if (inside.startsWith('..') || inside === '' || /^[A-Za-z]:/.test(inside) || inside.startsWith(sep)) {
          return { ok: false, reason: 'Skipped: the symbolic link leaves the root; protocol files must live inside it' };
        }
      }
    } catch (error) {
      return { ok: false, reason: `Skipped: the file cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
    }
    // Refuse FIFOs, sockets and devices before opening: opening a FIFO would block forever.
    try {
      if (!statSync(target).isFile()) return { ok: false, reason: 'Skipped: not a regular file' };
    } catch (error) {
      return { ok: false, reason: `Skipped: the file cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
    }
    return this.readRegular(target, limit);
  }

  /**
   * Reads a regular file into the shared scratch buffer. The returned buffer (marked `shared`)
   * is valid until the next read: callers decode it at once and keep the text, not the bytes.
   */
  private readRegular(target: string, limit: number): ReadResult {
    let fd: number;
    try {
      fd = openSync(target, 'r');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? 'error');
      return { ok: false, reason: `Skipped: the file cannot be read (${why}); fix its permissions` };
    }
    try {
      const stats = fstatSync(fd);
      if (!stats.isFile()) return { ok: false, reason: 'Skipped: not a regular file' };
      if (stats.size > limit) return { ok: true, size: stats.size };
      if (stats.size > this.scratch.length) this.scratch = Buffer.allocUnsafe(Math.max(stats.size, this.scratch.length * 2));
      const buffer = this.scratch;
      let offset = 0;
      while (offset < stats.size) {
        const count = readSync(fd, buffer, offset, stats.size - offset, offset);
        if (count === 0) break;
        offset += count;
      }
      return { ok: true, buffer: buffer.subarray(0, offset), size: offset, shared: true };
    } catch (error) {
      return { ok: false, reason: `Skipped: the file cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
    } finally {
      closeSync(fd);
    }
  }
}

function isRegularFile(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}

/** Thrown when git cannot answer; the CLI turns it into exit 2. */
export class GitError extends Error {}

function git(root: string, args: string[], input?: string): Buffer {
  const result = spawnSync('git', args, { cwd: root, input, maxBuffer: 1024 * 1024 * 1024 });
  if (result.error) throw new GitError(`git could not be run: ${result.error.message}`);
  if (result.status !== 0) throw new GitError(`git ${args[0]} failed: ${result.stderr.toString().trim()}`);
  return result.stdout;
}

/** The files staged in git's index, with their staged content. */
export class GitIndexSource implements FileSource {
  /** The full index listing, made only when a rule asks about folders (a queue-only commit never does). */
  private listing?: { paths: string[]; pathSet: Set<string>; folders: Map<string, Set<string>> };
  private modes = new Map<string, string>();
  private cache = new Map<string, Buffer | undefined>();
  /** HEAD's copies of the staged queue files, to compare with the staged ones. */
  private heads = new Map<string, Buffer | undefined>();

  constructor(readonly root: string) {}

  private list() {
    if (this.listing) return this.listing;
    const output = git(this.root, ['ls-files', '-s', '-z', '--', '.']).toString();
    const paths: string[] = [];
    const folders = new Map<string, Set<string>>();
    for (const record of output.split('\0')) {
      if (record === '') continue;
      const tab = record.indexOf('\t');
      const path = record.slice(tab + 1);
      paths.push(path);
      this.modes.set(path, record.slice(0, 6));
      // Add the path to its folder, then each folder to its parent until one is already known.
      for (let child = path; ; ) {
        const slash = child.lastIndexOf('/');
        const folder = slash === -1 ? '' : child.slice(0, slash);
        let names = folders.get(folder);
        const known = names !== undefined;
        if (!names) folders.set(folder, (names = new Set()));
        names.add(slash === -1 ? child : child.slice(slash + 1));
        if (known || slash === -1) break;
        child = folder;
      }
    }
    this.listing = { paths, pathSet: new Set(paths), folders };
    return this.listing;
  }

  /** The staged paths (added, copied, modified, renamed) relative to the root; their modes come with them. */
  stagedChanges(): string[] {
    // `--raw -z` gives `:oldmode newmode oldsha newsha status\0path\0` (two paths for renames and copies).
    const fields = git(this.root, ['diff', '--cached', '--raw', '-z', '--diff-filter=ACMR', '--relative', '--', '.']).toString().split('\0');
    const paths: string[] = [];
    for (let index = 0; index < fields.length; index++) {
      const header = fields[index]!;
      if (!header.startsWith(':')) continue;
      const status = header.split(' ')[4] ?? '';
      const path = status.startsWith('R') || status.startsWith('C') ? fields[(index += 2)]! : fields[(index += 1)]!;
      if (path === undefined) break;
      this.modes.set(path, header.slice(8, 14));
      paths.push(path);
    }
    return paths;
  }

  /**
   * The 1-based lines each staged file adds or changes against HEAD (see changed-lines.ts:
   * comparing the two blobs is faster than git's line diff of a 50,000-line queue); undefined
   * for a file new to the commit or changed in too many places, which is linted whole.
   */
  stagedLines(paths: string[]): Map<string, number[] | undefined> {
    const lines = new Map<string, number[] | undefined>();
    this.preload(paths, paths);
    paths.forEach((path) => {
      const staged = this.cache.get(path);
      const head = this.heads.get(path);
      lines.set(path, staged === undefined || head === undefined ? undefined : changedLines(head, staged).lines);
    });
    return lines;
  }

  /** The bytes of many objects with one `git cat-file --batch`; undefined for missing ones. */
  private blobs(names: string[]): (Buffer | undefined)[] {
    if (names.length === 0) return [];
    const output = git(this.root, ['cat-file', '--batch'], names.join('\n') + '\n');
    const blobs: (Buffer | undefined)[] = [];
    let offset = 0;
    for (let index = 0; index < names.length; index++) {
      const headerEnd = output.indexOf(10, offset);
      const header = output.subarray(offset, headerEnd).toString();
      offset = headerEnd + 1;
      if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
        blobs.push(undefined);
        continue;
      }
      const size = Number(header.split(' ')[2]);
      blobs.push(output.subarray(offset, offset + size));
      offset += size + 1;
    }
    return blobs;
  }

  async walk(folder = ''): Promise<string[]> {
    return this.list().paths.filter((path) => folder === '' || path.startsWith(folder + '/')).sort();
  }

  listDir(folder: string): string[] | undefined {
    const names = this.list().folders.get(folder);
    return names ? [...names].sort() : undefined;
  }

  isDirectory(path: string): boolean {
    return this.list().folders.has(path);
  }

  exists(path: string): boolean {
    const listing = this.list();
    return listing.folders.has(path) || listing.pathSet.has(path);
  }

  /**
   * Reads many staged files (and HEAD's copies of `withHead`) with one `git cat-file --batch`.
   * Modes come from `stagedChanges` for staged files; a file read only as the other half of a
   * cross-file check is read as its blob without a mode check.
   */
  preload(paths: string[], withHead: string[] = []): void {
    const wanted = [...new Set(paths)].filter((path) => !this.cache.has(path) && this.modes.get(path) !== '120000');
    const heads = withHead.filter((path) => !this.heads.has(path));
    if (wanted.length === 0 && heads.length === 0) return;
    // `:./path` names the staged blob of a path relative to the working directory (the root).
    const contents = this.blobs([...wanted.map((path) => `:./${path}`), ...heads.map((path) => `HEAD:./${path}`)]);
    wanted.forEach((path, index) => this.cache.set(path, contents[index]));
    heads.forEach((path, index) => this.heads.set(path, contents[wanted.length + index]));
  }

  read(path: string, limit: number): ReadResult {
    if (this.modes.get(path) === '120000') return { ok: false, reason: 'Skipped: a symbolic link is committed here; commit the file itself' };
    if (!this.cache.has(path)) this.preload([path]);
    const buffer = this.cache.get(path);
    if (buffer === undefined) return { ok: false, reason: 'Skipped: the file is not in the index' };
    if (buffer.length > limit) return { ok: true, size: buffer.length };
    return { ok: true, buffer, size: buffer.length };
  }
}

/** The git work-tree root of a directory, or undefined outside git. */
export function gitTopLevel(dir: string): string | undefined {
  try {
    return toPosix(execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim());
  } catch {
    return undefined;
  }
}
