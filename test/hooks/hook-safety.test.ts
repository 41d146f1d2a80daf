/**
 * The hooks on hostile or broken ground, run as Claude Code runs them (child processes of
 * `dist/hooks/*.mjs` with a JSON event on stdin): a failed Bash command (PostToolUseFailure),
 * a shared temp folder someone planted links or folders in, a closed stdout, and queue files
 * that are FIFOs or devices. Each hook must finish, exit 0 and say what it did instead.
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/run.js';
import { removeTree, writeTree } from '../helpers/tree.js';

type HookName = 'session-start' | 'post-tool-use' | 'stop';

/** Long enough for a loaded machine; a hook that blocks on a FIFO never gets there. */
const HANG_MS = 10_000;

let temp: string;
let root: string;

const TODO = '# Pending URLs\n- https://example.com/article-1\n- https://example.com/article-2\n';
const DONE = '# Completed URLs\n- https://example.com/article-0 (completed 2026-03-19)\n';

beforeEach(() => {
  // The hooks' own temp folder: TMPDIR points here, and CLAUDE_PLUGIN_DATA is unset.
  temp = mkdtempSync(join(tmpdir(), 'relay-hook-tmp-'));
  root = writeTree({ '.protocol-lint.json': '{}\n', 'urls_todo.md': TODO, 'urls_done.md': DONE, 'plan/task-001.md': '# Plan\n' });
  const hourAgo = new Date(Date.now() - 3_600_000);
  for (const path of ['.protocol-lint.json', 'urls_todo.md', 'urls_done.md', 'plan/task-001.md', 'plan']) utimesSync(join(root, path), hourAgo, hourAgo);
});

afterEach(() => {
  removeTree(temp);
  removeTree(root);
});

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env, TMPDIR: temp, CLAUDE_PLUGIN_ROOT: REPO, ...extra };
  delete base.CLAUDE_PLUGIN_DATA;
  if (!('RELAY_DEBUG' in extra)) delete base.RELAY_DEBUG;
  return base;
}

function runHook(name: HookName, input: object, extra: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, [join(REPO, 'dist', 'hooks', `${name}.mjs`)], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    timeout: HANG_MS,
    env: env(extra),
  });
  let json: Record<string, any> | undefined;
  try {
    json = result.stdout.trim() === '' ? undefined : JSON.parse(result.stdout);
  } catch {
    json = undefined;
  }
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr, json };
}

const editTodo = () => ({ session_id: 's1', cwd: root, hook_event_name: 'PostToolUse', tool_name: 'Edit', tool_input: { file_path: join(root, 'urls_todo.md') } });
const uid = process.getuid!();

describe('PostToolUseFailure: a failed Bash command that changed protocol files', () => {
  it('is hooked in plugin/hooks/hooks.json with the PostToolUse handler', () => {
    const hooks = JSON.parse(readFileSync(join(REPO, 'plugin', 'hooks', 'hooks.json'), 'utf8')).hooks;
    const entry = hooks.PostToolUseFailure?.[0];
    expect(entry?.matcher).toMatch(/\bBash\b/);
    expect(entry?.hooks?.[0]?.args).toEqual(['${CLAUDE_PLUGIN_ROOT}/dist/hooks/post-tool-use.mjs']);
  });

  it('is linted and the problem handed back to Claude', () => {
    appendFileSync(join(root, 'urls_todo.md'), '- not a url\n');
    const run = runHook('post-tool-use', {
      session_id: 's1',
      transcript_path: join(temp, 't.jsonl'),
      cwd: root,
      permission_mode: 'default',
      hook_event_name: 'PostToolUseFailure',
      tool_name: 'Bash',
      tool_input: { command: "printf -- '- not a url\\n' >> urls_todo.md; exit 3", description: 'Append and fail' },
      tool_use_id: 'toolu_1',
      error: 'Exit code 3\n',
      is_interrupt: false,
      duration_ms: 40,
    });
    expect(run.status).toBe(0);
    expect(run.json?.decision).toBe('block');
    expect(run.json?.reason).toMatch(/urls_todo\.md:4:3 \[queue-item-syntax\] error: .*`not` is not a queue URL/);
  });

  it('answers a warning as additionalContext under its own event name', () => {
    const run = runHook('post-tool-use', {
      session_id: 's1',
      cwd: root,
      hook_event_name: 'PostToolUseFailure',
      tool_name: 'Write',
      tool_input: { file_path: join(root, 'urls_todo.md') },
      error: 'failed',
    }, {});
    // A clean queue: nothing to say.
    expect(run).toMatchObject({ status: 0, stdout: '' });
    rmSync(join(root, 'urls_todo.md'));
    symlinkSync('/dev/zero', join(root, 'urls_todo.md'));
    const skipped = runHook('post-tool-use', { session_id: 's1', cwd: root, hook_event_name: 'PostToolUseFailure', tool_name: 'Write', tool_input: { file_path: join(root, 'urls_todo.md') } });
    expect(skipped.json?.hookSpecificOutput?.hookEventName).toBe('PostToolUseFailure');
  });
});

