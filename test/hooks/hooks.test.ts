/**
 * The hook bundles as Claude Code runs them: real child processes of `dist/hooks/*.mjs`
 * with a JSON event on stdin, in temporary state trees, with their own plugin data folder.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/run.js';
import { removeTree, writeTree } from '../helpers/tree.js';

type HookName = 'session-start' | 'post-tool-use' | 'stop';

interface HookRun {
  status: number | null;
  stdout: string;
  stderr: string;
  json: Record<string, any> | undefined;
}

let dataDir: string;
const trees: string[] = [];

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'relay-plugin-data-'));
});

afterEach(() => {
  removeTree(dataDir);
  for (const tree of trees.splice(0)) removeTree(tree);
});

function runHook(name: HookName, input: string | object): HookRun {
  const result = spawnSync(process.execPath, [join(REPO, 'dist', 'hooks', `${name}.mjs`)], {
    input: typeof input === 'string' ? input : JSON.stringify(input),
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, CLAUDE_PLUGIN_DATA: dataDir, CLAUDE_PLUGIN_ROOT: REPO },
  });
  let json: Record<string, any> | undefined;
  try {
    json = result.stdout.trim() === '' ? undefined : JSON.parse(result.stdout);
  } catch {
    json = undefined;
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, json };
}

const TODO = '# Pending URLs\n- https://example.com/article-1\n- https://example.com/article-2\n';
const DONE = '# Completed URLs\n- https://example.com/article-0 (completed 2026-03-19)\n';

function tree(extra: Record<string, string> = {}): string {
  const root = writeTree({
    '.protocol-lint.json': '{}\n',
    'urls_todo.md': TODO,
    'urls_done.md': DONE,
    'plan/task-001.md': '---\nid: task-001\nstatus: in-progress\n---\n# Draft the caching article\n',
    'postmortems/2026-03-15-double-claim.md':
      '# Postmortem: Double Claim\n\n**Date**: 2026-03-15\n\n## What Went Wrong\nTwo writers took one URL.\n\n## How It Was Fixed\nClaims go through relay claim.\n\n## Prevention\n- Only `relay claim` takes work.\n',
    ...extra,
  });
  trees.push(root);
  // Age the tree, so the Bash detection (by mtime) sees only what a test changes.
  const hourAgo = new Date(Date.now() - 3_600_000);
  for (const path of ['.protocol-lint.json', 'urls_todo.md', 'urls_done.md', 'plan/task-001.md', 'plan', 'postmortems', ...Object.keys(extra)]) {
    utimesSync(join(root, path), hourAgo, hourAgo);
  }
  return root;
}

function postWrite(root: string, path: string, content: string, extra: object = {}): HookRun {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
  return runHook('post-tool-use', {
    session_id: 's1',
    cwd: root,
    hook_event_name: 'PostToolUse',
    tool_name: 'Write',
    tool_input: { file_path: join(root, path), content },
    tool_response: {},
    ...extra,
  });
}

function stop(root: string, extra: object = {}): HookRun {
  return runHook('stop', { session_id: 's1', cwd: root, hook_event_name: 'Stop', stop_hook_active: false, ...extra });
}

describe('every hook fails open on garbage', () => {
  for (const name of ['session-start', 'post-tool-use', 'stop'] as const) {
    for (const input of ['', 'not json', '[1,2]', 'null', '{"tool_name":', '"a string"']) {
      it(`${name} exits 0 quietly on ${JSON.stringify(input)}`, () => {
        const run = runHook(name, input);
        expect(run.status).toBe(0);
        expect(run.stdout).toBe('');
        expect(run.stderr).toBe('');
      });
    }
  }

  it('a broken config file is an exit 0 with a one-line note, not a block', () => {
    const root = tree({ '.protocol-lint.json': '{ not json' });
    for (const name of ['session-start', 'post-tool-use'] as const) {
      const input = name === 'session-start'
        ? { session_id: 's1', cwd: root, hook_event_name: 'SessionStart', source: 'startup' }
        : { session_id: 's1', cwd: root, hook_event_name: 'PostToolUse', tool_name: 'Write', tool_input: { file_path: join(root, 'urls_todo.md') } };
      const run = runHook(name, input);
      expect(run.status).toBe(0);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^relay \w+ hook: internal error, ignored \(fail open\): .*not valid JSON/);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('SessionStart', () => {
  it('puts the briefing into additionalContext', () => {
    const root = tree();
    const run = runHook('session-start', { session_id: 's1', cwd: root, hook_event_name: 'SessionStart', source: 'startup' });
    expect(run.status).toBe(0);
    const context: string = run.json?.hookSpecificOutput?.additionalContext;
    expect(run.json?.hookSpecificOutput?.hookEventName).toBe('SessionStart');
    expect(context).toContain('- task-001 [in-progress] Draft the caching article');
    expect(context).toContain('2 pending (0 claimed, 2 free)');
    expect(context).toContain('- https://example.com/article-1');
    expect(context).toContain('2026-03-15-double-claim: Only `relay claim` takes work.');
    expect(context.length).toBeLessThan(10_000);
  });

  it('is silent outside a relay tree', () => {
    const root = writeTree({ 'README.md': '# not relay\n' });
    trees.push(root);
    const run = runHook('session-start', { session_id: 's1', cwd: root, hook_event_name: 'SessionStart', source: 'startup' });
    expect(run).toMatchObject({ status: 0, stdout: '', stderr: '' });
  });
});

describe('PostToolUse', () => {
  it('a Write that puts a URL in both queues comes back as a queue-overlap block with file, line and rule', () => {
    const root = tree();
    const run = postWrite(root, 'urls_done.md', `${DONE}- https://example.com/article-1 (completed 2026-03-20)\n`);
    expect(run.status).toBe(0);
    expect(run.json?.decision).toBe('block');
    expect(run.json?.reason).toMatch(/urls_todo\.md:2:3 \[queue-overlap\] error: .*article-1/);
    expect(run.json?.reason).toContain('protocol-lint --fix');
  });

  it('is silent for a clean write and for files outside the protocol', () => {
    const root = tree();
    expect(postWrite(root, 'plan/task-002.md', '# Plan the next article\n')).toMatchObject({ status: 0, stdout: '' });
    expect(postWrite(root, 'notes.txt', 'anything')).toMatchObject({ status: 0, stdout: '' });
  });

  it('an Edit of a queue file is checked on the edited lines', () => {
    const root = tree();
    const added = '- https://example.com/article-0\n';
    appendFileSync(join(root, 'urls_todo.md'), added);
    const run = runHook('post-tool-use', {
      session_id: 's1',
      cwd: root,
      tool_name: 'Edit',
      tool_input: { file_path: join(root, 'urls_todo.md'), old_string: 'x', new_string: added },
    });
    expect(run.json?.decision).toBe('block');
    expect(run.json?.reason).toMatch(/urls_todo\.md:4:3 \[queue-overlap\]/);
  });

  it('after a first check, an unchanged queue is not reported again, and a new line is', () => {
    const root = tree();
    const input = { session_id: 's1', cwd: root, tool_name: 'Edit', tool_input: { file_path: join(root, 'urls_todo.md') } };
    appendFileSync(join(root, 'urls_todo.md'), '- https://example.com/article-0\n');
    expect(runHook('post-tool-use', input).json?.reason).toMatch(/urls_todo\.md:4:3 \[queue-overlap\]/);
    // The same bytes again: nothing new was added, so nothing new to report.
    expect(runHook('post-tool-use', input).stdout).toBe('');
    appendFileSync(join(root, 'urls_todo.md'), '- https://example.com/article-2\n');
    const run = runHook('post-tool-use', input);
    expect(run.json?.reason).toMatch(/urls_todo\.md:5:3 \[queue-duplicate\]/);
    expect(run.json?.reason).not.toMatch(/:4:3 \[queue-overlap\]/);
  });

  it('a Bash command that changed a queue file is linted (by mtime), one that changed nothing is not', () => {
    const root = tree();
    const bash = (command: string) => runHook('post-tool-use', { session_id: 's1', cwd: root, tool_name: 'Bash', tool_input: { command }, duration_ms: 50 });
    expect(bash('ls').stdout).toBe('');
    expect(stop(root).stdout).toBe(''); // nothing was recorded as changed
    appendFileSync(join(root, 'urls_done.md'), '- https://example.com/article-2 (completed 2026-03-20)\n');
    const run = bash('./some-script.sh');
    expect(run.json?.decision).toBe('block');
    expect(run.json?.reason).toMatch(/\[queue-overlap\].*article-2/);
  });

  it('tells a relay agent when it wrote outside its part of the tree', () => {
    const root = tree();
    const run = postWrite(root, 'review/draft-001.mdx', '# Draft\n\nText.\n', { agent_type: 'relay:planner' });
    expect(run.json?.decision).toBe('block');
    expect(run.json?.reason).toContain('`relay:planner` wrote `review/draft-001.mdx`, which is not its part of the tree');
    expect(postWrite(root, 'plan/task-002.md', '# Next\n', { agent_type: 'relay:planner' }).stdout).toBe('');
  });
});

describe('Stop', () => {
  it('never blocks a session that changed nothing', () => {
    const root = tree();
    expect(stop(root)).toMatchObject({ status: 0, stdout: '' });
  });

  it('blocks once when protocol files changed without a findings log, never when stop_hook_active', () => {
    const root = tree();
    postWrite(root, 'plan/task-002.md', '# Plan the next article\n');
    expect(stop(root, { stop_hook_active: true }).stdout).toBe('');
    const first = stop(root);
    expect(first.json?.decision).toBe('block');
    expect(first.json?.reason).toContain('changed relay state files (`plan/task-002.md`) but wrote no findings log');
    expect(first.json?.reason).toContain('/relay:log-this');
    // The same state again: the gate already asked, so it lets go.
    expect(stop(root).stdout).toBe('');
  });

  it('blocks on lint errors in files the session changed, and lets a logged, clean session stop', () => {
    const root = tree();
    postWrite(root, 'urls_done.md', `${DONE}- https://example.com/article-1 (completed 2026-03-20)\n`);
    postWrite(root, 'review/findings-001.md', '# Findings: 2026-03-20 (test)\n\n- Moved article-1.\n');
    const blocked = stop(root);
    expect(blocked.json?.reason).toMatch(/\[queue-overlap\]/);
    expect(blocked.json?.reason).not.toContain('wrote no findings log');
    // Fixed: the new state is clean and logged.
    postWrite(root, 'urls_todo.md', '# Pending URLs\n- https://example.com/article-2\n');
    expect(stop(root).stdout).toBe('');
  });
});
