/**
 * The hooks choose the files they lint as protocol-lint does: a file the config's `ignores`
 * match, or one inside a nested root (a folder with its own config), is never reported,
 * remembered or blocked on by PostToolUse, PostToolUseFailure or Stop. Real hook bundles as
 * child processes, in temporary trees.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import picomatch from 'picomatch';
import { alwaysIgnored } from '../../src/lint/path-filter.js';
import { ALWAYS_IGNORED } from '../../src/protocol/config.js';
import { REPO } from '../helpers/run.js';
import { removeTree, writeTree } from '../helpers/tree.js';

const TODO = '# Pending URLs\n- https://example.com/article-1\n';
const DONE = '# Completed URLs\n- https://example.com/article-0 (completed 2026-03-19)\n';
/** A task file outside plan/: `layout-misplaced-file` unless the config ignores it. */
const STRAY = 'archive/task-001.md';

let dataDir: string;
const trees: string[] = [];
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'relay-plugin-data-'));
});
afterEach(() => {
  removeTree(dataDir);
  for (const tree of trees.splice(0)) removeTree(tree);
});

function tree(config: object, extra: Record<string, string> = {}): string {
  const files = { '.protocol-lint.json': JSON.stringify(config) + '\n', 'urls_todo.md': TODO, 'urls_done.md': DONE, ...extra };
  const root = writeTree(files);
  trees.push(root);
  // Age the tree, so the Bash detection (by mtime) sees only what a test changes.
  const hourAgo = new Date(Date.now() - 3_600_000);
  for (const path of Object.keys(files)) utimesSync(join(root, path), hourAgo, hourAgo);
  return root;
}

function hook(name: 'post-tool-use' | 'stop', input: object) {
  const result = spawnSync(process.execPath, [join(REPO, 'dist', 'hooks', `${name}.mjs`)], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, CLAUDE_PLUGIN_DATA: dataDir, CLAUDE_PLUGIN_ROOT: REPO, RELAY_DEBUG: 'config' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function write(root: string, path: string, content: string, event = 'PostToolUse') {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
  return hook('post-tool-use', { session_id: 's1', cwd: root, hook_event_name: event, tool_name: 'Write', tool_input: { file_path: join(root, path), content } });
}

function bash(root: string, path: string, content: string, event: string) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
  return hook('post-tool-use', { session_id: 's1', cwd: root, hook_event_name: event, tool_name: 'Bash', tool_input: { command: `cat notes > ${path}; exit 1` }, duration_ms: 50 });
}

const stop = (root: string) => hook('stop', { session_id: 's1', cwd: root, hook_event_name: 'Stop', stop_hook_active: false });

describe('a file the config\'s `ignores` match', () => {
  it('is not reported after a Write, nor after a failed Bash command', () => {
    const root = tree({ ignores: ['archive/**'] });
    const written = write(root, STRAY, '# An old task\n');
    expect(written).toMatchObject({ status: 0, stdout: '' });
    expect(written.stderr).toContain("relay:config PostToolUse: `archive/task-001.md` matches the config's `ignores`: skipped");
    const failed = bash(root, STRAY, '# An old task, again\n', 'PostToolUseFailure');
    expect(failed).toMatchObject({ status: 0, stdout: '' });
    expect(failed.stderr).toContain("relay:config PostToolUseFailure: `archive/task-001.md` matches the config's `ignores`: skipped");
    // Nothing was remembered, so the Stop gate has nothing to ask.
    expect(stop(root).stdout).toBe('');
  });

  it('is blocked on where the config does not ignore it', () => {
    const root = tree({});
    const written = write(root, STRAY, '# An old task\n');
    expect(JSON.parse(written.stdout)).toMatchObject({ decision: 'block' });
    expect(written.stdout).toContain('layout-misplaced-file');
  });

  it('does not hold the Stop gate once the config ignores it', () => {
    const root = tree({});
    // Remembered while the config did not ignore it...
    expect(write(root, STRAY, '# An old task\n').stdout).toContain('layout-misplaced-file');
    // ...then the user adds the pattern: the gate judges by the config as it is now.
    writeFileSync(join(root, '.protocol-lint.json'), JSON.stringify({ ignores: ['archive/**'] }) + '\n');
    const gate = stop(root);
    expect(gate).toMatchObject({ status: 0, stdout: '' });
    expect(gate.stderr).toContain("relay:config Stop: `archive/task-001.md` matches the config's `ignores`: skipped");
  });
});

describe('a file of a nested root', () => {
  it('is not judged by the top tree\'s rules after a Bash command at the top', () => {
    const root = tree({}, { 'state/.protocol-lint.json': '{}\n', 'state/urls_todo.md': TODO, 'state/urls_done.md': DONE });
    const run = bash(root, 'state/urls_todo.md', TODO + '- https://example.com/article-2\n', 'PostToolUse');
    expect(run).toMatchObject({ status: 0, stdout: '' });
    expect(run.stderr).toContain('relay:config PostToolUse: `state/urls_todo.md` belongs to the nested root `state/`');
  });

  it('is linted under its own root after a Write', () => {
    const root = tree({}, { 'state/.protocol-lint.json': '{}\n', 'state/urls_todo.md': TODO, 'state/urls_done.md': DONE });
    const run = write(root, 'state/urls_todo.md', TODO + '- https://example.com/article-0\n');
    expect(JSON.parse(run.stdout)).toMatchObject({ decision: 'block' });
    expect(run.stdout).toContain('urls_todo.md:3:3 [queue-overlap]');
    expect(run.stdout).not.toContain('layout-misplaced-file');
  });
});

describe('a config without `ignores`', () => {
  it('ignores what picomatch matches of the always-ignored folders, without picomatch', () => {
    const reference = picomatch(ALWAYS_IGNORED, { dot: true });
    const paths = ['node_modules', 'node_modules/a.md', 'a/node_modules', 'a/node_modules/b.md', '.git', 'a/.git', 'a/.git/x', 'x.git/a.md', 'a/node_modulesx/b.md', 'a/.github/x.md', 'plan/task-001.md', 'urls_todo.md', 'review/.gitkeep'];
    for (const path of paths) expect([path, alwaysIgnored(path)]).toEqual([path, reference(path)]);
    expect(paths.filter(alwaysIgnored)).toHaveLength(7);
  });
});
