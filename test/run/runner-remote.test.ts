/**
 * `relay run --remote` end to end with real parts: a bare repository, clones made with `git
 * clone`, a runner in each (the relay CLI bundled from the sources), whose sessions are the
 * stand-in `claude` (test/helpers/fake-claude.mjs, worker mode) running real relay commands.
 * Two runners started at once over one queue must share it: every URL done once on the
 * remote's branch, no URL worked by both, no claim ref left.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRunning } from '../../src/run/processes.js';
import { readAttempts, readRunning, runsDirectory } from '../../src/run/records.js';
import { buildRelayBundle, git, IDENTITY, makeUrls, readQueue, runRelay, sharedOrigin, tempDir, type RunResult } from '../helpers/state-relay.js';
import { exited, until } from '../helpers/run.js';
import { removeTree } from '../helpers/tree.js';

const FAKE = resolve(__dirname, '../helpers/fake-claude.mjs');
const bases: string[] = [];
let bundle: string;

beforeAll(async () => {
  bundle = await buildRelayBundle();
}, 60_000);

afterAll(() => {
  for (const base of bases.splice(0)) removeTree(base);
});

function relay(cwd: string, args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return runRelay(bundle, args, { cwd, env: { ...IDENTITY, ...env } });
}

const lines = (text: string): string[] => text.split('\n').filter(Boolean);

/** A bare origin whose `main` holds a state tree with `urls`, and `count` clones of it with `relay init` run. */
async function setup(urls: string[], count: number): Promise<{ base: string; origin: string; clones: string[] }> {
  const base = tempDir('relay-run-remote-');
  bases.push(base);
  return { base, ...(await sharedOrigin(bundle, base, urls, count)) };
}

/** The stand-in sessions' environment, their log per clone. */
function sessionEnv(base: string, name: string): { env: Record<string, string>; log: string } {
  const log = join(base, `${name}-log.txt`);
  return { log, env: { ...IDENTITY, FAKE_MODE: 'worker', FAKE_RELAY: bundle, FAKE_LOG: log, FAKE_STATE: join(base, 'fake-state'), RELAY_CLAUDE: FAKE, RELAY_RUN_GRACE_MS: '300' } };
}

function claimRefs(origin: string): string[] {
  return lines(git(origin, ['for-each-ref', '--format=%(refname)', 'refs/relay/claims/']));
}

function logLines(log: string): string[] {
  return existsSync(log) ? lines(readFileSync(log, 'utf8')) : [];
}

function onlyRun(root: string): string {
  const runs = readdirSync(runsDirectory(root));
  expect(runs).toHaveLength(1);
  return runs[0]!;
}

