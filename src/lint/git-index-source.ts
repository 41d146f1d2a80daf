/**
 * The files a commit holds (`protocol-lint --staged`): the paths staged in git's index and
 * their staged bytes, which may differ from the working tree.
 *
 * A pre-commit check must feel instant, and a fleet's commit often touches both 50,000-item
 * queues, so the work is arranged around what costs:
 * - git is asked once for the staged changes (`diff --cached --raw`, with full object names),
 *   started before the lint engine loads so both proceed at once;
 * - HEAD's copies of the queue files (to find the lines a commit adds) are asked for at the
 *   same moment, in a second process, since inflating them is git's slowest part;
 * - a staged file's bytes come from the working tree when they hash to the staged object
 *   name (the usual case: `git add` then commit), else from `git cat-file`;
 * - the folder listing comes from the index file itself (see git-index.ts), else from
 *   `git ls-files`.
 * git always runs with argument arrays, never through a shell.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, lstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { BufferSource, type ByteSource } from '../protocol/byte-source.js';
import type { Layout } from '../protocol/layout.js';
import { changedLines } from './changed-lines.js';
import { indexEntriesUnder } from './git-index.js';
import { GitError, type FileSource, type ReadResult } from './sources.js';

const SYMLINK = '120000';

function gitSync(root: string, args: string[], input?: string): Buffer {
  const result = spawnSync('git', args, { cwd: root, input, maxBuffer: 1024 * 1024 * 1024 });
  if (result.error) throw new GitError(`git could not be run: ${result.error.message}`);
  if (result.status !== 0) throw new GitError(`git ${args[0]} failed: ${result.stderr.toString().trim()}`);
  return result.stdout;
}

/**
 * One object's bytes, for a name `git cat-file --batch` cannot take (a path with a line
 * break); undefined when there is no such object.
 */
function blobSync(root: string, name: string): Buffer | undefined {
  const result = spawnSync('git', ['cat-file', 'blob', name], { cwd: root, maxBuffer: 1024 * 1024 * 1024 });
  if (result.error) throw new GitError(`git could not be run: ${result.error.message}`);
  return result.status === 0 ? result.stdout : undefined;
}

/** Whether `git cat-file --batch` can take a name (it reads one name a line). */
const batchable = (name: string) => !name.includes('\n') && !name.includes('\r');

/** A git process running alongside; its output is collected as it comes. */
class GitProcess {
  readonly done: Promise<Buffer>;
  private child;

  constructor(root: string, args: string[], input?: string) {
    this.child = spawn('git', args, { cwd: root, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const child = this.child;
    this.done = new Promise<Buffer>((resolvePromise, reject) => {
      const chunks: Buffer[] = [];
      const errors: Buffer[] = [];
      child.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk));
      child.stderr!.on('data', (chunk: Buffer) => errors.push(chunk));
      child.on('error', (error) => reject(new GitError(`git could not be run: ${error.message}`)));
      child.on('close', (code, signal) => {
        if (code === 0) resolvePromise(Buffer.concat(chunks));
        else reject(new GitError(`git ${args[0]} failed: ${Buffer.concat(errors).toString().trim() || `exit ${code ?? signal}`}`));
      });
    });
    // A rejection nobody awaits (a speculative read that was not needed) must not crash the run.
    this.done.catch(() => {});
    if (input !== undefined) {
      child.stdin!.on('error', () => {});
      child.stdin!.end(input);
    }
  }

  /** Stops a process whose answer is no longer wanted. */
  cancel(): void {
    if (this.child.exitCode === null) this.child.kill();
  }
}

