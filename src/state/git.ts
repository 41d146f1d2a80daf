/**
 * The few git questions the state writers ask. git runs with argument arrays and never
 * through a shell, so no path or URL from a file or the command line is ever interpreted.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

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
 */
export function gitCommonDir(dir: string): string | undefined {
  const result = runGit(['rev-parse', '--path-format=absolute', '--git-common-dir'], dir);
  if (result.ok) return resolve(dir, result.stdout.trim());
  // git before 2.31 lacks --path-format; it prints a path relative to `dir`.
  const fallback = runGit(['rev-parse', '--git-common-dir'], dir);
  return fallback.ok ? resolve(dir, fallback.stdout.trim()) : undefined;
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
