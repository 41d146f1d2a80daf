/**
 * The session ledger through the built hooks: real child processes of `dist/hooks/*.mjs`
 * in temporary state trees, as Claude Code runs them.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatRecord, openSession, readSession } from '../../src/ledger/records.js';
import { defaultConfig } from '../../src/protocol/config.js';
import { REPO } from '../helpers/run.js';
import { removeTree, writeTree } from '../helpers/tree.js';

type HookName = 'session-start' | 'post-tool-use' | 'stop';

let dataDir: string;
const trees: string[] = [];

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'relay-plugin-data-'));
});

afterEach(() => {
  removeTree(dataDir);
  for (const tree of trees.splice(0)) removeTree(tree);
});

/** Runs a hook with a clean relay environment plus `env`. */
function runHook(name: HookName, input: object, env: Record<string, string> = {}) {
  const base = { ...process.env };
  for (const key of ['RELAY_AGENT', 'RELAY_ROLE', 'RELAY_RUN', 'RELAY_SESSIONS', 'RELAY_UNLOGGED_MINUTES', 'CLAUDE_CODE_SESSION_ID', 'CLAUDE_SESSION_ID']) delete base[key];
  const result = spawnSync(process.execPath, [join(REPO, 'dist', 'hooks', `${name}.mjs`)], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...base, CLAUDE_PLUGIN_DATA: dataDir, CLAUDE_PLUGIN_ROOT: REPO, ...env },
  });
  let json: Record<string, any> | undefined;
  try {
    json = result.stdout.trim() === '' ? undefined : JSON.parse(result.stdout);
  } catch {
    json = undefined;
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, json };
}

const TODO = '# Pending URLs\n- https://example.com/article-1\n';

function tree(extra: Record<string, string> = {}): string {
  const root = writeTree({
    '.protocol-lint.json': '{}\n',
    'urls_todo.md': TODO,
    'urls_done.md': '# Completed URLs\n',
    'plan/task-001.md': '---\nid: task-001\nstatus: todo\n---\n# Draft the caching article\n',
    ...extra,
  });
  trees.push(root);
  return root;
}

function start(root: string, sessionId: string, env: Record<string, string> = {}, source = 'startup') {
  return runHook('session-start', { session_id: sessionId, cwd: root, hook_event_name: 'SessionStart', source }, env);
}

