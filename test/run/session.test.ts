/**
 * The runner's core with real child processes: a stand-in for the `claude` binary
 * (test/helpers/fake-claude.mjs) started the way `relay run` starts a session, in a real git
 * repository: its arguments and environment, its own process group and /dev/null stdin, the
 * verdict read from its `result` event, the interrupt → terminate → kill escalation, the
 * reaping of an orphan by its session id, and the run's records.
 * The timeouts leave the stand-in time to start and install its signal handlers on a loaded machine.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/protocol/config.js';
import { runAttempt } from '../../src/run/attempt.js';
import { isRunning, sessionProcesses } from '../../src/run/processes.js';
import { createRun, newRunId, readAttempts, runDirectory, RUN_ID_PATTERN } from '../../src/run/records.js';
import { claudeBinary, SESSION_TOOLS } from '../../src/run/session.js';
import { readSession } from '../../src/ledger/index.js';
import { git, removeTree, tempDirFor } from './helpers.js';

const FAKE = resolve(__dirname, '../helpers/fake-claude.mjs');
const config = defaultConfig();
const URL = 'https://example.com/article-1';
const roots: string[] = [];
const leftovers: number[] = [];

afterEach(() => {
  for (const pid of leftovers.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone, as it should be
    }
  }
  for (const root of roots.splice(0)) removeTree(root);
});

/** A git repository with one pending URL, claimed by `claimedBy` when given, and a run. */
function project(claimedBy?: string): { root: string; runId: string; report: string } {
  const root = tempDirFor(roots);
  const claim = claimedBy === undefined ? '' : ` (claimed by ${claimedBy} at 2026-03-19T10:00:00Z)`;
  writeFileSync(join(root, 'urls_todo.md'), `# Pending URLs\n\n- ${URL}${claim}\n`);
  writeFileSync(join(root, 'urls_done.md'), '# Completed URLs\n');
  git(root, ['init', '--quiet']);
  git(root, ['add', '-A']);
  git(root, ['commit', '--quiet', '-m', 'seed']);
  const runId = newRunId(new Date());
  createRun(root, runId, { role: 'writer', sessions: 1 });
  const report = join(root, '..', `${root.split('/').pop()}-report.json`);
  roots.push(report);
  return { root, runId, report };
}

function attempt(root: string, runId: string, report: string, mode: string, extra: Record<string, unknown> = {}) {
  return runAttempt({
    root,
    config,
    runId,
    role: 'writer',
    agent: 'writer-t1',
    prompt: 'Take the next URL.',
    claude: FAKE,
    env: { ...process.env, FAKE_MODE: mode, FAKE_REPORT: report, CLAUDE_CODE_SESSION_ID: 'the-runners-own-session' },
    graceMs: 300,
    ...extra,
  });
}

