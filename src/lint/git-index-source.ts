/**
 * The files a commit holds (`protocol-lint --staged`): the paths staged in git's index and
 * their staged bytes, which may differ from the working tree. git answers every question —
 * the staged changes (`git diff --cached --raw`), the index listing (`git ls-files -s`) and
 * the objects (`git cat-file --batch`, by object name) — so its index format, split and sparse
 * indexes, `GIT_INDEX_FILE`, worktrees, filters and line-ending conversions stay git's.
 * Paths and other arguments reach git as argument arrays, never inside a shell script.
 */
import { spawn, spawnSync } from 'node:child_process';
import { isAbsolute, resolve } from 'node:path';
import { GitError } from './git-error.js';
import type { FileSource, ReadResult } from './sources.js';

const SYMLINK = '120000';
/** `--raw -z` gives `:oldmode newmode oldname newname status\0path\0` (two paths for renames and copies). */
const DIFF_ARGS = ['diff', '--cached', '--raw', '-z', '--no-abbrev', '--no-ext-diff', '--diff-filter=ACMRTD', '--relative', '--', '.'];
/** `-s -z` gives `<mode> <object> <stage>\t<path>\0`, paths relative to the root, under it only. */
const LS_FILES_ARGS = ['ls-files', '-s', '-z', '--', '.'];

/**
 * The environment git runs in: this process's, with a relative `GIT_INDEX_FILE` (a hook's,
 * relative to where it runs) made absolute, as git runs in the root.
 */
function gitEnv(): NodeJS.ProcessEnv | undefined {
  const indexFile = process.env.GIT_INDEX_FILE;
  return indexFile && !isAbsolute(indexFile) ? { ...process.env, GIT_INDEX_FILE: resolve(indexFile) } : undefined;
}

/** Runs git to the end: its output, or a GitError with git's own complaint. */
function git(root: string, args: string[], input?: string): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('git', args, { cwd: root, env: gitEnv(), stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    const errors: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => errors.push(chunk));
    child.on('error', (error) => reject(new GitError(`git could not be run: ${error.message}`)));
    child.on('close', (code) => (code === 0 ? resolvePromise(Buffer.concat(chunks)) : reject(new GitError(gitFailure(root, args.slice(0, args[1]?.startsWith('--') ? 2 : 1).join(' '), Buffer.concat(errors).toString(), code)))));
    if (input !== undefined) {
      child.stdin!.on('error', () => {});
      child.stdin!.end(input);
    }
  });
}

/** What to say when git fails: git's own first complaint, not its usage text. */
function gitFailure(root: string, command: string, stderr: string, code: number | null): string {
  if (/not a git repository/i.test(stderr)) return `--staged lints what the next commit holds, and \`${root}\` is not inside a git repository`;
  const complaint = stderr.split('\n').find((line) => /^(fatal|error):/.test(line)) ?? stderr.split('\n').find((line) => line.trim() !== '');
  return `git ${command} failed: ${complaint?.trim() ?? `exit ${code}`}`;
}

/** One entry of the index listing. */
interface Entry {
  mode: string;
  object: string;
}

/** A staged change: the new mode and object, and HEAD's object (all zeros for a file new to the commit). */
interface Staged extends Entry {
  headObject: string;
}

/** Files from git's index, for `protocol-lint --staged`. */
export class GitIndexSource implements FileSource {
  private readonly answers: Promise<[Buffer, Buffer]>;
  private staged?: Map<string, Staged>;
  private deleted = new Set<string>();
  private entries = new Map<string, Entry>();
  private folders = new Map<string, Set<string>>();
  /** Staged bytes by path (undefined: not in the index). */
  private blobs = new Map<string, Buffer | undefined>();
  /** HEAD's bytes of the staged queue files, by path. */
  private heads = new Map<string, Buffer | undefined>();

  /** Starts asking git at once for the staged changes and the index listing, side by side. */
  constructor(readonly root: string) {
    // Both run at once; when both fail, ls-files says why more plainly (no repository, a damaged index).
    this.answers = Promise.allSettled([git(root, DIFF_ARGS), git(root, LS_FILES_ARGS)]).then(([diff, listing]) => {
      if (listing.status === 'rejected') throw listing.reason;
      if (diff.status === 'rejected') throw diff.reason;
      return [diff.value, listing.value];
    });
    this.answers.catch(() => {});
  }