describe('the hooks\' temporary files', () => {
  it('never follow links planted in the old shared locations', () => {
    const victim = mkdtempSync(join(tmpdir(), 'relay-victim-'));
    try {
      symlinkSync(victim, join(temp, 'queue-snapshots'));
      symlinkSync(victim, join(temp, `relay-sessions-${uid}`));
      appendFileSync(join(root, 'urls_todo.md'), '- https://example.com/article-0\n');
      const run = runHook('post-tool-use', editTodo());
      expect(run.json?.reason).toMatch(/\[queue-overlap\]/);
      expect(readdirSync(victim)).toEqual([]);
    } finally {
      removeTree(victim);
    }
  });

  it('live in a private per-user folder of mode 0700, and snapshots still focus the next check', () => {
    appendFileSync(join(root, 'urls_todo.md'), '- https://example.com/article-0\n');
    expect(runHook('post-tool-use', editTodo()).json?.reason).toMatch(/urls_todo\.md:4:3 \[queue-overlap\]/);
    const folder = join(temp, `relay-${uid}`);
    for (const path of [folder, join(folder, 'sessions'), join(folder, 'queue-snapshots')]) {
      const stats = lstatSync(path);
      expect(stats.isDirectory()).toBe(true);
      expect((stats.mode & 0o777).toString(8)).toBe('700');
    }
    // The snapshot was kept: the same bytes again report nothing new.
    expect(runHook('post-tool-use', editTodo()).stdout).toBe('');
  });

  for (const [label, plant] of [
    ['owned by another user', (path: string) => {
      mkdirSync(path, { mode: 0o700 });
      chownSync(path, 65534, 65534);
    }],
    ['a symbolic link', (path: string) => symlinkSync(mkdtempSync(join(temp, 'elsewhere-')), path)],
    ['writable by others', (path: string) => {
      mkdirSync(path);
      chmodSync(path, 0o777);
    }],
  ] as const) {
    it(`is refused when the per-user folder is ${label}: no memory, no snapshot, the lint still runs`, () => {
      const folder = join(temp, `relay-${uid}`);
      plant(folder);
      appendFileSync(join(root, 'urls_todo.md'), '- https://example.com/article-0\n');
      const run = runHook('post-tool-use', editTodo(), { RELAY_DEBUG: 'hook' });
      expect(run.status).toBe(0);
      expect(run.json?.reason).toMatch(/\[queue-overlap\]/);
      expect(run.stderr).toMatch(/relay:hook refused the folder `.*relay-\d+`: it (is owned by uid 65534|is a symbolic link|is writable by group or others)/);
      expect(existsSync(join(folder, 'sessions'))).toBe(false);
      expect(existsSync(join(folder, 'queue-snapshots'))).toBe(false);
    });
  }
});