describe('runAttempt with a stand-in claude', () => {
  it('starts the session with the §6 arguments and environment, in its own group, stdin from /dev/null; judges it successful and records it', async () => {
    const { root, runId, report } = project();
    const outcome = await attempt(root, runId, report, 'success', { pluginDir: '/opt/relay', model: 'sonnet', maxTurns: 12, maxBudgetUsd: 0.5 });
    const started = JSON.parse(readFileSync(report, 'utf8'));
    const id = outcome.exit.sessionId;
    expect(started.args).toEqual([
      '-p', 'Take the next URL.', '--output-format', 'stream-json', '--verbose', '--session-id', id,
      '--plugin-dir', '/opt/relay', '--agent', 'relay:writer', '--permission-mode', 'acceptEdits',
      '--allowedTools', ...SESSION_TOOLS,
      '--model', 'sonnet', '--max-turns', '12', '--max-budget-usd', '0.5',
    ]);
    expect(started.pgid).toBe(started.pid);
    expect(started.pid).toBe(outcome.exit.pid);
    expect(started.stdin).toBe('/dev/null');
    expect(started.env).toEqual({ RELAY_RUN: runId, RELAY_AGENT: 'writer-t1', RELAY_ROLE: 'writer' });
    expect(outcome.verdict).toMatchObject({ ok: true, reasons: [], costUsd: 0.0125, turns: 3, claimsLeft: [] });
    expect(outcome.record).toMatchObject({ session_id: id, agent: 'writer-t1', role: 'writer', attempt: 1, status: 'succeeded', exit: 0, is_error: false, cost_usd: 0.0125, turns: 3, claims_left: [], released: [], timed_out: false, signals: [] });
    expect(outcome.record.reason).toBeUndefined();
    const dir = runDirectory(root, runId);
    expect(dir).toBe(join(root, '.git', 'relay', 'runs', runId));
    expect(runId).toMatch(RUN_ID_PATTERN);
    expect(JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8'))).toEqual({ run: runId, role: 'writer', sessions: 1 });
    expect(readAttempts(root, runId)).toEqual([outcome.record]);
    const stream = readFileSync(join(dir, 'sessions', `${id}.jsonl`), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(stream.map((event) => event.type)).toEqual(['system', 'assistant', 'result']);
    expect(git(root, ['status', '--porcelain', '--untracked-files=all'])).not.toMatch(/runs\//);
  });

  it('judges `is_error: true` a failure whatever the exit code, and releases the claim the session left', async () => {
    const { root, runId, report } = project('writer-t1');
    const outcome = await attempt(root, runId, report, 'error');
    expect(outcome.verdict.ok).toBe(false);
    expect(outcome.verdict.reasons).toEqual([
      'The `result` event has `is_error: true` (subtype `success`, terminal_reason `api_error`, API status `400`)',
      `Agent \`writer-t1\` still holds a claim (\`${URL}\`), expected none: done or handed off`,
      `No session record for \`${outcome.exit.sessionId}\`, expected one with \`status: logged\`; the SessionStart hook did not run`,
    ]);
    expect(outcome.record).toMatchObject({ status: 'failed', exit: 1, is_error: true, claims_left: [URL], released: [URL] });
    expect(readFileSync(join(root, 'urls_todo.md'), 'utf8')).toBe(`# Pending URLs\n\n- ${URL}\n`);
    // It never opened a record: the runner makes one, closed as failed, with why.
    expect(readSession(root, config, outcome.exit.sessionId)).toMatchObject({ status: 'failed', agent: 'writer-t1', role: 'writer', run: runId, reason: outcome.record.reason });
    expect(outcome.record.record).toBe(`sessions/${outcome.exit.sessionId}.md`);
    expect(outcome.verdict.fatal).toBeUndefined();
  });

  it('a Claude Code that is not logged in: the reason is its result text, and no retry can fix it', async () => {
    const { root, runId, report } = project('writer-t1');
    const outcome = await attempt(root, runId, report, 'not-logged-in');
    expect(outcome.verdict.reasons[0]).toBe('The `result` event has `is_error: true` (subtype `success`, terminal_reason `api_error`): "Not logged in · Please run /login"');
    expect(outcome.verdict).toMatchObject({ said: 'Not logged in · Please run /login', fatal: 'Not logged in · Please run /login' });
    expect(readSession(root, config, outcome.exit.sessionId)).toMatchObject({ status: 'failed', reason: expect.stringContaining('Not logged in') });
  });

  it('a role agent Claude Code does not know (the plugin not installed): the reason is the first stderr lines, and no retry can fix it', async () => {
    const { root, runId, report } = project('writer-t1');
    const outcome = await attempt(root, runId, report, 'success', { env: { ...process.env, FAKE_MODE: 'success', FAKE_REPORT: report, FAKE_AGENTS: '' } });
    const said = "--agent 'relay:writer' not found. Available agents: claude, Explore, general-purpose,";
    expect(outcome.verdict.reasons[0]).toBe(`No \`result\` event in the stream (exit \`1\`), expected one; stderr: "${said}"`);
    expect(outcome.verdict.fatal).toBe(said);
    expect(readSession(root, config, outcome.exit.sessionId)).toMatchObject({ status: 'failed', reason: expect.stringContaining('not found') });
  });

  it('a Claude Code that does not know an option the runner passes: the stderr line is the reason, and no retry can fix it', async () => {
    const { root, runId, report } = project();
    const outcome = await attempt(root, runId, report, 'old-cli');
    expect(outcome.verdict.reasons[0]).toBe('No `result` event in the stream (exit `1`), expected one; stderr: "error: unknown option \'--permission-mode\'"');
    expect(outcome.verdict.fatal).toBe("error: unknown option '--permission-mode'");
  });

  it('--env-clean passes on only PATH, HOME, LANG, TERM, TMPDIR, ANTHROPIC_*, CLAUDE_CONFIG_DIR, CLAUDE_CODE_* and RELAY_*', async () => {
    const { root, runId, report } = project();
    const env = { PATH: process.env.PATH!, HOME: '/home/x', LANG: 'C', SECRET_TOKEN: 'x', AWS_SECRET_ACCESS_KEY: 'x', ANTHROPIC_API_KEY: 'k', CLAUDE_CONFIG_DIR: '/c', CLAUDE_CODE_USE_BEDROCK: '1', CLAUDE_SESSION_ID: 'outer', RELAY_FAKE_REPORT: report, RELAY_REMOTE: 'origin' };
    await attempt(root, runId, report, 'success', { env, envClean: true });
    const { names } = JSON.parse(readFileSync(report, 'utf8'));
    expect(names).toEqual(['ANTHROPIC_API_KEY', 'CLAUDE_CODE_USE_BEDROCK', 'CLAUDE_CONFIG_DIR', 'FAKE_REPORT', 'HOME', 'LANG', 'PATH', 'RELAY_AGENT', 'RELAY_FAKE_REPORT', 'RELAY_ROLE', 'RELAY_RUN']);
    // Without it, the session inherits everything (less the outer session's id).
    await attempt(root, runId, report, 'success', { env: { ...env, FAKE_REPORT: report } });
    expect(JSON.parse(readFileSync(report, 'utf8')).names).toEqual(expect.arrayContaining(['SECRET_TOKEN', 'AWS_SECRET_ACCESS_KEY']));
  });

  it('fails a session that reports success but left a protocol-lint error in what it touched', async () => {
    const { root, runId, report } = project();
    const outcome = await attempt(root, runId, report, 'badlint');
    expect(outcome.verdict.result?.is_error).toBe(false);
    expect(outcome.record).toMatchObject({ status: 'failed', lint_exit: 1, files_written: ['urls_todo.md'] });
    expect(outcome.record.reason).toMatch(/^protocol-lint found an error in what the session touched \(`urls_todo\.md`\), expected none$/);
  });

  it('past its timeout interrupts, terminates, then kills the group, reaps the orphan carrying its session id, and releases its claims', async () => {
    const { root, runId, report } = project('writer-t1');
    const outcome = await attempt(root, runId, report, 'hang', { timeoutMs: 4000 });
    const { children, pid } = JSON.parse(readFileSync(report, 'utf8'));
    leftovers.push(pid, children.inGroup, children.orphan);
    expect(outcome.exit).toMatchObject({ timedOut: true, signals: ['SIGINT', 'SIGTERM', 'SIGKILL'], signal: 'SIGKILL', exit: null });
    expect(outcome.exit.orphansReaped).toContain(children.orphan);
    await expect.poll(() => [isRunning(pid), isRunning(children.inGroup), isRunning(children.orphan)]).toEqual([false, false, false]);
    expect(sessionProcesses(outcome.exit.sessionId)).toEqual([]);
    expect(outcome.record).toMatchObject({ status: 'failed', timed_out: true, is_error: null, released: [URL], orphans_reaped: outcome.exit.orphansReaped });
    expect(outcome.record.reason).toContain('Session timed out, ended by `SIGKILL` to its process group');
    expect(outcome.record.reason).toContain('No `result` event in the stream');
    expect(readFileSync(join(root, 'urls_todo.md'), 'utf8')).toBe(`# Pending URLs\n\n- ${URL}\n`);
  });

  it('stops escalating once the session ends on SIGINT', async () => {
    const { root, runId, report } = project();
    const outcome = await attempt(root, runId, report, 'interrupt', { timeoutMs: 4000, graceMs: 60_000 });
    expect(outcome.exit).toMatchObject({ timedOut: true, signals: ['SIGINT'], exit: 0 });
    expect(outcome.verdict.result).toMatchObject({ is_error: true, subtype: 'error_during_execution' });
    expect(outcome.record.status).toBe('failed');
  });

  it('says why a binary that does not exist could not start, and records the attempt', async () => {
    const { root, runId, report } = project();
    const outcome = await attempt(root, runId, report, 'success', { claude: join(root, 'no-such-claude') });
    expect(outcome.verdict.reasons[0]).toBe(`Cannot start \`${join(root, 'no-such-claude')}\` (ENOENT)`);
    expect(readAttempts(root, runId)).toHaveLength(1);
    expect(existsSync(report)).toBe(false);
  });
});

describe('claudeBinary', () => {
  it('takes --claude, else $RELAY_CLAUDE, else claude', () => {
    expect(claudeBinary('/x/claude', { RELAY_CLAUDE: '/y/claude' })).toBe('/x/claude');
    expect(claudeBinary(undefined, { RELAY_CLAUDE: '/y/claude' })).toBe('/y/claude');
    expect(claudeBinary(undefined, {})).toBe('claude');
  });
});
