/**
 * Runs the built CLIs as real child processes.
 */
import { spawnSync, type ChildProcess, type SpawnSyncOptions } from 'node:child_process';
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

/** Polls `probe` until it returns a value (every 50 ms, for at most 60 s). */
export async function until<T>(probe: () => T | undefined): Promise<T> {
  for (let waited = 0; waited < 60_000; waited += 50) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 50));
  }
  throw new Error('timed out waiting');
}

/** The exit code of a child process, once it has exited. */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolvePromise) => child.on('exit', (code) => resolvePromise(code)));
}