function context(run: ReturnType<typeof runHook>): string {
  return run.json?.hookSpecificOutput?.additionalContext ?? '';
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const FLEET = { RELAY_AGENT: 'writer-7', RELAY_ROLE: 'writer', RELAY_RUN: 'r-1' };

describe('SessionStart opens the session record', () => {
  it('a fleet session gets its record at once, with the briefed files and their hashes', () => {
    const root = tree();
    expect(start(root, 'sess-1', FLEET).status).toBe(0);
    const record = readSession(root, defaultConfig(), 'sess-1');
    expect(record).toMatchObject({ session_id: 'sess-1', agent: 'writer-7', role: 'writer', run: 'r-1', status: 'open' });
    expect(record!.briefing).toContainEqual({ path: 'urls_todo.md', sha256: sha256(TODO) });
    expect(record!.briefing.map((file) => file.path).sort()).toEqual(['plan/task-001.md', 'urls_done.md', 'urls_todo.md']);
  });

  it('keeps the first record on resume and compact', () => {
    const root = tree();
    start(root, 'sess-1', FLEET);
    const first = readFileSync(join(root, 'sessions/sess-1.md'), 'utf8');
    writeFileSync(join(root, 'urls_todo.md'), `${TODO}- https://example.com/article-2\n`);
    start(root, 'sess-1', FLEET, 'resume');
    start(root, 'sess-1', FLEET, 'compact');
    expect(readFileSync(join(root, 'sessions/sess-1.md'), 'utf8')).toBe(first);
  });

  it('an interactive session that changes nothing leaves no record; its first change opens one dated at its start', () => {
    const root = tree();
    start(root, 'look-only');
    expect(runHook('stop', { session_id: 'look-only', cwd: root, hook_event_name: 'Stop', stop_hook_active: false }).stdout).toBe('');
    expect(existsSync(join(root, 'sessions'))).toBe(false);

    start(root, 'works');
    expect(existsSync(join(root, 'sessions/works.md'))).toBe(false);
    const path = join(root, 'plan/task-002.md');
    writeFileSync(path, '---\nid: task-002\nstatus: todo\n---\n# Next\n');
    runHook('post-tool-use', { session_id: 'works', cwd: root, hook_event_name: 'PostToolUse', tool_name: 'Write', tool_input: { file_path: path }, tool_response: {} });
    const record = readSession(root, defaultConfig(), 'works');
    expect(record).toMatchObject({ agent: 'works', role: 'interactive', status: 'open' });
    expect(record!.briefing.map((file) => file.path)).toContain('plan/task-001.md');
    expect(record!.briefing.map((file) => file.path)).not.toContain('plan/task-002.md');
  });

  it('writes nothing with RELAY_SESSIONS=0, or outside a relay tree', () => {
    const root = tree();
    expect(start(root, 'sess-off', { ...FLEET, RELAY_SESSIONS: '0' }).status).toBe(0);
    expect(existsSync(join(root, 'sessions'))).toBe(false);
    const plain = writeTree({ 'README.md': '# not relay\n' });
    trees.push(plain);
    expect(start(plain, 'sess-2', FLEET)).toMatchObject({ status: 0, stdout: '' });
    expect(readdirSync(plain)).toEqual(['README.md']);
  });

  it('fails open on a session id that cannot name a file', () => {
    const root = tree();
    const run = start(root, '../escape', FLEET);
    expect(run.status).toBe(0);
    expect(context(run)).toContain('# relay briefing');
    expect(existsSync(join(root, 'sessions'))).toBe(false);
  });
});

describe('the Stop hook and the session record', () => {
  it('does not ask a fleet session to log for its own record alone, and says how to log when it changed work', () => {
    const root = tree();
    start(root, 'sess-1', FLEET);
    const stop = () => runHook('stop', { session_id: 'sess-1', cwd: root, hook_event_name: 'Stop', stop_hook_active: false });
    // The record counts as touched only if a tool changed it; mark it so, as a Bash run would.
    const record = join(root, 'sessions/sess-1.md');
    runHook('post-tool-use', { session_id: 'sess-1', cwd: root, hook_event_name: 'PostToolUse', tool_name: 'Write', tool_input: { file_path: record }, tool_response: {} });
    expect(stop().stdout).toBe('');
    const path = join(root, 'plan/task-002.md');
    writeFileSync(path, '---\nid: task-002\nstatus: todo\n---\n# Next\n');
    runHook('post-tool-use', { session_id: 'sess-1', cwd: root, hook_event_name: 'PostToolUse', tool_name: 'Write', tool_input: { file_path: path }, tool_response: {} });
    const reason: string = stop().json?.reason ?? '';
    expect(reason).toContain('`relay new findings`');
    expect(reason).toContain("`relay done 'URL' --output FILE`");
    expect(reason).toContain('`relay session end --findings PATH`');
  });
});

describe('the briefing names sessions that never logged', () => {
  const config = defaultConfig();

  function openRecord(root: string, sessionId: string, startedMsAgo: number, extra: { agent?: string; role?: string } = {}) {
    const opened = openSession(root, config, { sessionId, agent: extra.agent ?? `agent-${sessionId}`, role: extra.role ?? 'writer', briefing: [], now: new Date(Date.now() - startedMsAgo) });
    expect(opened.ok).toBe(true);
  }

  it('lists old open records newest first, leaves out the current and logged ones, and only counts young ones', () => {
    const root = tree();
    openRecord(root, 'old-a', 3 * 3600_000);
    openRecord(root, 'old-b', 2 * 3600_000);
    openRecord(root, 'current', 3 * 3600_000);
    openRecord(root, 'young', 60_000);
    const logged = readSession(root, config, 'old-a')!;
    writeFileSync(join(root, 'sessions/logged.md'), formatRecord({ ...logged, session_id: 'logged', status: 'logged' }));
    const text = context(start(root, 'current'));
    expect(text).toContain('## Sessions that never logged');
    expect(text).toContain('/relay:get-up-to-speed');
    expect(text).toContain('`relay session recover ID`');
    expect(text).toContain('1 more open session started in the last 15 min (may still be running)');
    const listed = text.split('\n').filter((line) => /^- `[^`]+` \(/.test(line));
    expect(listed.map((line) => /^- `([^`]+)`/.exec(line)![1])).toEqual(['old-b', 'old-a']);
  });

  it('names young open records too when RELAY_UNLOGGED_MINUTES=0', () => {
    const root = tree();
    openRecord(root, 'young', 60_000);
    const text = context(start(root, 'current', { RELAY_UNLOGGED_MINUTES: '0' }));
    expect(text).toContain('1 session record still `open`');
    expect(text).toMatch(/^- `young` \(writer, `agent-young`\) started /m);
    expect(context(start(root, 'current', { RELAY_UNLOGGED_MINUTES: 'soon' }))).toContain('None. 1 more open session started in the last 15 min');
  });

  it('has no such section when every session logged', () => {
    const root = tree();
    expect(context(start(root, 'sess-1', FLEET))).not.toContain('never logged');
  });

  it('remembers closed records between starts, and reads a name again once it left the folder', () => {
    const root = tree();
    openRecord(root, 'old-a', 3 * 3600_000);
    const logged = readSession(root, config, 'old-a')!;
    writeFileSync(join(root, 'sessions/gone.md'), formatRecord({ ...logged, session_id: 'gone', status: 'logged' }));
    expect(context(start(root, 'current'))).toContain('1 session record still `open`');
    const memory = join(dataDir, 'closed-records');
    expect(readdirSync(memory)).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(memory, readdirSync(memory)[0]!), 'utf8')).names).toEqual(['gone.md']);
    // Deleted, then made again as an open record under the same name: it is named again.
    rmSync(join(root, 'sessions/gone.md'));
    expect(context(start(root, 'current'))).toContain('1 session record still `open`');
    writeFileSync(join(root, 'sessions/gone.md'), formatRecord({ ...logged, session_id: 'gone', status: 'open' }));
    const text = context(start(root, 'current'));
    expect(text).toContain('2 session records still `open`');
    expect(text).toMatch(/^- `gone` /m);
  });

  it('trusts a memory of closed records for a day only', () => {
    const root = tree();
    openRecord(root, 'old-a', 3 * 3600_000);
    const logged = readSession(root, config, 'old-a')!;
    writeFileSync(join(root, 'sessions/closed.md'), formatRecord({ ...logged, session_id: 'closed', status: 'logged' }));
    start(root, 'current');
    // Reopened by hand, in place: within the day the memory hides it.
    writeFileSync(join(root, 'sessions/closed.md'), formatRecord({ ...logged, session_id: 'closed', status: 'open' }));
    expect(context(start(root, 'current'))).toContain('1 session record still `open`');
    const memory = join(dataDir, 'closed-records');
    const file = join(memory, readdirSync(memory)[0]!);
    const data = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...data, written: data.written - 25 * 3600_000 }));
    expect(context(start(root, 'current'))).toContain('2 session records still `open`');
  });

  it('stays bounded with 2,000 records', () => {
    const root = tree();
    const base = readSession(root, config, 'none') ?? { session_id: '', agent: 'writer', role: 'writer', started: '', status: 'open' as const, briefing: [] };
    mkdirSync(join(root, 'sessions'), { recursive: true });
    for (let index = 0; index < 2000; index++) {
      const started = new Date(Date.UTC(2026, 0, 1) + index * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const status = index % 10 === 0 ? 'open' : 'logged';
      const record = { ...base, session_id: `s-${String(index).padStart(4, '0')}`, agent: `writer-${index}`, started, status: status as 'open' | 'logged', briefing: [{ path: 'urls_todo.md', sha256: sha256(TODO) }] };
      const path = join(root, 'sessions', `${record.session_id}.md`);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, formatRecord(record));
    }
    const run = start(root, 'sess-new', FLEET);
    const text = context(run);
    expect(run.status).toBe(0);
    expect(text.length).toBeLessThan(7000);
    expect(text).toContain('200 session records still `open`');
    expect(text).toContain('- `s-1990` (writer, `writer-1990`) started 2026-01-02T09:10:00Z');
    expect(text).toContain('… 197 older (`relay session list --open`).');
    expect(text.split('\n').filter((line) => line.startsWith('- `s-')).length).toBe(3);
  });
});
