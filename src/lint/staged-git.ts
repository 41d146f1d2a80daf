/**
 * Starting the git processes of a `--staged` run. `protocol-lint`'s first module starts them
 * before the lint engine loads (src/cli/protocol-lint.ts): starting a process forks Node, and
 * a fork costs least while the process is small; git then works on the other core while the
 * engine loads. Three processes, one start:
 * - `git diff --cached --raw`: the staged changes, with full object names;
 * - `git rev-parse --git-common-dir`, then `git ls-files -s -z`: where the queue copies are
 *   kept (queue-copies.ts), and every staged path with its mode and object (index-listing.ts),
 *   written into a temporary file so git never waits for Node to read a pipe;
 * - `git cat-file --batch`: HEAD's copies of the queue files, written into a temporary file.
 *   The shell waits on its stdin for the names (`askHeads`), given once git diff has said
 *   which queues the commit changes and which HEAD copies are not kept already
 *   (queue-copies.ts): usually none, and then cat-file never starts; until then the shell
 *   leaves the others the cores.
 * git itself answers every question about the index (its format, split and sparse indexes,
 * `GIT_INDEX_FILE`, worktrees, attributes and filters). This module loads little besides
 * Node's own modules (debug.ts, and byte-source.ts's `readFully`).
 */
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, rmSync, unlinkSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { debug } from '../debug.js';
import { readFully } from '../protocol/byte-source.js';
import { GitError } from './git-error.js';

/** Whether `git cat-file --batch` can take a name (it reads one name a line). */
export const batchable = (name: string) => !name.includes('\n') && !name.includes('\r');

/** `--raw -z` gives `:oldmode newmode oldname newname status\0path\0` (two paths for renames and copies). */
const DIFF_ARGS = ['diff', '--cached', '--raw', '-z', '--no-abbrev', '--no-ext-diff', '--diff-filter=ACMRTD', '--relative', '--', '.'];
const COMMON_DIR_ARGS = ['rev-parse', '--git-common-dir'];
/** `-s -z` gives `<mode> <object> <stage>\t<path>\0`, paths relative to the root, under it only. */
const LS_FILES_ARGS = ['ls-files', '-s', '-z', '--', '.'];

/** What git said of the index: the common git directory (absolute) and `git ls-files -s -z` output. */
export interface IndexAnswer {
  commonDir: string;
  files: Buffer;
}

/** A git process running alongside; its output is collected as it comes. */
export class GitProcess {
  readonly done: Promise<Buffer>;
  private child;

