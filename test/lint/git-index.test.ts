/**
 * `--staged` against real git in every index arrangement it must read through git: filters from
 * the repository's attributes and from a system-wide config, a split index, a sparse index, a
 * linked worktree and GIT_INDEX_FILE. Each case stages a change whose staged bytes are bad, and
 * expects the commit refused; and a good one accepted.
 */
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { git, runBin } from '../helpers/run.js';
import { removeTree, writeTree } from '../helpers/tree.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) removeTree(dir);
});

const TODO = '# Pending URLs\n- https://example.com/article-1\n';
/** A pending URL that is also done: an overlap. */
const OVERLAP = TODO + '- https://example.com/article-0\n';
/** A new pending URL: fine. */
const GOOD = TODO + '- https://example.com/article-2\n';
/** Harmless in the working tree; the `swap` clean filter stages it as `article-0`, an overlap. */
const SWAPPED = TODO + '- https://example.com/article-OK\n';
const SWAP_CLEAN = "sed -e 's/article-OK/article-0/'";

function repo(): string {
  const root = writeTree({
    '.protocol-lint.json': '{}\n',
    'CLAUDE.md': '# Project\n\n## Session Protocol\n\nGet up to speed, then log this.\n',
    'urls_todo.md': TODO,
    'urls_done.md': '# Completed URLs\n- https://example.com/article-0 (completed 2026-03-19)\n',
    'plan/task-001.md': '# One\n',
    'other/notes.md': '# Notes\n',
  });
  dirs.push(root);
  git(root, ['init', '-q', '-b', 'main']);
  git(root, ['add', '-A']);
  git(root, ['commit', '-q', '-m', 'initial state', '--no-verify']);
  return root;
}

function stage(root: string, text: string, env: NodeJS.ProcessEnv = {}): void {
  writeFileSync(join(root, 'urls_todo.md'), text);
  git(root, ['add', 'urls_todo.md'], env);
}

function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'relay-cache-'));
  dirs.push(dir);
  return dir;
}

