/**
 * `relay run` end to end with real processes: the relay CLI bundled from the sources runs the
 * runner, whose sessions are the stand-in `claude` (test/helpers/fake-claude.mjs, worker mode)
 * doing real relay commands (claim, handoff, done, session start/end) against a real git
 * repository. Faults come from the URLs' names (fail-first, hang-first, api-retry, slow) and
 * from killing the runner itself. Afterwards the files are the judges: every URL done exactly
 * once, no claim left, one logged record per successful session, the summary equal to them.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRunning, sessionProcesses } from '../../src/run/processes.js';
import { readAttempts, readRunning, runsDirectory, type AttemptRecord } from '../../src/run/records.js';
import { exited, until } from '../helpers/run.js';
import { buildRelayBundle, runRelay } from '../helpers/state-relay.js';
import { git, removeTree, tempDirFor } from './helpers.js';

const FAKE = resolve(__dirname, '../helpers/fake-claude.mjs');
const roots: string[] = [];
let bundle: string;

beforeAll(async () => {
  bundle = await buildRelayBundle();
}, 60_000);

afterAll(() => {
  for (const root of roots.splice(0)) removeTree(root);
});

/** A git repository whose queue holds `urls`. */
function project(urls: string[]): { root: string; log: string; env: Record<string, string> } {
  const root = tempDirFor(roots);
  writeFileSync(join(root, 'urls_todo.md'), `# Pending URLs\n\n${urls.map((url) => `- ${url}\n`).join('')}`);
  writeFileSync(join(root, 'urls_done.md'), '# Completed URLs\n');
  git(root, ['init', '--quiet']);
  git(root, ['add', '-A']);
  git(root, ['-c', 'user.name=t', '-c', 'user.email=t@relay.invalid', 'commit', '--quiet', '-m', 'seed']);
  const log = join(root, '..', `${root.split('/').pop()}-log.txt`);
  roots.push(log, `${log}-state`);
  return { root, log, env: { FAKE_MODE: 'worker', FAKE_RELAY: bundle, FAKE_LOG: log, FAKE_STATE: `${log}-state`, RELAY_CLAUDE: FAKE, RELAY_RUN_GRACE_MS: '300' } };
}

function onlyRun(root: string): string {
  const runs = readdirSync(runsDirectory(root));
  expect(runs).toHaveLength(1);
  return runs[0]!;
}

function logLines(log: string): string[] {
  return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
}

/** The done lines of urls_done.md, by URL. */
function doneCounts(root: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of readFileSync(join(root, 'urls_done.md'), 'utf8').split('\n')) {
    const url = /^- (\S+) \(completed/.exec(line)?.[1];
    if (url !== undefined) counts.set(url, (counts.get(url) ?? 0) + 1);
  }
  return counts;
}

/** The checks every finished run must pass: exactly once, nothing claimed, records and summary equal to the files. */
function expectConsistent(root: string, runId: string, urls: string[], attempts: AttemptRecord[]): void {
  const done = doneCounts(root);
  expect(Object.fromEntries(done)).toEqual(Object.fromEntries(urls.map((url) => [url, 1])));
  expect(readFileSync(join(root, 'urls_todo.md'), 'utf8')).not.toContain('claimed by');
  expect(readRunning(root, runId)).toEqual([]);
  const summary = JSON.parse(readFileSync(join(runsDirectory(root), runId, 'summary.json'), 'utf8'));
  const succeeded = attempts.filter((attempt) => attempt.status === 'succeeded');
  expect(summary.totals).toMatchObject({ sessions: attempts.length, succeeded: succeeded.length, failed: attempts.length - succeeded.length, urls_done: done.size });
  // One logged record per successful session, linked from its attempt line.
  for (const attempt of succeeded) {
    expect(attempt.record).toBe(`sessions/${attempt.session_id}.md`);
    const record = readFileSync(join(root, attempt.record!), 'utf8');
    expect(record).toContain('status: logged');
    expect(record).toContain(`run: ${runId}`);
  }
  const streams = readdirSync(join(runsDirectory(root), runId, 'sessions')).filter((name) => name.endsWith('.jsonl'));
  expect(streams.sort()).toEqual(attempts.map((attempt) => `${attempt.session_id}.jsonl`).sort());
  for (const attempt of attempts) expect(sessionProcesses(attempt.session_id)).toEqual([]);
}

