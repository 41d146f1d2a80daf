/**
 * The few git questions the state writers ask. git runs with argument arrays and never
 * through a shell, so no path or URL from a file or the command line is ever interpreted.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The outcome of one git command. */
export type GitResult = { ok: true; stdout: string } | { ok: false; error: string };

/** Runs git with an argument array in `cwd` and returns its stdout, or why it failed. */
export function runGit(args: string[], cwd: string): GitResult {
  try {
    const stdout = execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      // A merge driver runs inside git; its environment must not redirect these questions.
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
      maxBuffer: 256 * 1024 * 1024,
    });
    return { ok: true, stdout };
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === 'ENOENT') return { ok: false, error: 'git is not installed' };
    return { ok: false, error: (failure.stderr ?? failure.message).trim() };
  }
}

/**
 * The absolute git common dir of the repository holding `dir` (shared by all its worktrees),
 * or undefined outside git. Asked afresh on every run: worktrees come and go.
 *
 * Every queue write asks this, and spawning git costs more than the write itself under a
 * fleet's load, so the answer is read from the `.git` entry the way git does (a directory is
 * the common dir; a `gitdir:` file points at a worktree's git dir, whose `commondir` file
 * points back). git itself is asked only when the environment redirects it (`GIT_DIR`, …) or
 * the files are not what they should be.
 */
export function gitCommonDir(dir: string): string | undefined {
  if (process.env.GIT_DIR === undefined && process.env.GIT_COMMON_DIR === undefined) {
    const found = commonDirFromFiles(resolve(dir));
    if (found !== 'ask-git') return found;
  }
  const result = runGit(['rev-parse', '--path-format=absolute', '--git-common-dir'], dir);
  if (result.ok) return resolve(dir, result.stdout.trim());
  if (!/path-format/.test(result.error)) return undefined;
  // git before 2.31 lacks --path-format; it prints a path relative to `dir`.
  const fallback = runGit(['rev-parse', '--git-common-dir'], dir);
  return fallback.ok ? resolve(dir, fallback.stdout.trim()) : undefined;
}

function commonDirFromFiles(start: string): string | undefined | 'ask-git' {
  for (let current = start; ; current = dirname(current)) {
    const dotGit = join(current, '.git');
    let isDirectory: boolean;
    try {
      isDirectory = statSync(dotGit).isDirectory();
    } catch {
      if (dirname(current) === current) return undefined;
      continue;
    }
    if (isDirectory) return existsSync(join(dotGit, 'HEAD')) ? dotGit : 'ask-git';
    try {
      const match = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotGit, 'utf8'));
      if (!match) return 'ask-git';
      const gitDir = resolve(current, match[1]!);
      const commonFile = join(gitDir, 'commondir');
      if (!existsSync(commonFile)) return gitDir;
      return resolve(gitDir, readFileSync(commonFile, 'utf8').trim());
    } catch {
      return 'ask-git';
    }
  }
}

/** Whether `dir` is inside a git work tree. */
export function isInsideWorkTree(dir: string): boolean {
  const result = runGit(['rev-parse', '--is-inside-work-tree'], dir);
  return result.ok && result.stdout.trim() === 'true';
}

/** The text of `path` at `revision` (like `git show REV:PATH`), or undefined when it has none. */
export function showAtRevision(revision: string, path: string, cwd: string): string | undefined {
  const result = runGit(['show', `${revision}:${path}`], cwd);
  return result.ok ? result.stdout : undefined;
}
