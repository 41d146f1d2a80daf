/**
 * `relay run` end to end with real processes: the relay CLI bundled from the sources runs the
 * runner, whose sessions are the stand-in `claude` (test/helpers/fake-claude.mjs, worker mode)
 * doing real relay commands (claim, handoff, done, session start/end) against a real git
 * repository. Faults come from the URLs' names (fail-first, hang-first, api-retry, slow) and
 * from killing the runner itself. Afterwards the files are the judges: every URL done exactly
 * once, no claim left, one logged record per successful session, the summary equal to them.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lint } from '../../src/lint/engine.js';
import { defaultConfig } from '../../src/protocol/config.js';
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
    expect(Object.keys(summary.sessions[0])).toEqual(['session_id', 'agent', 'role', 'status', 'urls', 'unassigned', 'cost_usd', 'turns']);
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
    expect(run.stderr).toMatch(/no more launches: writer-[0-9a-f]{6}-1 failed for a reason no retry fixes: an authentication error \(API 401\)/);
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

  it('--waves 4 --per-wave 2: a wave starts after every session of the one before ended, and reads exactly the notes of the wave before and the digest of the rest; a wave that does not lint stops the run', async () => {
    const { root, env } = project([]);
    const prompts = join(root, '..', `${root.split('/').pop()}-prompts.jsonl`);
    roots.push(prompts);
    const run = await runRelay(bundle, ['run', '--waves', '4', '--per-wave', '2', '-j', '3'], { cwd: root, env: { ...env, FAKE_PROMPTS: prompts } });
    expect(run.code).toBe(0);
    const runId = onlyRun(root);
    const attempts = readAttempts(root, runId);
    expect(attempts.map((attempt) => attempt.wave)).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
    for (const wave of [2, 3, 4]) {
      const lastEnd = Math.max(...attempts.filter((attempt) => attempt.wave === wave - 1).map((attempt) => Date.parse(attempt.end)));
      for (const attempt of attempts.filter((each) => each.wave === wave)) expect(Date.parse(attempt.start)).toBeGreaterThanOrEqual(lastEnd);
      expect(readdirSync(join(root, 'discovery', `wave-${wave}`))).toHaveLength(2);
    }
    expect(run.stderr).toContain('relay run: wave 4 lints clean');
    // What each session is told to read: its first line as before, then exactly the files.
    const told = readFileSync(prompts, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { agent: string; wave: number; prompt: string });
    for (const { agent, wave, prompt } of told) {
      const slot = attempts.find((attempt) => attempt.agent === agent)!.slot;
      expect(prompt.split('\n')[0]).toBe(`relay run ${runId}: you are the planner session \`${agent}\`, discovery wave ${wave}, session ${slot} of 2.`);
      const files = prompt.split('\n').filter((line) => line.startsWith('- `')).map((line) => /`([^`]+)`/.exec(line)![1]);
      const previous = wave === 1 ? [] : readdirSync(join(root, 'discovery', `wave-${wave - 1}`)).map((name) => `discovery/wave-${wave - 1}/${name}`).sort();
      expect(files).toEqual(wave > 2 ? [...previous, 'discovery/INDEX.md'] : previous);
    }
    // The digest now holds waves 1 and 2 (written before wave 4), one line per note, quoting its summary.
    const digest = readFileSync(join(root, 'discovery', 'INDEX.md'), 'utf8');
    expect(digest.split('\n').filter((line) => line.startsWith('- wave '))).toHaveLength(4);
    expect(digest).toMatch(/- wave 2 · `discovery\/wave-2\/planner-[0-9a-f]{6}-\d+\.md` · Wave 2 note by planner-[0-9a-f]{6}-\d+ — Wave 2 found one more lead\.\n/);
    // The tree lints with no error, and the digest is a file of the discovery folder, not an unknown one.
    const linted = await lint({ root, config: defaultConfig(), targets: ['discovery'] });
    expect(linted.results.flatMap((file) => file.messages.map((message) => `${file.filePath} ${message.ruleId}`))).toEqual([]);

    const bad = await runRelay(bundle, ['run', '--waves', '2', '--per-wave', '1', '--retries', '0', '--json'], { cwd: root, env: { ...env, FAKE_BAD_WAVE: '5' } });
    expect(bad.code).toBe(1);
    expect(existsSync(join(root, 'discovery', 'wave-6'))).toBe(false);
    const badRun = readdirSync(runsDirectory(root)).sort().at(-1)!;
    const summary = JSON.parse(readFileSync(join(runsDirectory(root), badRun, 'summary.json'), 'utf8'));
    expect(summary.state).toBe('failed');
    expect(summary.reason).toMatch(/^`discovery\/wave-5\/` has a protocol-lint error/);
  }, 120_000);

  it('a wave after 60 waves is told to read no more than a wave-2 one: the notes of the wave before and a digest capped at 8,000 characters', async () => {
    const { root, env } = project([]);
    const prompts = join(root, '..', `${root.split('/').pop()}-prompts.jsonl`);
    roots.push(prompts);
    for (let wave = 1; wave <= 60; wave++) {
      mkdirSync(join(root, 'discovery', `wave-${wave}`), { recursive: true });
      for (const note of ['a', 'b']) writeFileSync(join(root, 'discovery', `wave-${wave}`, `${note}.md`), `# Wave ${wave}, note ${note}: what the sources say about the question\n\nThe sources agree on the first point and disagree on the second, which wave ${wave + 1} takes up. More below.\n`);
    }
    const run = await runRelay(bundle, ['run', '--waves', '2', '--per-wave', '2', '-j', '2'], { cwd: root, env: { ...env, FAKE_PROMPTS: prompts } });
    expect(run.code).toBe(0);
    const digest = readFileSync(join(root, 'discovery', 'INDEX.md'), 'utf8');
    expect(digest.length).toBeLessThanOrEqual(8000);
    expect(digest).toContain('- wave 60 · `discovery/wave-60/b.md` · Wave 60, note b: what the sources say about the question — The sources agree on the first point and disagree on the second, which wave 61 takes up.');
    expect(digest).not.toContain('`discovery/wave-1/a.md`');
    expect(digest).toMatch(/\nLeft out: \d+ older note\(s\), of waves 1–\d+, to stay under 8000 characters/);
    const late = readFileSync(prompts, 'utf8').trim().split('\n').map((line) => JSON.parse(line)).find((each) => each.wave === 62)!.prompt as string;
    // A fresh relay's wave 2, as the runner writes it: the same question, two notes before it.
    const fresh = project([]);
    const freshPrompts = `${prompts}-fresh`;
    roots.push(freshPrompts);
    expect((await runRelay(bundle, ['run', '--waves', '2', '--per-wave', '2', '-j', '2'], { cwd: fresh.root, env: { ...fresh.env, FAKE_PROMPTS: freshPrompts } })).code).toBe(0);
    const early = readFileSync(freshPrompts, 'utf8').trim().split('\n').map((line) => JSON.parse(line)).find((each) => each.wave === 2)!.prompt as string;
    expect(late.length).toBeLessThanOrEqual(1.25 * early.length);
  }, 120_000);

  it('--per-wave past what a session of the next wave can read is refused', async () => {
    const { root, env } = project([]);
    const run = await runRelay(bundle, ['run', '--waves', '2', '--per-wave', '21'], { cwd: root, env });
    expect(run).toMatchObject({ code: 2, stderr: expect.stringContaining('Unexpected `--per-wave 21`, expected at most 20') });
    expect(existsSync(runsDirectory(root))).toBe(false);
  });

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

  it('a Claude Code that is not logged in stops the run after its first session, with the reason and the files on screen; nothing stays claimed and its record is closed as failed', async () => {
    const urls = ['a', 'b', 'c'].map((name) => `https://example.com/${name}`);
    const { root, env } = project(urls);
    const run = await runRelay(bundle, ['run', '--role', 'writer', '-j', '3'], { cwd: root, env: { ...env, FAKE_MODE: 'not-logged-in' } });
    expect(run.code).toBe(1);
    const runId = onlyRun(root);
    const attempts = readAttempts(root, runId);
    expect(attempts).toHaveLength(1);
    const stream = join(runsDirectory(root), runId, 'sessions', `${attempts[0]!.session_id}.jsonl`);
    expect(run.stderr).toContain(`: "Not logged in · Please run /login"`);
    expect(run.stderr).toContain(`(stream \`${stream}\`, stderr \`${stream}.stderr\`)`);
    expect(run.stderr).toMatch(/no more launches: writer-[0-9a-f]{6}-1 failed for a reason no retry fixes: Not logged in · Please run \/login\n/);
    expect(run.stdout.split('\n')[0]).toBe(`run ${runId}: failed (${attempts[0]!.agent} failed for a reason no retry fixes: Not logged in · Please run /login)`);
    expect(readFileSync(join(root, 'urls_todo.md'), 'utf8')).not.toContain('claimed by');
    expect(readFileSync(join(root, attempts[0]!.record!), 'utf8')).toMatch(/status: failed[\s\S]*reason: .*Not logged in/);
  }, 60_000);

  it('a role agent Claude Code does not know stops the run after one launch; the first stderr line says why', async () => {
    const urls = ['a', 'b', 'c'].map((name) => `https://example.com/${name}`);
    const { root, env } = project(urls);
    const run = await runRelay(bundle, ['run', '--role', 'writer', '-j', '3'], { cwd: root, env: { ...env, FAKE_AGENTS: 'relay:planner' } });
    expect(run.code).toBe(1);
    expect(readAttempts(root, onlyRun(root))).toHaveLength(1);
    expect(run.stderr).toContain(`stderr: "--agent 'relay:writer' not found. Available agents: claude, Explore, general-purpose, relay:planner"`);
    expect(run.stderr).toContain("failed for a reason no retry fixes: --agent 'relay:writer' not found");
    expect(readFileSync(join(root, 'urls_todo.md'), 'utf8')).not.toContain('claimed by');
  }, 60_000);

  it('--fail-fast: three sessions in a row failing within seconds for the same reason stop new launches', async () => {
    const urls = ['a-always-fail', 'b-always-fail', 'c-always-fail', 'd-always-fail', 'e', 'f'].map((name) => `https://example.com/${name}`);
    const { root, env } = project(urls);
    const run = await runRelay(bundle, ['run', '--role', 'writer', '-j', '1'], { cwd: root, env });
    expect(run.code).toBe(1);
    expect(readAttempts(root, onlyRun(root)).map((attempt) => attempt.status)).toEqual(['failed', 'failed', 'failed']);
    expect(run.stderr).toContain('no more launches: 3 sessions in a row failed within 30s for the same reason: The `result` event has `is_error: true` (subtype `success`, terminal_reason `api_error`, API status `400`)');
    expect(readFileSync(join(root, 'urls_todo.md'), 'utf8')).not.toContain('claimed by');
    // Off with 0: the same run goes on to the URLs that work.
    const { root: second, env: secondEnv } = project(urls);
    const all = await runRelay(bundle, ['run', '--role', 'writer', '-j', '1', '--retries', '0', '--fail-fast', '0'], { cwd: second, env: secondEnv });
    expect(all.code).toBe(1);
    expect([...doneCounts(second).keys()].sort()).toEqual([urls[4], urls[5]]);
  }, 120_000);

  it('a session that finished URLs it was not given has them counted, and listed as unassigned', async () => {
    const urls = ['a-greedy', 'b'].map((name) => `https://example.com/${name}`);
    const { root, env } = project(urls);
    const run = await runRelay(bundle, ['run', '--role', 'writer', '-j', '1', '--json'], { cwd: root, env });
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.sessions).toHaveLength(1);
    expect(summary.sessions[0]).toMatchObject({ status: 'succeeded', urls, unassigned: [urls[1]] });
    expect(summary.totals.urls_done).toBe(2);
  }, 60_000);

  it('--remote that git cannot reach is one line and exit 1, and no run is recorded', async () => {
    const { root, env } = project(['https://example.com/a']);
    const run = await runRelay(bundle, ['run', '--role', 'writer', '--remote', 'nosuch'], { cwd: root, env });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^relay run: Unexpected `--remote nosuch` that git cannot reach \(.*\), expected a remote `git remote` lists, or a URL or path of a repository\n$/);
    expect(existsSync(runsDirectory(root))).toBe(false);
  });

  it('--dry-run checks claude, its version, the plugin and the role\'s agent, and claims and starts nothing; a missing one is exit 1', async () => {
    const { root, env } = project(['https://example.com/a', 'https://example.com/b']);
    const dry = await runRelay(bundle, ['run', '--role', 'writer', '-j', '4', '--dry-run'], { cwd: root, env });
    expect(dry).toMatchObject({ code: 0, stderr: '' });
    expect(dry.stdout).toContain(`claude: ${FAKE} (2.1.328 (Claude Code)); the plugin loads and has \`relay:writer\``);
    expect(dry.stdout).toContain('pending unclaimed URLs: 2; first-stage sessions: 2');
    expect(dry.stdout).toContain(`a session: ${FAKE} -p PROMPT --output-format stream-json --verbose --session-id SESSION-UUID --agent relay:writer --permission-mode acceptEdits --allowedTools 'Bash(relay claim)' 'Bash(relay claim *)'`);
    expect(dry.stdout).not.toContain("'Bash(relay *)'");
    expect(existsSync(runsDirectory(root))).toBe(false);
    expect(existsSync(join(root, 'sessions'))).toBe(false);
    expect(readFileSync(join(root, 'urls_todo.md'), 'utf8')).not.toContain('claimed by');
    const noAgent = await runRelay(bundle, ['run', '--role', 'writer', '--dry-run'], { cwd: root, env: { ...env, FAKE_AGENTS: '' } });
    expect(noAgent).toMatchObject({ code: 1, stderr: "relay run: a session of `relay:writer` does not start: --agent 'relay:writer' not found. Available agents: claude, Explore, general-purpose,\n" });
    const loggedOut = await runRelay(bundle, ['run', '--role', 'writer', '--dry-run'], { cwd: root, env: { ...env, FAKE_MODE: 'not-logged-in' } });
    expect(loggedOut).toMatchObject({ code: 1, stderr: 'relay run: a session of `relay:writer` fails at once: Not logged in · Please run /login\n' });
    const missing = await runRelay(bundle, ['run', '--role', 'writer', '--dry-run', '--claude', join(root, 'no-claude')], { cwd: root, env });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('(not found)');
    expect(existsSync(runsDirectory(root))).toBe(false);
  }, 60_000);

  it('a missing mode is a usage error of one line, and status says when there are no runs', async () => {
    const { root, env } = project(['https://example.com/a']);
    const none = await runRelay(bundle, ['run'], { cwd: root, env });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Missing a mode');
    const status = await runRelay(bundle, ['run', 'status'], { cwd: root, env });
    expect(status).toMatchObject({ code: 1, stderr: 'relay run: no runs yet in this repository\n' });
  }, 60_000);
});
