/**
 * Where file contents come from: the working tree, or the git index (`git-index-source.ts`,
 * for `--staged`, so a pre-commit check lints what will be committed, not what happens to be
 * on disk).
 */
import { closeSync, fstatSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ALWAYS_IGNORED, CONFIG_FILE } from '../protocol/config.js';
import { outsideRootReason } from '../protocol/inside-root.js';
import { debug } from '../debug.js';

/** The bytes of a file, or why they could not be had. */
export type ReadResult = { ok: true; buffer?: Buffer; size?: number } | { ok: false; reason: string };

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
  /** Why a walked path is a symbolic link leaving the root, when the source knows (reported by `file-unreadable`). */
  leavesRoot?(path: string): string | undefined;
}

/** Files on disk under the root. Symbolic links are never followed out of the root. */
export class WorkingTreeSource implements FileSource {
  private listings = new Map<string, string[] | undefined>();
  /** Paths the walk saw as regular files (not links, FIFOs or devices): read without the extra checks. */
  private regularFiles = new Set<string>();
  /** One read buffer reused for every file up to its size, so reading 12,000 files does not allocate 12,000 buffers. */
  private scratch = Buffer.allocUnsafe(1024 * 1024);
  /** Walked symbolic links that leave the root, with why. */
  private outsideLinks = new Map<string, string>();
  /** Folders holding their own config that the walks skipped (root-relative, no trailing slash). */
  readonly nestedRoots = new Set<string>();

  constructor(
    readonly root: string,
    private readonly ignores: string[],
  ) {}

  async walk(folder = ''): Promise<string[]> {
    // fast-glob is loaded only by whole-folder runs; a hook linting one file never needs it.
    const { default: fastGlob } = await import('fast-glob');
    if (this.ignores.length > 0) debug('config', () => `the walk of \`${folder === '' ? '.' : folder}\` skips what the config's \`ignores\` match: \`${this.ignores.join('`, `')}\``);
    const files: string[] = [];
    const nestedRoots: string[] = [];
    // Symbolic links are followed as relay follows them: into folders whose real location is
    // inside the root (each real folder entered once, so a loop ends), never out of it; a link
    // that leaves the root is kept as a file of its own, which `file-unreadable` reports.
    const entered = new Set<string>();
    const pending = [folder];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      this.walkOne(fastGlob, next, files, nestedRoots, (link) => {
        const real = realpathSync.native(join(this.root, link));
        if (entered.has(real)) {
          debug('path', `${link} leads to ${real}, already walked: not walked again`);
          return;
        }
        entered.add(real);
        pending.push(link);
      });
    }
    // A folder with its own config file is a separate root (like the examples): skipped here,
    // and named in `nestedRoots` so the CLI lints it under its own config.
    const kept = nestedRoots.length === 0 ? files : files.filter((file) => !nestedRoots.some((nested) => file.startsWith(nested)));
    return [...new Set(kept)].sort();
  }

  /** Why a walked path was a symbolic link leaving the root, or undefined (reported on the link by `file-unreadable`). */
  leavesRoot(path: string): string | undefined {
    return this.outsideLinks.get(path);
  }

  private walkOne(fastGlob: typeof import('fast-glob'), folder: string, files: string[], nestedRoots: string[], enterLink: (link: string) => void): void {
    const entries = fastGlob.sync(folder === '' ? '**/*' : `${fastGlob.escapePath(folder)}/**/*`, {
      cwd: this.root,
      dot: false,
      onlyFiles: false,
      followSymbolicLinks: false,
      objectMode: true,
      ignore: [...ALWAYS_IGNORED, ...this.ignores],
      suppressErrors: true,
    });
    for (const entry of entries) {
      if (entry.dirent.isDirectory()) {
        if (entry.dirent.name !== '' && this.isNestedRoot(entry.path)) {
          nestedRoots.push(entry.path + '/');
          // The outermost only: a root nested in a nested root is that root's to find.
          if (!nestedRoots.slice(0, -1).some((outer) => entry.path.startsWith(outer))) this.nestedRoots.add(entry.path);
        }
        continue;
      }
      if (entry.dirent.isSymbolicLink()) {
        const why = outsideRootReason(this.root, join(this.root, entry.path), entry.path);
        if (why !== undefined) this.outsideLinks.set(entry.path, why);
        else if (this.isDirectory(entry.path)) {
          if (this.isNestedRoot(entry.path)) nestedRoots.push(entry.path + '/');
          else enterLink(entry.path);
          continue;
        }
      }
      if (entry.dirent.isFile()) this.regularFiles.add(entry.path);
      files.push(entry.path);
    }
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
      // A folder reached through a link that leaves the root is not listed (its names are not the tree's).
      names = outsideRootReason(this.root, join(this.root, folder)) === undefined ? readdirSync(join(this.root, folder)).sort() : undefined;
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
    const target = this.regularFiles.has(path) ? join(this.root, path) : this.readableTarget(join(this.root, path));
    if (typeof target !== 'string') return target;
    return this.readRegular(target, limit);
  }

  /**
   * The regular file a path stands for (a symbolic link is followed only inside the root), or
   * why it cannot be read.
   */
  private readableTarget(absolute: string): string | { ok: false; reason: string } {
    let target = absolute;
    try {
      const link = lstatSync(absolute);
      if (link.isSymbolicLink()) {
        try {
          target = realpathSync.native(absolute);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ELOOP') return { ok: false, reason: 'Skipped: the symbolic link loops; point it at a real file' };
          return { ok: false, reason: 'Skipped: the symbolic link points at nothing; point it at a real file or remove it' };
        }
      }
      // Judged by its real location, so a link anywhere along the path counts (`h/.bashrc` with `h -> ~`).
      if (outsideRootReason(this.root, absolute) !== undefined) {
        return { ok: false, reason: 'Skipped: the symbolic link leaves the root; protocol files must live inside it' };
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
    return target;
  }

  /**
   * Reads a regular file into the shared scratch buffer. The returned buffer is valid until the
   * next read: callers decode it at once and keep the text, not the bytes.
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
      // A file larger than the scratch buffer (a queue) gets its own.
      const buffer = stats.size <= this.scratch.length ? this.scratch : Buffer.allocUnsafe(stats.size);
      let offset = 0;
      for (let count = 1; offset < stats.size && count > 0; offset += count) count = readSync(fd, buffer, offset, stats.size - offset, offset);
      return { ok: true, buffer: buffer.subarray(0, offset), size: offset };
    } catch (error) {
      return { ok: false, reason: `Skipped: the file cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
    } finally {
      closeSync(fd);
    }
  }
}

export { GitError } from './git-error.js';