  /** The staged paths (added, copied, modified, renamed, changed in type) relative to the root. */
  async stagedChanges(): Promise<string[]> {
    if (this.staged) return [...this.staged.keys()];
    const [diff, listing] = await this.answers;
    for (const record of listing.toString('utf8').split('\0')) {
      const tab = record.indexOf('\t');
      if (tab === -1) continue;
      const [mode = '', object = ''] = record.slice(0, tab).split(' ');
      const path = record.slice(tab + 1);
      this.entries.set(path, { mode, object });
      for (let slash = path.lastIndexOf('/'), name = path; ; slash = name.lastIndexOf('/')) {
        const folder = slash === -1 ? '' : name.slice(0, slash);
        let names = this.folders.get(folder);
        if (!names) this.folders.set(folder, (names = new Set()));
        const known = names.has(name.slice(slash + 1));
        names.add(name.slice(slash + 1));
        if (slash === -1 || known) break;
        name = folder;
      }
    }
    const fields = diff.toString('utf8').split('\0');
    const staged = new Map<string, Staged>();
    for (let index = 0; index < fields.length; index++) {
      const header = fields[index]!;
      if (!header.startsWith(':')) continue;
      const [, mode = '', headObject = '', object = '', status = ''] = header.slice(1).split(' ');
      const path = status.startsWith('R') || status.startsWith('C') ? fields[(index += 2)] : fields[(index += 1)];
      if (path === undefined) break;
      if (status === 'D') this.deleted.add(path);
      else staged.set(path, { mode, object, headObject });
    }
    this.staged = staged;
    return [...staged.keys()];
  }

  /**
   * Reads the staged bytes of `paths`, and HEAD's copies of those of `withHead` the commit
   * changes (to find the lines it adds), in one `git cat-file --batch` by object name.
   */
  async prepare(paths: string[], withHead: string[] = []): Promise<void> {
    await this.stagedChanges();
    const wanted: { path: string; object: string; into: Map<string, Buffer | undefined> }[] = [];
    for (const path of new Set(paths)) {
      if (this.blobs.has(path)) continue;
      const object = this.staged!.get(path)?.object ?? this.entries.get(path)?.object;
      if (object === undefined || this.deleted.has(path)) this.blobs.set(path, undefined);
      else wanted.push({ path, object, into: this.blobs });
    }
    for (const path of new Set(withHead)) {
      const object = this.staged!.get(path)?.headObject;
      if (object === undefined || this.heads.has(path)) continue;
      if (/^0+$/.test(object)) this.heads.set(path, undefined);
      else wanted.push({ path, object, into: this.heads });
    }
    if (wanted.length === 0) return;
    const output = await git(this.root, ['cat-file', '--batch'], wanted.map(({ object }) => `${object}\n`).join(''));
    let at = 0;
    for (const { path, into } of wanted) {
      const newline = output.indexOf(10, at);
      const header = output.toString('utf8', at, newline).split(' ');
      if (header[1] === 'missing' || header.length < 3) {
        into.set(path, undefined);
        at = newline + 1;
        continue;
      }
      const size = Number(header[2]);
      into.set(path, output.subarray(newline + 1, newline + 1 + size));
      at = newline + 1 + size + 1;
    }
  }

  /** HEAD's text of a staged queue file; undefined when it is new to the commit or was not asked for. */
  headText(path: string): string | undefined {
    return this.heads.get(path)?.toString('utf8');
  }

  listDir(folder: string): string[] | undefined {
    const names = this.folders.get(folder);
    return names === undefined ? undefined : [...names].sort();
  }

  async walk(folder = ''): Promise<string[]> {
    await this.stagedChanges();
    return [...this.entries.keys()].filter((path) => folder === '' || path.startsWith(folder + '/')).sort();
  }

  isDirectory(path: string): boolean {
    return this.folders.has(path);
  }

  exists(path: string): boolean {
    if (this.staged?.has(path)) return true;
    if (this.deleted.has(path)) return false;
    return this.entries.has(path) || this.folders.has(path);
  }

  read(path: string, limit: number): ReadResult {
    const mode = this.staged?.get(path)?.mode ?? this.entries.get(path)?.mode;
    if (mode === SYMLINK) return { ok: false, reason: 'Skipped: a symbolic link is committed here; commit the file itself' };
    if (!this.blobs.has(path)) {
      // Not prepared (a file a rule asked for late): read now, the slow way.
      const result = spawnSync('git', ['cat-file', 'blob', `:./${path}`], { cwd: this.root, env: gitEnv(), maxBuffer: 1024 * 1024 * 1024 });
      if (result.error) throw new GitError(`git could not be run: ${result.error.message}`);
      this.blobs.set(path, result.status === 0 ? result.stdout : undefined);
    }
    const bytes = this.blobs.get(path);
    if (bytes === undefined) return { ok: false, reason: 'Skipped: the file is not in the index' };
    return bytes.length > limit ? { ok: true, size: bytes.length } : { ok: true, buffer: bytes, size: bytes.length };
  }
}
