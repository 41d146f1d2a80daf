/**
 * Runs the built CLIs as real child processes.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { join } from 'node:path';

/** The repository root. */
export const REPO = join(__dirname, '..', '..');

/** The result of a process run. */
export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `bin/<name>` with node. */
export function runBin(name: 'protocol-lint' | 'relay', args: string[], options: SpawnSyncOptions = {}): Run {
  const result = spawnSync(process.execPath, [join(REPO, 'bin', name), ...args], { encoding: 'utf8', timeout: 120_000, ...options });
  return { status: result.status, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** Runs git in a directory and returns stdout; throws on failure. */
export function git(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...GIT_ENV, ...env } });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/** A fixed identity so commits work on a fresh machine. */
export const GIT_ENV = {
  GIT_AUTHOR_NAME: 'relay test',
  GIT_AUTHOR_EMAIL: 'test@relay.invalid',
  GIT_COMMITTER_NAME: 'relay test',
  GIT_COMMITTER_EMAIL: 'test@relay.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
};