/** Splits `git cat-file --batch` output into object contents (undefined for missing names). */
function parseBatch(output: Buffer, count: number): (Buffer | undefined)[] {
  const blobs: (Buffer | undefined)[] = [];
  let offset = 0;
  for (let index = 0; index < count; index++) {
    const headerEnd = output.indexOf(10, offset);
    if (headerEnd === -1) throw new GitError('git cat-file gave a truncated answer');
    const header = output.toString('latin1', offset, headerEnd);
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

/** A staged change: the path's staged mode and object name. */
interface Staged {
  mode: string;
  object: string;
}

/** The files staged in git's index, with their staged content. */
export class GitIndexSource implements FileSource {
  private staged?: Map<string, Staged>;
  /** Paths the commit deletes. */
  private deleted = new Set<string>();
  private listing?: { paths: string[]; symlinks: Set<string>; folders: Map<string, string[] | undefined> };
  private cache = new Map<string, Buffer | undefined>();
  /** HEAD's copies of the queue files, to compare with the staged ones. */
  private heads = new Map<string, Buffer | undefined>();
  private readonly diff: GitProcess;
  private readonly headQueues: GitProcess;

  /**
   * Starts asking git at once (call this before loading the engine): the staged changes,
   * and HEAD's copies of the two queue files.
   */
  constructor(
    readonly root: string,
    private readonly layout: Pick<Layout, 'todo' | 'done'>,
  ) {
    // `--raw -z` gives `:oldmode newmode oldname newname status\0path\0` (two paths for renames and copies).
    this.diff = new GitProcess(root, ['diff', '--cached', '--raw', '-z', '--no-abbrev', '--no-ext-diff', '--diff-filter=ACMRD', '--relative', '--', '.']);
    // `HEAD:./path` names HEAD's blob of a path relative to the working directory (the root).
    const heads = [layout.todo, layout.done].filter(batchable).map((path) => `HEAD:./${path}\n`);
    this.headQueues = new GitProcess(root, ['cat-file', '--batch'], heads.join(''));
  }

  /** The staged paths (added, copied, modified, renamed) relative to the root. */
  async stagedChanges(): Promise<string[]> {
    if (this.staged) return [...this.staged.keys()];
    const fields = (await this.diff.done).toString('utf8').split('\0');
    const staged = new Map<string, Staged>();
    for (let index = 0; index < fields.length; index++) {
      const header = fields[index]!;
      if (!header.startsWith(':')) continue;
      const [, newMode = '', , newObject = '', status = ''] = header.slice(1).split(' ');
      const path = status.startsWith('R') || status.startsWith('C') ? fields[(index += 2)] : fields[(index += 1)];
      if (path === undefined) break;
      if (status === 'D') this.deleted.add(path);
      else staged.set(path, { mode: newMode, object: newObject });
    }
    this.staged = staged;
    return [...staged.keys()];
  }

  /**
   * Reads the staged bytes of `paths` (and HEAD's copies of `withHead`, queue files only)
   * before the rules run: from the working tree when it holds the staged object, else with
   * one `git cat-file --batch`.
   */
  async prepare(paths: string[], withHead: string[] = []): Promise<void> {
    await this.stagedChanges();
    const staged = this.staged!;
    const fromGit: string[] = [];
    // Queue files the commit leaves alone: the index holds HEAD's copy, read with HEAD's.
    const fromHead: string[] = [];
    for (const path of new Set(paths)) {
      const change = staged.get(path);
      if (this.cache.has(path) || change?.mode === SYMLINK) continue;
      if (this.deleted.has(path)) this.cache.set(path, undefined);
      else if (change === undefined && this.isQueue(path)) fromHead.push(path);
      else if (!batchable(path)) this.cache.set(path, blobSync(this.root, `:./${path}`));
      else if (change === undefined) fromGit.push(path);
      else {
        const bytes = readIfObject(join(this.root, path), change.object);
        if (bytes !== undefined) this.cache.set(path, bytes);
        else fromGit.push(path);
      }
    }
    const wantsHead = withHead.length > 0 || fromHead.length > 0;
    if (!wantsHead) this.headQueues.cancel();
    const [contents] = await Promise.all([
      fromGit.length > 0 ? new GitProcess(this.root, ['cat-file', '--batch'], fromGit.map((path) => `:./${path}`).join('\n') + '\n').done : undefined,
      wantsHead ? this.readHeads() : undefined,
    ]);
    if (contents !== undefined) {
      const blobs = parseBatch(contents, fromGit.length);
      fromGit.forEach((path, index) => this.cache.set(path, blobs[index]));
    }
    for (const path of fromHead) this.cache.set(path, this.heads.get(path));
  }

  private isQueue(path: string): boolean {
    return path === this.layout.todo || path === this.layout.done;
  }

  private async readHeads(): Promise<void> {
    if (this.heads.size > 0) return;
    const paths = [this.layout.todo, this.layout.done];
    const blobs = parseBatch(await this.headQueues.done, paths.filter(batchable).length);
    for (const path of paths) this.heads.set(path, batchable(path) ? blobs.shift() : blobSync(this.root, `HEAD:./${path}`));
  }

  /** Stops the git processes still running (the answer is no longer needed). */
  close(): void {
    this.diff.cancel();
    this.headQueues.cancel();
  }

  /**
   * The 1-based lines each staged queue file adds or changes against HEAD (see
   * changed-lines.ts); undefined for a file new to the commit or changed in too many places,
   * which is linted whole. Call `prepare` with the paths first.
   */
  stagedLines(paths: string[]): Map<string, number[] | undefined> {
    const lines = new Map<string, number[] | undefined>();
    for (const path of paths) {
      const staged = this.cache.get(path);
      const head = this.heads.get(path);
      lines.set(path, staged === undefined || head === undefined ? undefined : changedLines(head, staged).lines);
    }
    return lines;
  }

  /** The index listing, made only when a rule asks about folders (a queue-only commit never does). */
  private list() {
    if (this.listing) return this.listing;
    let entries = indexEntriesUnder(this.root);
    if (!entries) {
      entries = { paths: [], symlinks: new Set() };
      for (const record of gitSync(this.root, ['ls-files', '-s', '-z', '--', '.']).toString('utf8').split('\0')) {
        if (record === '') continue;
        const path = record.slice(record.indexOf('\t') + 1);
        if (entries.paths[entries.paths.length - 1] === path) continue;
        entries.paths.push(path);
        if (record.startsWith(SYMLINK)) entries.symlinks.add(path);
      }
    }
    // git keeps the index in byte order; binary searches below compare JavaScript strings,
    // which agree except around characters outside the BMP: check, and sort if they differ.
    const { paths } = entries;
    for (let index = 1; index < paths.length; index++) {
      if (paths[index - 1]! > paths[index]!) {
        paths.sort();
        break;
      }
    }
    this.listing = { paths, symlinks: entries.symlinks, folders: new Map() };
    return this.listing;
  }

  /** The index of the first path not before `key`. */
  private lowerBound(key: string): number {
    const { paths } = this.list();
    let low = 0;
    let high = paths.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (paths[middle]! < key) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** The names directly in a folder (files and subfolders): the paths under it sit together. */
  listDir(folder: string): string[] | undefined {
    const listing = this.list();
    if (listing.folders.has(folder)) return listing.folders.get(folder);
    const prefix = folder === '' ? '' : folder + '/';
    const names: string[] = [];
    for (let index = this.lowerBound(prefix); index < listing.paths.length; index++) {
      const path = listing.paths[index]!;
      if (!path.startsWith(prefix)) break;
      const slash = path.indexOf('/', prefix.length);
      const name = slash === -1 ? path.slice(prefix.length) : path.slice(prefix.length, slash);
      if (names[names.length - 1] !== name) names.push(name);
    }
    // A file and a folder of one name cannot both be staged, but names may repeat around subfolders.
    const sorted = names.length > 0 ? [...new Set(names)].sort() : undefined;
    listing.folders.set(folder, sorted);
    return sorted;
  }

  async walk(folder = ''): Promise<string[]> {
    return this.list().paths.filter((path) => folder === '' || path.startsWith(folder + '/')).sort();
  }

  isDirectory(path: string): boolean {
    if (path === '') return true;
    const { paths } = this.list();
    return paths[this.lowerBound(path + '/')]?.startsWith(path + '/') ?? false;
  }

  exists(path: string): boolean {
    if (this.staged?.has(path) || (this.cache.has(path) && this.cache.get(path) !== undefined)) return true;
    if (this.deleted.has(path)) return false;
    const { paths } = this.list();
    return paths[this.lowerBound(path)] === path || this.isDirectory(path);
  }

  private isSymlink(path: string): boolean {
    const change = this.staged?.get(path);
    if (change !== undefined) return change.mode === SYMLINK;
    return !this.cache.has(path) && this.list().symlinks.has(path);
  }

  bytes(path: string, limit: number): ByteSource | undefined {
    const result = this.read(path, limit);
    return result.ok && result.buffer !== undefined ? new BufferSource(result.buffer) : undefined;
  }

  read(path: string, limit: number): ReadResult {
    if (this.isSymlink(path)) return { ok: false, reason: 'Skipped: a symbolic link is committed here; commit the file itself' };
    if (!this.cache.has(path)) {
      this.cache.set(path, batchable(path) ? parseBatch(gitSync(this.root, ['cat-file', '--batch'], `:./${path}\n`), 1)[0] : blobSync(this.root, `:./${path}`));
    }
    const buffer = this.cache.get(path);
    if (buffer === undefined) return { ok: false, reason: 'Skipped: the file is not in the index' };
    if (buffer.length > limit) return { ok: true, size: buffer.length };
    return { ok: true, buffer, size: buffer.length };
  }
}

/**
 * A working-tree file's bytes when they are exactly the git object `object` (its name is the
 * hash of `blob <size>\0` and the bytes); undefined otherwise (a later edit, a link, a filter).
 */
function readIfObject(path: string, object: string): Buffer | undefined {
  const algorithm = object.length === 40 ? 'sha1' : object.length === 64 ? 'sha256' : undefined;
  if (algorithm === undefined) return undefined;
  let fd: number | undefined;
  try {
    if (!lstatSync(path).isFile()) return undefined;
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const bytes = Buffer.allocUnsafe(size);
    let offset = 0;
    while (offset < size) {
      const count = readSync(fd, bytes, offset, size - offset, offset);
      if (count === 0) return undefined;
      offset += count;
    }
    const name = createHash(algorithm).update(`blob ${size}\0`).update(bytes).digest('hex');
    return name === object ? bytes : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