  /** Runs git; its output is collected, or written straight to `outputFd` (a file) when given. */
  constructor(root: string, args: string[], input?: string, outputFd?: number, env?: NodeJS.ProcessEnv) {
    this.child = spawn('git', args, { cwd: root, env: env ?? gitEnv(), stdio: [input === undefined ? 'ignore' : 'pipe', outputFd ?? 'pipe', 'pipe'] });
    const child = this.child;
    this.done = new Promise<Buffer>((resolvePromise, reject) => {
      const chunks: Buffer[] = [];
      const errors: Buffer[] = [];
      child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
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

/** The git processes of a staged run, started for one root. */
export interface StagedGit {
  readonly root: string;
  /** `git diff --cached` output. */
  readonly diff: Promise<Buffer>;
  /** The common git directory and the index listing. */
  readonly index: Promise<IndexAnswer>;
  /** Settles when `git cat-file` has written the objects asked for by `askHeads`. */
  readonly heads: Promise<unknown>;
  /** The file `git cat-file` writes into (`path` only where it could not be removed while open). */
  readonly headFile: { fd: number; path?: string };
  /** Asks `git cat-file` for HEAD's copies of these paths (relative to the root); once. */
  askHeads(paths: readonly string[]): void;
  /** The paths asked for, in order; undefined until asked. */
  asked: readonly string[] | undefined;
  /** Gives up on HEAD's queues (a commit that leaves them alone). */
  cancelHeads(): void;
  /** Stops whatever still runs. */
  cancel(): void;
}

/**
 * Starts git for a staged run in `root`. Starting a process costs 10–25 ms of a Node process
 * on a small VM, so on POSIX one `sh` starts them all (the arguments travel as `"$@"`, never
 * inside the script): git diff in the background, writing to stdout and then its exit status
 * (after the last NUL of its `-z` output); rev-parse and ls-files in the background; then the
 * shell reads one line, and only when it says `cat-file` becomes cat-file, reading names from
 * stdin and writing to fd 3 (the file). The long-lived process must be the one Node started:
 * Node closes a child's stdin when that child exits, and cat-file's names come later.
 * stdout ends when diff ends; the process exits when cat-file has finished.
 */
export function startStagedGit(root: string): StagedGit {
  const headFile = temporaryFile(root);
  const env = gitEnv();
  if (process.platform === 'win32') return startTwo(root, headFile, env);
  const listFile = temporaryFile(root);
  // fd 3 is cat-file's temporary file, fd 4 the pipe for rev-parse's line and ls-files' exit
  // status, fd 5 the temporary file ls-files writes its listing into: a listing of 14,000
  // files is 1 MB, and through a pipe git would stop at every 64 KB until Node, busy loading
  // the lint engine, read them. Each job closes what it does not write.
  const script = [
    '{ git "$@" 3>&- 4>&- 5>&-; printf %d "$?"; } 3>&- 4>&- 5>&- &',
    `{ git ${COMMON_DIR_ARGS.join(' ')} 5>&- && git ${LS_FILES_ARGS.join(' ')} >&5 5>&-; printf %d "$?"; } >&4 3>&- 4>&- &`,
    // cat-file only when asked: usually HEAD's queues are kept copies, and it would start for nothing.
    // The shell lets go of the two pipes first: their readers wait for every writer to close them.
    'exec >&3 3>&- 4>&- 5>&-',
    'IFS= read -r ask && [ "$ask" = cat-file ] || exit 0',
    'exec git cat-file --batch',
  ].join('\n');
  const child = spawn('/bin/sh', ['-c', script, 'sh', ...DIFF_ARGS], { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe', headFile.fd, 'pipe', listFile.fd] });
  const errors: Buffer[] = [];
  child.stderr!.on('data', (chunk: Buffer) => errors.push(chunk));
  const failed = new Promise<never>((_, reject) => child.on('error', (error) => reject(new GitError(`git could not be run: ${error.message}`))));
  const errorsEnded = new Promise<void>((resolvePromise) => child.stderr!.on('end', resolvePromise));
  const diff = Promise.race([failed, collect(child.stdout!)]).then(async (output) => {
    // The diff's `-z` output ends with a NUL; its exit status follows.
    const { body, status } = splitStatus(output);
    if (status === '0') return body;
    // Failed: cat-file is let go, and diff's complaint read to its end.
    child.stdin!.end();
    await errorsEnded;
    throw new GitError(gitFailure(root, Buffer.concat(errors).toString(), /^\d+$/.test(status) ? Number(status) : null));
  });
  const index = Promise.race([failed, collect(child.stdio[4] as Readable)]).then(
    (output) => indexAnswer(root, output, () => readTemporary(listFile)),
    (error: unknown) => {
      dropTemporary(listFile);
      throw error;
    },
  );
  const heads = Promise.race([failed, new Promise<void>((resolvePromise) => child.on('exit', () => resolvePromise()))]);
  diff.catch(() => {});
  index.catch(() => {});
  heads.catch(() => {});
  child.stdin!.on('error', () => {});
  const release = () => {
    // cat-file ends at the end of its input; Node need not wait for it.
    // (Unref, not destroy: destroying a pipe makes Node set up its own stderr, ~3 ms.)
    child.stdin!.end();
    for (const stream of [child.stdout, child.stderr, child.stdio[4]]) (stream as Socket).unref();
    child.unref();
  };
  return {
    root,
    diff,
    index,
    heads,
    headFile,
    asked: undefined,
    askHeads(paths) {
      if (this.asked !== undefined) return;
      this.asked = paths;
      child.stdin!.end(`cat-file\n${headNames(paths)}`);
    },
    cancelHeads: release,
    cancel: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
      release();
    },
  };
}

/**
 * The environment git runs in: this process's, with a relative `GIT_INDEX_FILE` (a hook's,
 * relative to where it runs) made absolute, as git runs in the root.
 */
export function gitEnv(): NodeJS.ProcessEnv | undefined {
  const indexFile = process.env.GIT_INDEX_FILE;
  return indexFile && !isAbsolute(indexFile) ? { ...process.env, GIT_INDEX_FILE: resolve(indexFile) } : undefined;
}

/** All of a stream's bytes, once it ends. */
function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolvePromise) => stream.on('end', () => resolvePromise(Buffer.concat(chunks))));
}

/** Splits `-z` output followed by an exit status (`printf %d`): the status follows the last NUL, or all of it when there is none. */
function splitStatus(output: Buffer, from = 0): { body: Buffer; status: string } {
  const end = Math.max(output.lastIndexOf(0) + 1, from);
  return { body: output.subarray(from, end), status: output.toString('latin1', end) };
}

/**
 * Reads the rev-parse and ls-files answer: the common directory's line, then the status (or, on
 * Windows, the listing between them); `listing` reads the listing from where ls-files wrote it.
 */
function indexAnswer(root: string, output: Buffer, listing?: () => Buffer): IndexAnswer {
  const line = output.indexOf(10);
  const { body, status } = splitStatus(output, line + 1);
  if (line === -1 || status !== '0') {
    if (listing) listing();
    throw new GitError(`git ls-files failed: exit ${status || 'unknown'}`);
  }
  return { commonDir: resolve(root, output.toString('utf8', 0, line)), files: listing ? listing() : body };
}

/** All of a temporary file's bytes; the file is closed (and removed) after. */
function readTemporary(file: { fd: number; path?: string }): Buffer {
  try {
    const bytes = Buffer.allocUnsafe(fstatSync(file.fd).size);
    return bytes.subarray(0, readFully(file.fd, bytes, bytes.length, 0));
  } finally {
    dropTemporary(file);
  }
}

/** Closes a temporary file, and removes it where it could not be removed while open. */
export function dropTemporary(file: { fd: number; path?: string }): void {
  try {
    closeSync(file.fd);
    if (file.path !== undefined) rmSync(file.path, { force: true });
  } catch (error) {
    debug('git', `a temporary file could not be closed or removed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Windows has no `sh` to share: separate processes, cat-file started once its names are known. */
function startTwo(root: string, headFile: { fd: number; path?: string }, env: NodeJS.ProcessEnv | undefined): StagedGit {
  const diff = new GitProcess(root, DIFF_ARGS, undefined, undefined, env);
  const commonDir = new GitProcess(root, COMMON_DIR_ARGS, undefined, undefined, env);
  const files = new GitProcess(root, LS_FILES_ARGS, undefined, undefined, env);
  const index = Promise.all([commonDir.done, files.done]).then(([dir, listing]) => ({ commonDir: resolve(root, dir.toString('utf8').trim()), files: listing }));
  index.catch(() => {});
  let heads: GitProcess | undefined;
  let settle: (done: Promise<unknown>) => void = () => {};
  const headsDone = new Promise<unknown>((resolvePromise) => (settle = resolvePromise));
  headsDone.catch(() => {});
  return {
    root,
    diff: diff.done,
    index,
    heads: headsDone,
    headFile,
    asked: undefined,
    askHeads(paths) {
      if (this.asked !== undefined) return;
      this.asked = paths;
      heads = new GitProcess(root, ['cat-file', '--batch'], headNames(paths), headFile.fd, env);
      settle(heads.done);
    },
    cancelHeads: () => {
      heads?.cancel();
      settle(Promise.resolve());
    },
    cancel: () => {
      for (const process of [diff, commonDir, files, heads]) process?.cancel();
      settle(Promise.resolve());
    },
  };
}

/** `HEAD:./path` names HEAD's blob of a path relative to the working directory (the root). */
function headNames(paths: readonly string[]): string {
  return paths
    .filter(batchable)
    .map((path) => `HEAD:./${path}\n`)
    .join('');
}

/** What to say when git fails: git's own first complaint, not its usage text. */
function gitFailure(root: string, stderr: string, code: number | null): string {
  if (/not a git repository/i.test(stderr)) return `--staged lints what the next commit holds, and \`${root}\` is not inside a git repository`;
  const complaint = stderr.split('\n').find((line) => /^(fatal|error):/.test(line)) ?? stderr.split('\n').find((line) => line.trim() !== '');
  return `git diff --cached failed: ${complaint?.trim() ?? `exit ${code}`}`;
}

/**
 * An anonymous temporary file for git to write into (removed at once where the system allows):
 * in the system's temporary folder, else beside the files being linted.
 */
function temporaryFile(root: string): { fd: number; path?: string } {
  let lastError: unknown;
  for (const folder of [tmpdir(), root]) {
    // An exclusive create: a name taken by another process is never opened, another is tried.
    for (let attempt = 0; attempt < 10; attempt++) {
      const path = join(folder, `.relay-staged-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`);
      let fd: number;
      try {
        fd = openSync(path, 'wx+', 0o600);
      } catch (error) {
        lastError = error;
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
        break;
      }
      try {
        unlinkSync(path);
        return { fd };
      } catch {
        return { fd, path };
      }
    }
  }
  throw new GitError(`no temporary file could be made for git's output: ${(lastError as Error)?.message ?? 'unknown error'}`);
}