describe('a closed stdout or an internal fault', () => {
  for (const [name, input] of [
    ['session-start', () => ({ session_id: 's1', cwd: root, hook_event_name: 'SessionStart', source: 'startup' })],
    ['post-tool-use', () => {
      appendFileSync(join(root, 'urls_todo.md'), '- https://example.com/article-0\n');
      return editTodo();
    }],
  ] as const) {
    it(`${name}: exits 0 with at most one line on stderr when stdout is closed (EPIPE)`, async () => {
      const child = spawn(process.execPath, [join(REPO, 'dist', 'hooks', `${name}.mjs`)], { env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
      // Closed before the hook writes its outcome.
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.stdin.end(JSON.stringify(input()));
      const timer = setTimeout(() => child.kill('SIGKILL'), HANG_MS);
      const code = await new Promise<number | null>((resolve) => child.on('close', (status) => resolve(status)));
      clearTimeout(timer);
      expect(code).toBe(0);
      expect(stderr.trim().split('\n').filter(Boolean).length).toBeLessThanOrEqual(1);
      expect(stderr).not.toMatch(/^\s+at /m);
    });
  }
});

describe('queue files that are not regular files', () => {
  const kinds = {
    FIFO: (path: string) => spawnSync('mkfifo', [path]),
    '/dev/zero link': (path: string) => symlinkSync('/dev/zero', path),
  };
  for (const [kind, make] of Object.entries(kinds)) {
    const described = kind === 'FIFO' ? 'is a FIFO' : 'is a character device';
    const replaceTodo = () => {
      rmSync(join(root, 'urls_todo.md'));
      make(join(root, 'urls_todo.md'));
    };

    it(`SessionStart finishes at once on a ${kind} and names what it skipped`, () => {
      replaceTodo();
      const run = runHook('session-start', { session_id: 's1', cwd: root, hook_event_name: 'SessionStart', source: 'startup' });
      expect(run.signal).toBeNull();
      expect(run.status).toBe(0);
      expect(run.json?.hookSpecificOutput?.additionalContext).toMatch(new RegExp(`skipped \`urls_todo\\.md\` without reading it: .* ${described}, not a regular file`));
    });

    it(`PostToolUse (Write and Bash) finishes at once on a ${kind} and names what it skipped`, () => {
      replaceTodo();
      const write = runHook('post-tool-use', editTodo());
      expect(write.signal).toBeNull();
      expect(write.status).toBe(0);
      expect(write.json?.hookSpecificOutput?.additionalContext).toMatch(new RegExp(`skipped \`urls_todo\\.md\` without reading it: .* ${described}`));
      const bash = runHook('post-tool-use', { session_id: 's1', cwd: root, hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: { command: 'cat urls_todo.md' }, duration_ms: 10 });
      expect(bash.signal).toBeNull();
      expect(bash.status).toBe(0);
    });

    it(`Stop finishes at once on a ${kind} and names what it skipped`, () => {
      // The session changed the queue (recorded while it was still a regular file).
      appendFileSync(join(root, 'urls_todo.md'), '- https://example.com/article-3\n');
      runHook('post-tool-use', editTodo());
      replaceTodo();
      const run = runHook('stop', { session_id: 's1', cwd: root, hook_event_name: 'Stop', stop_hook_active: false });
      expect(run.signal).toBeNull();
      expect(run.status).toBe(0);
      expect(run.json?.reason).toMatch(new RegExp(`skipped \`urls_todo\\.md\` without reading it: .* ${described}`));
    });
  }

  it('a FIFO as the config file: every hook finishes and exits 0 with one line', () => {
    rmSync(join(root, '.protocol-lint.json'));
    spawnSync('mkfifo', [join(root, '.protocol-lint.json')]);
    const run = runHook('session-start', { session_id: 's1', cwd: root, hook_event_name: 'SessionStart', source: 'startup' });
    expect(run.signal).toBeNull();
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/^relay SessionStart hook: .*is a FIFO, not a regular file/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('RELAY_DEBUG=hook says why a hook stayed quiet', () => {
  it('on garbage, outside a tree, for a file that is not a protocol file, and on a fault', () => {
    const debugEnv = { RELAY_DEBUG: 'hook' };
    const garbage = spawnSync(process.execPath, [join(REPO, 'dist', 'hooks', 'stop.mjs')], { input: 'not json', encoding: 'utf8', timeout: HANG_MS, env: env(debugEnv) });
    expect(garbage.stderr).toContain('relay:hook Stop: stdin is not a JSON object');
    const outside = writeTree({ 'README.md': '# no relay\n' });
    try {
      expect(runHook('session-start', { session_id: 's1', cwd: outside, hook_event_name: 'SessionStart', source: 'resume' }, debugEnv).stderr).toMatch(/relay:hook .* not a relay tree/);
    } finally {
      removeTree(outside);
    }
    const notProtocol = runHook('post-tool-use', { session_id: 's1', cwd: root, hook_event_name: 'PostToolUse', tool_name: 'Write', tool_input: { file_path: join(root, 'notes.txt') } }, debugEnv);
    expect(notProtocol.stderr).toContain('relay:hook PostToolUse Write: `notes.txt` is not a protocol file');
    expect(runHook('stop', { session_id: 's9', cwd: root, hook_event_name: 'Stop' }, debugEnv).stderr).toContain('relay:hook Stop: the session changed no protocol file');
  });
});
