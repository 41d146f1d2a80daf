/**
 * The files a commit holds (`protocol-lint --staged`): the paths staged in git's index and
 * their staged bytes, which may differ from the working tree.
 *
 * A pre-commit check must feel instant, and a fleet's commit often touches both 50,000-item
 * queues, so the work is arranged around what costs:
 * - git is asked once for the staged changes (`diff --cached --raw`, with full object names)
 *   and the staged paths (`ls-files -s`), started before the lint engine loads so both proceed
 *   at once (staged-git.ts; the CLI starts them in its first module);
 * - HEAD's copies of the queue files (to find the lines a commit adds) come from copies the
 *   previous run kept by object name (queue-copies.ts), else from `git cat-file`, started with
 *   diff and told the names once diff has answered (inflating them is git's slowest part);
 * - a staged file's bytes come from the working tree when it hashes to the staged object name
 *   (the usual case: `git add` then commit), else from `git cat-file`: a working copy git
 *   would convert on its way to the index (a filter, line endings) hashes to another name;
 * - the folder listing is `git ls-files`' (index-listing.ts).
 * Paths and other arguments reach git as argument arrays, never inside a shell script.
 */
import { spawnSync } from 'node:child_process';
import { fstatSync, lstatSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { debug, reason } from '../debug.js';
import { BufferSource, FileSource as FileBytes, type ByteSource } from '../protocol/byte-source.js';
import { numberedPrefix, numberedSpelling, type Layout, type NumberedKind } from '../protocol/layout.js';
import { changedLinesOf } from './changed-lines.js';
import type { FocusLines } from './focus.js';
import { hashesTo } from './blob-hash.js';
import { IndexListing } from './index-listing.js';
import { QueueCopies } from './queue-copies.js';
import { GitError, type FileSource, type ReadResult } from './sources.js';
import { batchable, dropTemporary, gitEnv, GitProcess, startStagedGit, type StagedGit } from './staged-git.js';

const SYMLINK = '120000';

function gitSync(root: string, args: string[], input?: string): Buffer {
  const result = spawnSync('git', args, { cwd: root, env: gitEnv(), input, maxBuffer: 1024 * 1024 * 1024 });
  if (result.error) throw new GitError(`git could not be run: ${result.error.message}`);
  if (result.status !== 0) throw new GitError(`git ${args[0]} failed: ${result.stderr.toString().trim()}`);
  return result.stdout;
}

/**
 * One object's bytes, for a name `git cat-file --batch` cannot take (a path with a line
 * break); undefined when there is no such object.
 */
function blobSync(root: string, name: string): Buffer | undefined {
  const result = spawnSync('git', ['cat-file', 'blob', name], { cwd: root, env: gitEnv(), maxBuffer: 1024 * 1024 * 1024 });
  if (result.error) throw new GitError(`git could not be run: ${result.error.message}`);
  return result.status === 0 ? result.stdout : undefined;
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

/**
 * The objects in `git cat-file --batch` output written to a file: each a chunked source over
 * its bytes in the file (undefined for missing names). Nothing is read but the headers.
 */
function parseBatchFile(fd: number, count: number): (FileBytes | undefined)[] {
  const size = fstatSync(fd).size;
  const header = Buffer.alloc(512);
  const blobs: (FileBytes | undefined)[] = [];
  let position = 0;
  for (let index = 0; index < count; index++) {
    const got = readSync(fd, header, 0, header.length, position);
    const end = header.subarray(0, got).indexOf(10);
    if (end === -1) throw new GitError('git cat-file gave a truncated answer');
    const line = header.toString('latin1', 0, end);
    position += end + 1;
    if (line.endsWith(' missing') || line.endsWith(' ambiguous')) {
      blobs.push(undefined);
      continue;
    }
    const length = Number(line.split(' ')[2]);
    if (!Number.isSafeInteger(length) || position + length > size) throw new GitError('git cat-file gave a truncated answer');
    blobs.push(new FileBytes(fd, length, position));
    position += length + 1;
  }
  return blobs;
}

/** A staged change: the path's staged mode and object name. */
interface Staged {
  mode: string;
  object: string;
  /** HEAD's object name for the path (zeros when the commit adds it). */
  headObject: string;
}

/** The files staged in git's index, with their staged content. */
export class GitIndexSource implements FileSource {
  private staged?: Map<string, Staged>;
  /** Paths the commit deletes. */
  private deleted = new Set<string>();
  private listing?: IndexListing;
  /** The repository's common git directory, as git said (undefined: not known, no copies). */
  private commonDir?: string;
  private folders = new Map<string, string[] | undefined>();
  /** Staged bytes: whole for documents, a chunked source over the file for queue files. */
  private cache = new Map<string, Buffer | FileBytes | undefined>();
  /** HEAD's copies of the queue files (inside the temporary file), to compare with the staged ones. */
  private heads = new Map<string, FileBytes | undefined>();
  private readonly git: StagedGit;
  private readonly headFile: { fd: number; path?: string };
  /** Working-tree files held open as the staged bytes of queue files. */
  private opened: FileBytes[] = [];
  private closed = false;
  /** The kept queue copies, once looked up (null: none to use). */
  private copies?: QueueCopies | null;

  /**
   * Starts asking git at once (call this before loading the engine) for the staged changes;
   * `git cat-file` starts too, and waits to be told which of HEAD's queue files it must
   * write (`prepare`: none when copies are kept). `started` is git already started for this
   * root by the CLI's first module (see staged-git.ts); git is started anew for another root.
   */
  constructor(
    readonly root: string,
    private readonly layout: Pick<Layout, 'todo' | 'done'>,
    started?: StagedGit,
  ) {
    if (started !== undefined && started.root !== root) started.cancel();
    this.git = started?.root === root ? started : startStagedGit(root);
    this.headFile = this.git.headFile;
  }

  /** The staged paths (added, copied, modified, renamed, changed in type) relative to the root. */
  async stagedChanges(): Promise<string[]> {
    if (this.staged) return [...this.staged.keys()];
    const [diff, index] = await Promise.all([
      this.git.diff,
      this.git.index.catch((error: unknown) => {
        debug('git', `the early git ls-files failed (${reason(error)}): asked again when needed`);
        return undefined;
      }),
    ]);
    if (index !== undefined) {
      this.listing ??= IndexListing.parse(index.files);
      this.commonDir = index.commonDir;
    }
    const fields = diff.toString('utf8').split('\0');
    const staged = new Map<string, Staged>();
    for (let index = 0; index < fields.length; index++) {
      const header = fields[index]!;
      if (!header.startsWith(':')) continue;
      const [, newMode = '', oldObject = '', newObject = '', status = ''] = header.slice(1).split(' ');
      const path = status.startsWith('R') || status.startsWith('C') ? fields[(index += 2)] : fields[(index += 1)];
      if (path === undefined) break;
      if (status === 'D') this.deleted.add(path);
      else staged.set(path, { mode: newMode, object: newObject, headObject: oldObject });
    }
    this.staged = staged;
    return [...staged.keys()];
  }

  /**
   * Reads the staged bytes of `paths` (and HEAD's copies of `withHead`, queue files only)
   * before the rules run: from the working tree when it holds the staged object, else with
   * one `git cat-file --batch`. `alongside` is given each staged queue taken from the working
   * tree, and sees its chunks as they are hashed (the focused lint's check, focus.ts).
   */
  async prepare(paths: string[], withHead: string[] = [], alongside?: (queue: ByteSource) => { chunk(chunk: Buffer): void; finish(): void }): Promise<void> {
    await this.stagedChanges();
    const staged = this.staged!;
    const fromGit: string[] = [];
    // Queue files the commit leaves alone whose working copy is not the staged one: read with HEAD's.
    const unchanged: string[] = [];
    // Working copies, hashed: taken when they hash to the staged object, else asked of git (or,
    // for a queue the commit leaves alone, taken from HEAD). Documents are read at once, so a
    // large commit never holds many files open.
    const toHash: { path: string; object: string; source: FileBytes | BufferSource; otherwise: string[] }[] = [];
    for (const path of new Set(paths)) {
      const change = staged.get(path);
      if (this.cache.has(path) || change?.mode === SYMLINK) continue;
      const object = change?.object ?? this.list().objectOf(path);
      if (this.deleted.has(path)) this.cache.set(path, undefined);
      else if (!batchable(path)) this.cache.set(path, blobSync(this.root, `:./${path}`));
      else if (object === undefined) (this.isQueue(path) && change === undefined ? unchanged : fromGit).push(path);
      else {
        const otherwise = change === undefined && this.isQueue(path) ? unchanged : fromGit;
        const source = openRegular(join(this.root, path));
        if (source === undefined) otherwise.push(path);
        else if (this.isQueue(path)) toHash.push({ path, object, source, otherwise });
        else {
          const bytes = readWhole(source);
          if (bytes === undefined) otherwise.push(path);
          else toHash.push({ path, object, source: new BufferSource(bytes), otherwise });
        }
      }
    }
    for (const { path, object, source, otherwise } of toHash) {
      // A staged queue taken from the working tree is walked once: hashed, and seen by `alongside`.
      const watch = source instanceof FileBytes ? alongside?.(source) : undefined;
      if (hashesTo(source, object, watch?.chunk)) {
        watch?.finish();
        if (source instanceof BufferSource) this.cache.set(path, source.bytes);
        else this.keepWorkingCopy(path, source);
        continue;
      }
      debug('git', `the working copy of \`${path}\` is not what is staged (edited since \`git add\`, or converted by git): read from git`);
      if (source instanceof FileBytes) source.close();
      otherwise.push(path);
    }
    // HEAD's copies: of the queues the commit changes (to find the lines it adds), and of those
    // left alone that the working tree could not stand for. Kept copies first, git for the rest.
    const ask: string[] = [];
    for (const path of new Set([...withHead, ...unchanged])) {
      const object = staged.get(path)?.headObject ?? this.list().objectOf(path);
      if (object !== undefined && /^0+$/.test(object)) {
        this.heads.set(path, undefined);
        continue;
      }
      const kept = object === undefined ? undefined : this.queueCopies()?.open(object);
      if (kept === undefined && object !== undefined && this.queueCopies() !== undefined) debug('copies', `HEAD's \`${path}\` (${object}) is not kept: asked of git`);
      if (kept === undefined) ask.push(path);
      else {
        this.opened.push(kept);
        this.heads.set(path, kept);
      }
    }
    // cat-file is told once; what a later call needs beyond that is read the slow way (readHeads).
    if (ask.length > 0) this.git.askHeads(ask);
    else if (this.git.asked === undefined) this.git.cancelHeads();
    const fromGitDone = fromGit.length > 0 ? new GitProcess(this.root, ['cat-file', '--batch'], fromGit.map((path) => `:./${path}`).join('\n') + '\n').done : undefined;
    const headsRead = ask.length > 0 ? this.readHeads(ask) : undefined;
    const [contents] = await Promise.all([fromGitDone, headsRead]);
    if (contents !== undefined) {
      const blobs = parseBatch(contents, fromGit.length);
      fromGit.forEach((path, index) => this.cache.set(path, blobs[index]));
    }
    for (const path of unchanged) this.cache.set(path, this.heads.get(path));
  }

  /** The kept queue copies (queue-copies.ts); undefined when turned off or git did not say where the git directory is. */
  private queueCopies(): QueueCopies | undefined {
    if (this.copies === undefined) {
      if (this.commonDir === undefined) debug('copies', 'the git directory is not known: HEAD copies come from git');
      this.copies = (this.commonDir === undefined ? undefined : QueueCopies.of(this.commonDir)) ?? null;
    }
    return this.copies ?? undefined;
  }

  /**
   * Keeps copies of the queues this run read, by object name, for the next commit (whose HEAD
   * they will be): the staged queues, and HEAD's copies git wrote.
   */
  private keepCopies(): void {
    if (this.staged === undefined) return;
    for (const path of [this.layout.todo, this.layout.done]) {
      const change = this.staged.get(path);
      const stagedBytes = this.cache.get(path);
      const head = this.heads.get(path);
      if (change === undefined || (stagedBytes === undefined && head === undefined)) continue;
      const copies = this.queueCopies();
      if (copies === undefined) return;
      if (stagedBytes !== undefined) copies.save(change.object, Buffer.isBuffer(stagedBytes) ? new BufferSource(stagedBytes) : stagedBytes);
      if (head !== undefined) copies.save(change.headObject, head);
    }
  }

  private isQueue(path: string): boolean {
    return path === this.layout.todo || path === this.layout.done;
  }

  /** Reads HEAD's copies of `paths` from what `git cat-file` wrote (one it was not asked for, or cannot take: the slow way). */
  private async readHeads(paths: string[]): Promise<void> {
    await this.git.heads;
    const asked = (this.git.asked ?? []).filter(batchable);
    const blobs = parseBatchFile(this.headFile.fd, asked.length);
    for (const path of paths) {
      const index = asked.indexOf(path);
      this.heads.set(path, index !== -1 ? blobs[index] : this.keep(blobSync(this.root, `HEAD:./${path}`)));
    }
  }

  /** A queue's HEAD copy read the slow way, parked in the temporary file like the others. */
  private keep(bytes: Buffer | undefined): FileBytes | undefined {
    if (bytes === undefined) return undefined;
    const start = fstatSync(this.headFile.fd).size;
    writeSync(this.headFile.fd, bytes, 0, bytes.length, start);
    return new FileBytes(this.headFile.fd, bytes.length, start);
  }

  /**
   * Takes a queue's working-tree file as its staged bytes, held open (read in chunks).
   */
  private keepWorkingCopy(path: string, source: FileBytes): void {
    this.opened.push(source);
    this.cache.set(path, source);
  }

  /** Stops the git processes still running and closes the files held open. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.git.cancel();
    this.keepCopies();
    for (const source of this.opened.splice(0)) source.close();
    // The HEAD copies' file is closed once git has stopped writing it.
    const release = () => dropTemporary(this.headFile);
    this.git.heads.then(release, release);
  }

  /**
   * The 1-based lines each staged queue file adds or changes against HEAD (see
   * changed-lines.ts); undefined for a file new to the commit or changed in too many places,
   * which is linted whole. Call `prepare` with the paths first.
   */
  stagedLines(paths: string[]): Map<string, FocusLines | undefined> {
    const lines = new Map<string, FocusLines | undefined>();
    for (const path of paths) {
      const staged = this.cache.get(path);
      const head = this.heads.get(path);
      const change = staged === undefined || head === undefined ? undefined : changedLinesOf(head, Buffer.isBuffer(staged) ? new BufferSource(staged) : staged);
      // With their text when the change is small: the focused lint then need not find them.
      lines.set(path, change?.lines === undefined ? undefined : (change.texts ?? change.lines));
    }
    return lines;
  }

  /** The index listing: `git ls-files`' answer from the early shell, else asked now. */
  private list(): IndexListing {
    if (this.listing) return this.listing;
    debug('git', 'no early index listing: running git ls-files now');
    this.listing = IndexListing.parse(gitSync(this.root, ['ls-files', '-s', '-z', '--', '.']));
    return this.listing;
  }

  listDir(folder: string): string[] | undefined {
    let names = this.folders.get(folder);
    if (names === undefined && !this.folders.has(folder)) this.folders.set(folder, (names = this.list().listDir(folder)));
    return names;
  }

  async walk(folder = ''): Promise<string[]> {
    return this.list().paths().filter((path) => folder === '' || path.startsWith(folder + '/'));
  }

  isDirectory(path: string): boolean {
    return this.list().isDirectory(path);
  }

  exists(path: string): boolean {
    if (this.staged?.has(path) || (this.cache.has(path) && this.cache.get(path) !== undefined)) return true;
    if (this.deleted.has(path)) return false;
    return this.list().has(path) || this.list().isDirectory(path);
  }

  /** Exact lookups are binary searches in the index: cheaper than listing a folder. */
  has(path: string): boolean {
    return this.exists(path);
  }

  /**
   * The staged files of one numbered kind and number in `folder`, found by looking up each
   * spelling of the number (`task-001.md`, `task-0001.md`, …) instead of listing the folder:
   * a spelling with more leading zeros is tried only while some staged name has that many.
   */
  numbered(folder: string, kind: NumberedKind, number: number): string[] {
    const listing = this.list();
    const dir = folder === '' ? '' : folder + '/';
    const digits = String(number);
    const paths: string[] = [];
    for (let width = Math.max(3, digits.length); ; width++) {
      const zeros = width - digits.length;
      if (zeros > 0 && !listing.anyStartsWith(dir + numberedPrefix(kind) + '0'.repeat(zeros))) break;
      const path = dir + numberedSpelling(kind, number, width);
      if (listing.has(path)) paths.push(path);
    }
    return paths;
  }

  private isSymlink(path: string): boolean {
    const change = this.staged?.get(path);
    if (change !== undefined) return change.mode === SYMLINK;
    return !this.cache.has(path) && this.list().isSymlink(path);
  }

  bytes(path: string, limit: number): ByteSource | undefined {
    const cached = this.cache.get(path);
    if (cached instanceof FileBytes && !this.isSymlink(path)) return cached.size > limit ? undefined : cached;
    const result = this.read(path, limit);
    return result.ok && result.buffer !== undefined ? new BufferSource(result.buffer) : undefined;
  }

  read(path: string, limit: number): ReadResult {
    if (this.isSymlink(path)) return { ok: false, reason: 'Skipped: a symbolic link is committed here; commit the file itself' };
    if (!this.cache.has(path)) {
      this.cache.set(path, batchable(path) ? parseBatch(gitSync(this.root, ['cat-file', '--batch'], `:./${path}\n`), 1)[0] : blobSync(this.root, `:./${path}`));
    }
    const cached = this.cache.get(path);
    if (cached === undefined) return { ok: false, reason: 'Skipped: the file is not in the index' };
    const size = Buffer.isBuffer(cached) ? cached.length : cached.size;
    if (size > limit) return { ok: true, size };
    // A queue held as a chunked source is read whole only when it must be parsed whole.
    const buffer = Buffer.isBuffer(cached) ? cached : cached.readAll();
    return { ok: true, buffer, size: buffer.length };
  }
}

/** A file's bytes, and the file closed; undefined when it could not be read whole. */
function readWhole(source: FileBytes): Buffer | undefined {
  try {
    const bytes = source.readAll();
    return bytes.length === source.size ? bytes : undefined;
  } catch (error) {
    debug('git', `a working copy could not be read (${reason(error)}): read from git`);
    return undefined;
  } finally {
    source.close();
  }
}

/** A regular file (not a link) opened for reading; undefined when it is not one or cannot be opened. */
function openRegular(path: string): FileBytes | undefined {
  try {
    return lstatSync(path).isFile() ? FileBytes.open(path) : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') debug('git', `\`${path}\` could not be opened (${reason(error)}): read from git`);
    return undefined;
  }
}