describe('--staged', () => {
  function check(cwd: string, env: NodeJS.ProcessEnv = {}) {
    const result = runBin('protocol-lint', ['--staged', '--format', 'json'], { cwd, env: { ...process.env, ...env } });
    const rules: string[] = result.stdout.trim() === '' ? [] : JSON.parse(result.stdout).flatMap((file: { messages: { ruleId: string }[] }) => file.messages.map((message) => message.ruleId));
    return { ...result, rules };
  }

  /** Commits a good change through the check, then checks a bad one. */
  function goodThenBad(root: string, bad: (root: string) => void, env: NodeJS.ProcessEnv = {}) {
    stage(root, GOOD, env);
    const good = check(root, env);
    expect(good.rules).toEqual([]);
    expect(good.status).toBe(0);
    git(root, ['commit', '-q', '-m', 'good', '--no-verify'], env);
    bad(root);
    const refused = check(root, env);
    expect(refused.rules).toContain('queue-overlap');
    expect(refused.status).toBe(1);
    return refused;
  }

  it("lints what a clean filter in the repository's .gitattributes stages, not the working copy", () => {
    const root = repo();
    writeFileSync(join(root, '.gitattributes'), 'urls_todo.md filter=swap\n');
    git(root, ['config', 'filter.swap.clean', SWAP_CLEAN]);
    git(root, ['config', 'filter.swap.smudge', 'cat']);
    git(root, ['add', '.gitattributes']);
    const refused = goodThenBad(root, (at) => stage(at, SWAPPED));
    expect(git(root, ['show', ':urls_todo.md'])).toContain('article-0');
    expect(refused.rules).toEqual(['queue-overlap']);
  });

  it('lints what a system-wide filter stages (GIT_CONFIG_SYSTEM naming core.attributesFile)', () => {
    const root = repo();
    const system = scratchDir();
    writeFileSync(join(system, 'attributes'), 'urls_todo.md filter=swap\n');
    writeFileSync(join(system, 'gitconfig'), `[filter "swap"]\n\tclean = ${SWAP_CLEAN}\n\tsmudge = cat\n[core]\n\tattributesFile = ${join(system, 'attributes')}\n`);
    const env = { GIT_CONFIG_SYSTEM: join(system, 'gitconfig'), GIT_CONFIG_NOSYSTEM: '' };
    goodThenBad(root, (at) => stage(at, SWAPPED, env), env);
    // Without the system config git stages the working copy as it is, and the check agrees.
    const plain = { GIT_CONFIG_SYSTEM: join(system, 'absent'), GIT_CONFIG_NOSYSTEM: '' };
    stage(root, SWAPPED, plain);
    expect(check(root, plain).status).toBe(0);
  });

  it('reads a split index', () => {
    const root = repo();
    git(root, ['update-index', '--split-index']);
    goodThenBad(root, (at) => stage(at, OVERLAP));
    expect(readdirSync(join(root, '.git')).some((name) => name.startsWith('sharedindex.'))).toBe(true);
  });

  it('reads a sparse index, folders outside the cone included', () => {
    const root = repo();
    git(root, ['sparse-checkout', 'set', '--cone', '--sparse-index', 'plan']);
    expect(git(root, ['ls-files', '--sparse'])).toContain('other/\n');
    expect(existsSync(join(root, 'other', 'notes.md'))).toBe(false);
    goodThenBad(root, (at) => stage(at, OVERLAP));
    git(root, ['reset', '-q']);
    writeFileSync(join(root, 'plan', 'task-0001.md'), '# One again\n');
    git(root, ['add', 'plan/task-0001.md']);
    const duplicate = check(root);
    expect(duplicate.rules).toContain('layout-duplicate-id');
    expect(duplicate.status).toBe(1);
  });

  it('reads a linked worktree’s own index', () => {
    const root = repo();
    const worktree = join(scratchDir(), 'linked');
    git(root, ['worktree', 'add', '-q', worktree]);
    goodThenBad(worktree, (at) => stage(at, OVERLAP));
    // The main worktree's index is untouched: nothing staged there.
    expect(check(root).status).toBe(0);
  });

  it('reads the index GIT_INDEX_FILE names (a `commit -a` hook), absolute or relative', () => {
    const root = repo();
    for (const indexFile of [join(root, '.git', 'other-index'), join('.git', 'relative-index')]) {
      const env = { GIT_INDEX_FILE: indexFile };
      git(root, ['read-tree', 'HEAD'], env);
      stage(root, OVERLAP, env);
      const refused = check(root, env);
      expect(refused.rules).toContain('queue-overlap');
      expect(refused.status).toBe(1);
      // The repository's own index stages nothing.
      expect(check(root).status).toBe(0);
    }
  });
});

describe('--staged fallbacks', () => {
  it('says when a focused check falls back to linting the queues whole', () => {
    const root = repo();
    stage(root, GOOD);
    const focused = runBin('protocol-lint', ['--staged'], { cwd: root, env: { ...process.env, RELAY_DEBUG: 'focus' } });
    expect(focused.status).toBe(0);
    expect(focused.stderr).not.toContain('relay:focus');
    stage(root, TODO + '- https://example.com/a%20b\n');
    const whole = runBin('protocol-lint', ['--staged'], { cwd: root, env: { ...process.env, RELAY_DEBUG: 'focus' } });
    expect(whole.status).toBe(0);
    expect(whole.stderr).toContain('relay:focus the queues are linted whole: a changed line holds a URL a text search cannot find in every spelling');
  });
});

describe('--staged numbered ids', () => {
  it('reports every staged spelling of a number, gaps in the padding included, and no file that is not staged', () => {
    const root = repo();
    for (const name of ['task-012.md', 'task-00012.md', 'task-0120.md', 'task-0002.md']) writeFileSync(join(root, 'plan', name), '# Task\n');
    git(root, ['add', 'plan']);
    // In the working tree but not staged: not part of the commit.
    writeFileSync(join(root, 'plan', 'task-000012.md'), '# Not staged\n');
    writeFileSync(join(root, 'plan', 'task-0003.md'), '# Not staged\n');
    const result = runBin('protocol-lint', ['--staged', '--format', 'json'], { cwd: root });
    const duplicates = (JSON.parse(result.stdout) as { filePath: string; messages: { ruleId: string }[] }[])
      .filter((file) => file.messages.some((message) => message.ruleId === 'layout-duplicate-id'))
      .map((file) => file.filePath);
    expect(duplicates).toEqual(['plan/task-00012.md', 'plan/task-012.md']);
    expect(result.status).toBe(1);
  });
});
