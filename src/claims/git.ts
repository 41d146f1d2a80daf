/**
 * git as the remote operations ask it: argument vectors, never a shell, stdin when a command
 * reads one, no terminal prompt (an authentication that would ask a question fails at once
 * instead of hanging a fleet), and the three outputs kept apart so a push's report can be read.
 */
import { spawnSync } from 'node:child_process';
import { debug } from '../debug.js';

/** What one git command did. */
export interface GitRun {
  /** Exit code; -1 when git could not be started. */
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of one git command. */
export interface GitOptions {
  input?: string;
  /** Extra environment (identity of record commits). */
  env?: Record<string, string>;
}

/** Runs `git args…` in `cwd` and returns its code and outputs; never throws. */
export function git(args: string[], cwd: string, options: GitOptions = {}): GitRun {
  const result = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    input: options.input ?? '',
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', ...options.env },
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    return { code: -1, stdout: '', stderr: code === 'ENOENT' ? 'git is not installed' : String(result.error.message) };
  }
  const run = { code: result.status ?? -1, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
  debug('git', () => `git ${args.join(' ')} -> ${run.code}${run.code === 0 ? '' : `: ${firstLine(run.stderr)}`}`);
  return run;
}

/** The first non-empty line of git's stderr, without git's `fatal: ` / `error: ` prefix. */
export function firstLine(stderr: string): string {
  const line = stderr.split('\n').map((each) => each.trim()).find((each) => each !== '' && !each.startsWith('hint:')) ?? '';
  return line.replace(/^(fatal|error):\s*/, '');
}

/** The identity of the record commits relay writes for claim and id refs (they are records, not anyone's work). */
export const RECORD_IDENTITY: Record<string, string> = {
  GIT_AUTHOR_NAME: 'relay',
  GIT_AUTHOR_EMAIL: 'relay@localhost',
  GIT_COMMITTER_NAME: 'relay',
  GIT_COMMITTER_EMAIL: 'relay@localhost',
};