describe('relay run with stand-in sessions', () => {
  it('--role writer: every URL done once; a failed session and a hung one are retried with fresh sessions; api_retry lowers parallelism; --json is §6', async () => {
    const urls = ['a', 'b-fail-first', 'c-hang-first', 'd-api-retry', 'e', 'f'].map((name) => `https://example.com/${name}`);
    const { root, log, env } = project(urls);
    const run = await runRelay(bundle, ['run', '--role', 'writer', '-j', '3', '--session-timeout', '12', '--json'], { cwd: root, env });
    expect(run.stderr).toMatch(/relay run \d{8}-\d{6}-[0-9a-f]{6}: records in /);
    expect(run.code).toBe(0);
    const runId = onlyRun(root);
    const attempts = readAttempts(root, runId);
    expectConsistent(root, runId, urls, attempts);
    expect(attempts).toHaveLength(8);
    const failed = attempts.filter((attempt) => attempt.status === 'failed');
    expect(failed.map((attempt) => attempt.assigned[0]).sort()).toEqual([urls[1], urls[2]]);
    const hung = failed.find((attempt) => attempt.assigned[0] === urls[2])!;
    expect(hung).toMatchObject({ timed_out: true, is_error: null, signals: ['SIGINT'], released: [urls[2]] });
    const retries = attempts.filter((attempt) => attempt.attempt === 2);
    expect(retries.map((attempt) => attempt.assigned[0]).sort()).toEqual([urls[1], urls[2]]);
    for (const retry of retries) expect(failed.map((attempt) => attempt.session_id)).not.toContain(retry.session_id);
    // Each session's own `relay claim` got back exactly the URLs the runner claimed for it.
    expect(logLines(log).filter((line) => line.startsWith('MISMATCH'))).toEqual([]);
    expect(new Set(attempts.map((attempt) => attempt.agent)).size).toBe(attempts.length);
    expect(run.stderr).toMatch(/the API asks to slow down \(529\) in writer-[0-9a-f]{6}-\d+: parallelism 1 for 60s/);
    const summary = JSON.parse(run.stdout);
    expect(Object.keys(summary)).toEqual(['run', 'sessions', 'totals']);
    expect(Object.keys(summary.totals)).toEqual(['sessions', 'succeeded', 'failed', 'retried', 'urls_done', 'cost_usd']);
    expect(Object.keys(summary.sessions[0])).toEqual(['session_id', 'agent', 'role', 'status', 'urls', 'cost_usd', 'turns']);
    expect(summary.totals).toEqual({ sessions: 8, succeeded: 6, failed: 2, retried: 2, urls_done: 6, cost_usd: 0.061 });
    // Plain event lines when stderr is not a terminal: no carriage returns or escapes.
    expect(run.stderr).not.toMatch(/[\r\x1b]/);
    const status = await runRelay(bundle, ['run', 'status'], { cwd: root, env });
    expect(status.stdout).toContain(`run ${runId}: finished`);
    expect(status.stdout).toContain('sessions 8: 6 succeeded, 2 failed, 2 retries; 6 URLs done; $0.0610');
  }, 120_000);

  it('--run-budget-usd: no launch once the sessions\' summed cost reaches the budget, said to be an estimate; the rest stays pending and unclaimed', async () => {
    const urls = ['a', 'b', 'c', 'd', 'e'].map((name) => `https://example.com/${name}`);
    const { root, env } = project(urls);
    // Each worker session reports $0.01: two reach $0.015, so no third is launched (-j 1).
    const run = await runRelay(bundle, ['run', '--role', 'writer', '-j', '1', '--run-budget-usd', '0.015'], { cwd: root, env });
    const runId = onlyRun(root);
    const attempts = readAttempts(root, runId);
    expect(attempts.map((attempt) => attempt.status)).toEqual(['succeeded', 'succeeded']);
    expect(run.stderr).toMatch(/run budget of \$0\.015 is reached .*an estimate/);
    const done = doneCounts(root);
    expect([...done.values()]).toEqual([1, 1]);
    const todo = readFileSync(join(root, 'urls_todo.md'), 'utf8');
    expect(todo).not.toContain('claimed by');
    for (const url of urls) expect(done.has(url) !== todo.includes(`- ${url}\n`)).toBe(true);
    expect(readRunning(root, runId)).toEqual([]);
  }, 60_000);

  it('an authentication error (API 401) stops new launches: the failed session\'s claims are given back and nothing else starts', async () => {
    const urls = ['a-auth-fail', 'b', 'c', 'd'].map((name) => `https://example.com/${name}`);
    const { root, log, env } = project(urls);
    const run = await runRelay(bundle, ['run', '--role', 'writer', '-j', '1'], { cwd: root, env });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/authentication error \(API 401\).*new launches stopped/);
    const runId = onlyRun(root);
    const attempts = readAttempts(root, runId);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ status: 'failed', assigned: [urls[0]] });
    expect(logLines(log).filter((line) => line.startsWith('start'))).toHaveLength(1);
    expect(readFileSync(join(root, 'urls_todo.md'), 'utf8')).not.toContain('claimed by');
    expect(doneCounts(root).size).toBe(0);
  }, 60_000);

  it('--pipeline planner,writer,reviewer: each URL passes the stages in order, a stage starting only after the one before ended; handed-on URLs are finished work', async () => {
    const urls = ['a', 'b-fail-first', 'c'].map((name) => `https://example.com/${name}`);
    const { root, env } = project(urls);
    const run = await runRelay(bundle, ['run', '--pipeline', 'planner,writer,reviewer', '-j', '3'], { cwd: root, env });
    expect(run.code).toBe(0);
    const runId = onlyRun(root);
    const attempts = readAttempts(root, runId);
    expectConsistent(root, runId, urls, attempts);
    for (const url of urls) {
      const mine = attempts.filter((attempt) => attempt.assigned.includes(url) && attempt.status === 'succeeded');
      expect(mine.map((attempt) => attempt.stage)).toEqual(['planner', 'writer', 'reviewer']);
      expect(mine.map((attempt) => attempt.role)).toEqual(['planner', 'writer', 'reviewer']);
      for (const attempt of mine) expect(attempt.urls).toEqual([url]);
      for (let index = 1; index < mine.length; index++) expect(Date.parse(mine[index]!.start)).toBeGreaterThanOrEqual(Date.parse(mine[index - 1]!.end));
    }
    expect(attempts.filter((attempt) => attempt.status === 'failed').map((attempt) => [attempt.stage, attempt.assigned])).toEqual([['planner', [urls[1]]]]);
    expect(run.stdout).toContain('sessions 10: 9 succeeded, 1 failed, 1 retries; 3 URLs done');
  }, 120_000);

  it('--waves 3 --per-wave 2: a wave starts after every session of the one before ended; a wave that does not lint stops the run', async () => {
    const { root, env } = project([]);
    const run = await runRelay(bundle, ['run', '--waves', '3', '--per-wave', '2', '-j', '3'], { cwd: root, env });
    expect(run.code).toBe(0);
    const runId = onlyRun(root);
    const attempts = readAttempts(root, runId);
    expect(attempts.map((attempt) => attempt.wave)).toEqual([1, 1, 2, 2, 3, 3]);
    for (const wave of [2, 3]) {
      const lastEnd = Math.max(...attempts.filter((attempt) => attempt.wave === wave - 1).map((attempt) => Date.parse(attempt.end)));
      for (const attempt of attempts.filter((each) => each.wave === wave)) expect(Date.parse(attempt.start)).toBeGreaterThanOrEqual(lastEnd);
      expect(readdirSync(join(root, 'discovery', `wave-${wave}`))).toHaveLength(2);
    }
    expect(run.stderr).toContain('relay run: wave 3 lints clean');

    const bad = await runRelay(bundle, ['run', '--waves', '2', '--per-wave', '1', '--retries', '0', '--json'], { cwd: root, env: { ...env, FAKE_BAD_WAVE: '4' } });
    expect(bad.code).toBe(1);
    expect(existsSync(join(root, 'discovery', 'wave-5'))).toBe(false);
    const badRun = readdirSync(runsDirectory(root)).sort().at(-1)!;
    const summary = JSON.parse(readFileSync(join(runsDirectory(root), badRun, 'summary.json'), 'utf8'));
    expect(summary.state).toBe('failed');
    expect(summary.reason).toMatch(/^`discovery\/wave-4\/` has a protocol-lint error/);
  }, 120_000);

  it('a runner killed with SIGKILL is resumed: live sessions are adopted, and the run finishes with no URL done twice', async () => {
    const urls = ['a', 'b', 'c', 'd'].map((name) => `https://example.com/${name}`);
    const { root, log, env } = project(urls);
    const runner = spawn(process.execPath, [bundle, 'run', '--role', 'writer', '-j', '2'], { cwd: root, env: { ...process.env, RELAY_AGENT: '', ...env, FAKE_SLOW_ALL: '1', FAKE_SLOW_MS: '2500' }, stdio: 'ignore' });
    const runId = await until(() => (existsSync(runsDirectory(root)) ? readdirSync(runsDirectory(root))[0] : undefined));
    const live = await until(() => {
      const running = readRunning(root, runId).filter((entry) => entry.pid > 0);
      return running.length === 2 ? running : undefined;
    });
    runner.kill('SIGKILL');
    await exited(runner);
    // The sessions outlive their runner.
    expect(live.every((entry) => isRunning(entry.pid))).toBe(true);
    const resumed = await runRelay(bundle, ['run', 'resume', runId], { cwd: root, env });
    expect(resumed.stderr).toContain(`adopted ${live[0]!.agent}`);
    expect(resumed.code).toBe(0);
    const attempts = readAttempts(root, runId);
    expectConsistent(root, runId, urls, attempts);
    expect(attempts.filter((attempt) => attempt.status === 'succeeded')).toHaveLength(4);
    expect(logLines(log).filter((line) => line.startsWith('done ')).map((line) => line.split(' ')[2]).sort()).toEqual(urls);
  }, 120_000);

  it('relay run stop ends the sessions of a running run, gives their claims back, and records the run as stopped', async () => {
    const urls = ['a', 'b', 'c'].map((name) => `https://example.com/${name}`);
    const { root, env } = project(urls);
    const runner = spawn(process.execPath, [bundle, 'run', '--role', 'writer', '-j', '2'], { cwd: root, env: { ...process.env, RELAY_AGENT: '', ...env, FAKE_SLOW_ALL: '1', FAKE_SLOW_MS: '60000' }, stdio: 'ignore' });
    const runId = await until(() => (existsSync(runsDirectory(root)) ? readdirSync(runsDirectory(root))[0] : undefined));
    const live = await until(() => {
      const running = readRunning(root, runId).filter((entry) => entry.pid > 0);
      return running.length === 2 ? running : undefined;
    });
    const stop = await runRelay(bundle, ['run', 'stop', runId], { cwd: root, env });
    expect(stop.code).toBe(0);
    expect(stop.stdout).toContain(`run ${runId}: stopped (\`relay run stop\`)`);
    expect(await exited(runner)).toBe(1);
    for (const entry of live) expect(isRunning(entry.pid)).toBe(false);
    expect(readFileSync(join(root, 'urls_todo.md'), 'utf8')).not.toContain('claimed by');
    const attempts = readAttempts(root, runId);
    expect(attempts.map((attempt) => attempt.status)).toEqual(['failed', 'failed']);
    expect(readRunning(root, runId)).toEqual([]);
  }, 120_000);

  it('relay run stop with its runner gone (killed) ends the sessions it left and gives their claims back', async () => {
    const urls = ['a', 'b'].map((name) => `https://example.com/${name}`);
    const { root, env } = project(urls);
    const runner = spawn(process.execPath, [bundle, 'run', '--role', 'writer', '-j', '2'], { cwd: root, env: { ...process.env, RELAY_AGENT: '', ...env, FAKE_SLOW_ALL: '1', FAKE_SLOW_MS: '60000' }, stdio: 'ignore' });
    const runId = await until(() => (existsSync(runsDirectory(root)) ? readdirSync(runsDirectory(root))[0] : undefined));
    const live = await until(() => {
      const running = readRunning(root, runId).filter((entry) => entry.pid > 0);
      return running.length === 2 ? running : undefined;
    });
    runner.kill('SIGKILL');
    await exited(runner);
    expect(live.every((entry) => isRunning(entry.pid))).toBe(true);
    const interrupted = await runRelay(bundle, ['run', 'status', runId], { cwd: root, env });
    expect(interrupted.stdout).toContain(`run ${runId}: interrupted (its runner is gone; \`relay run resume ${runId}\`)`);
    expect(interrupted.stdout).toContain('  running    writer-');
    const stop = await runRelay(bundle, ['run', 'stop', runId], { cwd: root, env });
    expect(stop.code).toBe(0);
    expect(stop.stderr).toContain('its runner is gone; ending its sessions here');
    expect(stop.stdout).toContain(`run ${runId}: stopped (\`relay run stop\`)`);
    await expect.poll(() => live.map((entry) => isRunning(entry.pid))).toEqual([false, false]);
    expect(readFileSync(join(root, 'urls_todo.md'), 'utf8')).toBe(`# Pending URLs\n\n${urls.map((url) => `- ${url}\n`).join('')}`);
    expect(readAttempts(root, runId).map((attempt) => [attempt.status, attempt.signals[0]])).toEqual([['failed', 'SIGINT'], ['failed', 'SIGINT']]);
    expect(readRunning(root, runId)).toEqual([]);
  }, 120_000);

  it('--dry-run claims and starts nothing; a missing mode is a usage error of one line', async () => {
    const { root, env } = project(['https://example.com/a', 'https://example.com/b']);
    const dry = await runRelay(bundle, ['run', '--role', 'writer', '-j', '4', '--dry-run'], { cwd: root, env });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('pending unclaimed URLs: 2; first-stage sessions: 2');
    expect(dry.stdout).toContain(`a session: ${FAKE} -p PROMPT --output-format stream-json --verbose --session-id SESSION-UUID --agent relay:writer`);
    expect(existsSync(runsDirectory(root))).toBe(false);
    expect(readFileSync(join(root, 'urls_todo.md'), 'utf8')).not.toContain('claimed by');
    const none = await runRelay(bundle, ['run'], { cwd: root, env });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Missing a mode');
    const status = await runRelay(bundle, ['run', 'status'], { cwd: root, env });
    expect(status).toMatchObject({ code: 1, stderr: 'relay run: no runs yet in this repository\n' });
  }, 60_000);
});