describe('relay run --remote', () => {
  it('two runners in two clones, started at once over one queue of 12 URLs: every URL done once on the remote, none worked by both, no claim ref left', async () => {
    const urls = [...makeUrls(11), 'https://example.com/article-fail-first'];
    const { base, origin, clones } = await setup(urls, 2);
    const [first, second] = clones as [string, string];
    // The second clone names the remote in its config instead of on the command line.
    writeFileSync(join(second, '.protocol-lint.json'), JSON.stringify({ remote: 'origin' }) + '\n');
    const one = sessionEnv(base, 'first');
    const two = sessionEnv(base, 'second');
    const [a, b] = await Promise.all([
      relay(first, ['run', '--remote', 'origin', '--role', 'writer', '-j', '2', '--json'], one.env),
      relay(second, ['run', '--role', 'writer', '-j', '2', '--json'], two.env),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    for (const result of [a, b]) expect(result.stderr).toMatch(/relay run: synced: (pushed to origin\/main|origin\/main was up to date)/);

    // The records of each run: which URLs each runner's sessions were given and finished.
    const worked = new Map<string, string[]>();
    for (const clone of clones) {
      const runId = onlyRun(clone);
      expect(readRunning(clone, runId)).toEqual([]);
      const attempts = readAttempts(clone, runId);
      for (const attempt of attempts) for (const url of attempt.assigned) worked.set(url, [...new Set([...(worked.get(url) ?? []), clone])]);
      // Each session's own `relay claim` (through RELAY_REMOTE) got back exactly the URLs the runner claimed for it.
      const summary = JSON.parse(readFileSync(join(runsDirectory(clone), runId, 'summary.json'), 'utf8'));
      expect(summary.state).toBe('finished');
      expect(attempts.filter((attempt) => attempt.status === 'succeeded').flatMap((attempt) => attempt.urls).length).toBe(summary.totals.urls_done);
    }
    expect([...worked.keys()].sort()).toEqual([...urls].sort());
    expect([...worked].filter(([, by]) => by.length > 1)).toEqual([]);
    // Both runners had work: the queue was shared, not taken by whoever started first.
    expect(new Set([...worked.values()].flat()).size).toBe(2);

    const logs = [...logLines(one.log), ...logLines(two.log)];
    expect(logs.filter((line) => line.startsWith('MISMATCH'))).toEqual([]);
    const starts = logs.filter((line) => line.startsWith('start '));
    expect(starts.length).toBeGreaterThanOrEqual(urls.length + 1);
    for (const line of starts) expect(line).toMatch(/ remote origin$/);
    // The failed first attempt of one URL was retried by the same runner, through its queue agent on the remote.
    const doneLines = logs.filter((line) => line.startsWith('done ')).map((line) => line.split(' ')[2]!);
    expect(doneLines.sort()).toEqual([...urls].sort());

    // The remote's branch: every URL done exactly once, nothing pending; no claim ref left.
    const fresh = join(base, 'fresh');
    git(base, ['clone', '-q', '-b', 'main', origin, fresh]);
    const done = readQueue(join(fresh, 'urls_done.md')).items.map((item) => item.url);
    expect(done.sort()).toEqual([...urls].sort());
    expect(readQueue(join(fresh, 'urls_todo.md')).items).toEqual([]);
    expect(claimRefs(origin)).toEqual([]);
    // Both runners' sessions' records reached the branch (the failed attempt's too: it started one).
    const records = readdirSync(join(fresh, 'sessions')).filter((name) => name.endsWith('.md'));
    const recorded = clones.flatMap((clone) => readAttempts(clone, onlyRun(clone)).filter((attempt) => attempt.record !== undefined));
    expect(recorded.filter((attempt) => attempt.status === 'succeeded')).toHaveLength(urls.length);
    expect(records.sort()).toEqual(recorded.map((attempt) => `${attempt.session_id}.md`).sort());
  }, 240_000);

  it('relay run stop with a remote: the sessions end, their claim refs are deleted on the remote and the stop is synced', async () => {
    const urls = makeUrls(3);
    const { base, origin, clones } = await setup(urls, 1);
    const clone = clones[0]!;
    const { env } = sessionEnv(base, 'stopped');
    const runner = spawn(process.execPath, [bundle, 'run', '--remote', 'origin', '--role', 'writer', '-j', '2'], { cwd: clone, env: { ...process.env, RELAY_AGENT: '', ...env, FAKE_SLOW_ALL: '1', FAKE_SLOW_MS: '60000' }, stdio: 'ignore' });
    const runId = await until(() => (existsSync(runsDirectory(clone)) ? readdirSync(runsDirectory(clone))[0] : undefined));
    const live = await until(() => {
      const running = readRunning(clone, runId).filter((entry) => entry.pid > 0);
      return running.length === 2 ? running : undefined;
    });
    // The runner claimed their URLs on the remote before they started.
    expect(claimRefs(origin)).toHaveLength(2);
    const stop = await relay(clone, ['run', 'stop', runId], env);
    expect(stop.code, stop.stderr).toBe(0);
    expect(await exited(runner)).toBe(1);
    for (const entry of live) expect(isRunning(entry.pid)).toBe(false);
    expect(claimRefs(origin)).toEqual([]);
    expect(readFileSync(join(clone, 'urls_todo.md'), 'utf8')).not.toContain('claimed by');
    expect(readAttempts(clone, runId).map((attempt) => attempt.status)).toEqual(['failed', 'failed']);
    // Another clone can claim every URL again.
    const other = join(base, 'other');
    git(base, ['clone', '-q', '-b', 'main', origin, other]);
    expect((await relay(other, ['init'])).code).toBe(0);
    expect(lines((await relay(other, ['claim', '--remote', 'origin', '-n', '3', '--agent', 'other'])).stdout).sort()).toEqual([...urls].sort());
  }, 120_000);

  it('a remote this clone cannot use, or a clone without the merge driver, is one line and exit 1 before anything is claimed', async () => {
    const { base, clones } = await setup(makeUrls(2), 1);
    const clone = clones[0]!;
    const { env } = sessionEnv(base, 'refused');
    const dryOk = await relay(clone, ['run', '--role', 'writer', '--dry-run'], { ...env, RELAY_REMOTE: 'origin' });
    expect(dryOk.code, dryOk.stderr).toBe(0);
    expect(dryOk.stdout).toContain('claims through remote: origin (the sessions get RELAY_REMOTE=origin; the run ends with relay sync)');
    const bad = await relay(clone, ['run', '--remote=-x', '--role', 'writer'], env);
    expect(bad.code).toBe(1);
    expect(lines(bad.stderr)).toHaveLength(1);
    expect(bad.stderr).toContain('Unexpected remote `-x`');
    git(clone, ['config', '--unset', 'merge.relay-queue.driver']);
    const noDriver = await relay(clone, ['run', '--remote', 'origin', '--role', 'writer'], env);
    expect(noDriver.code).toBe(1);
    expect(lines(noDriver.stderr)).toHaveLength(1);
    expect(noDriver.stderr).toContain('run `relay init`');
    expect(existsSync(runsDirectory(clone))).toBe(false);
    const dry = await relay(clone, ['run', '--role', 'writer', '--dry-run'], { ...env, RELAY_REMOTE: 'origin' });
    expect(dry.code).toBe(1);
    expect(dry.stderr).toContain('merge driver');
  }, 120_000);
});
