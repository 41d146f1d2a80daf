/**
 * Helpers for the state tests: a private bundle of the relay CLI built from the current
 * sources (so the tests never race `npm run build` over dist/ and never test a stale bundle),
 * real child processes run in bounded parallel batches, and temp trees (removed when the test,
 * or the file for a bundle built in `beforeAll`, is done).
 */
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { parseQueue } from '../../src/protocol/queue.js';
import { tempDir } from './temp.js';

export { tempDir };

const REPO = resolve(import.meta.dirname, '../..');

/** Builds `src/cli/relay.ts` into one file in a temp dir and returns its path. */
export async function buildRelayBundle(): Promise<string> {
  const dir = tempDir('relay-bundle-');
  const outfile = join(dir, 'relay.mjs');
  await build({
    entryPoints: [join(REPO, 'src/cli/relay.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Minified like the committed bundle: hundreds of processes each parse it.
    minify: true,
    logLevel: 'warning',
    banner: { js: "import { createRequire as __relayCreateRequire } from 'node:module'; const require = __relayCreateRequire(import.meta.url);" },
  });
  return outfile;
}

/** What one relay process did. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  pid: number;
}

/** Options for one relay process. */
export interface RunOptions {
  cwd: string;
  env?: Record<string, string>;
  input?: string;
  /** SIGKILL the process this many ms after it starts. */
  killAfterMs?: number;
}

/** Runs `node bundle args…` and collects its output. */
export function runRelay(bundle: string, args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bundle, ...args], {
      cwd: options.cwd,
      env: { ...process.env, RELAY_AGENT: '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    let timer: NodeJS.Timeout | undefined;
    if (options.killAfterMs !== undefined) timer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr, pid: child.pid ?? -1 });
    });
    child.stdin.on('error', () => {
      // A process killed before reading its stdin closes the pipe; that is the point of the test.
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Runs tasks with at most `limit` in flight; results keep the tasks' order. */
export async function runPool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** `count` distinct URLs. */
export function makeUrls(count: number, prefix = 'https://example.com/article-'): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}${index}`);
}

/** Writes a queue file with a heading and the given item lines. */
export function writeQueue(path: string, heading: string, lines: string[]): void {
  writeFileSync(path, `${heading}\n\n${lines.map((line) => `${line}\n`).join('')}`);
}

/** Reads and parses a queue file. */
export function readQueue(path: string): ReturnType<typeof parseQueue> {
  return parseQueue(readFileSync(path, 'utf8'));
}

/** Runs git with an argument array; throws on failure (tests want to see it). */
export function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...IDENTITY },
  });
}

/** The commit identity the tests give git and relay. */
export const IDENTITY = { GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.com' };

/**
 * A bare repository `origin.git` in `base` whose `main` holds a state tree with `urls` (made by
 * `relay init` and `relay add` in a seed clone), and `count` clones of it with `relay init` run:
 * git config is not cloned, so each clone registers the merge driver. Throws when relay fails.
 */
export async function sharedOrigin(bundle: string, base: string, urls: string[], count: number): Promise<{ origin: string; clones: string[] }> {
  const ok = async (cwd: string, args: string[], input?: string): Promise<void> => {
    const result = await runRelay(bundle, args, { cwd, input, env: IDENTITY });
    if (result.code !== 0) throw new Error(`relay ${args.join(' ')} in ${cwd}: ${result.stderr}`);
  };
  const origin = join(base, 'origin.git');
  git(base, ['init', '-q', '--bare', origin]);
  git(origin, ['symbolic-ref', 'HEAD', 'refs/heads/main']);
  const seed = join(base, 'seed');
  git(base, ['clone', '-q', origin, seed]);
  git(seed, ['checkout', '-q', '-b', 'main']);
  await ok(seed, ['init']);
  if (urls.length > 0) await ok(seed, ['add', '-'], urls.join('\n'));
  git(seed, ['add', '-A']);
  git(seed, ['commit', '-q', '-m', 'seed the queue']);
  git(seed, ['push', '-q', 'origin', 'main']);
  const clones: string[] = [];
  for (let index = 0; index < count; index++) {
    const clone = join(base, `clone-${index}`);
    git(base, ['clone', '-q', '-b', 'main', origin, clone]);
    clones.push(clone);
  }
  await runPool(clones.map((clone) => () => ok(clone, ['init'])), 5);
  return { origin, clones };
}

/** Counts how often each value occurs. */
export function countBy(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}
