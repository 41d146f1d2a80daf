/**
 * `--staged` against real git in every index arrangement it must read through git: filters from
 * the repository's attributes and from a system-wide config, a split index, a sparse index, a
 * linked worktree and GIT_INDEX_FILE. Each case stages a change whose staged bytes are bad, and
 * expects the commit refused; and a good one accepted. Every case runs with the code cache and
 * the kept queue copies, and without them (RELAY_CODE_CACHE=0, RELAY_QUEUE_COPIES=0), and
 * checks through RELAY_DEBUG which path was taken.
 */
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { git, runBin } from '../helpers/run.js';
import { removeTree, writeTree } from '../helpers/tree.js';
import { GitIndexSource } from '../../src/lint/git-index-source.js';

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

const SWITCHES = [
  { name: 'with the code cache and queue copies', copies: true, env: (): NodeJS.ProcessEnv => ({ RELAY_CACHE_DIR: cacheDir() }) },
  { name: 'without the code cache and queue copies', copies: false, env: (): NodeJS.ProcessEnv => ({ RELAY_CODE_CACHE: '0', RELAY_QUEUE_COPIES: '0' }) },
];

function cacheDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'relay-cache-'));
  dirs.push(dir);
  return dir;
}

describe.each(SWITCHES)('--staged $name', ({ copies, env: switches }) => {
  function check(cwd: string, env: NodeJS.ProcessEnv = {}) {
    const result = runBin('protocol-lint', ['--staged', '--format', 'json'], { cwd, env: { ...process.env, ...switches(), RELAY_DEBUG: 'cache,copies,git', ...env } });
    const rules: string[] = result.stdout.trim() === '' ? [] : JSON.parse(result.stdout).flatMap((file: { messages: { ruleId: string }[] }) => file.messages.map((message) => message.ruleId));
    return { ...result, rules };
  }

  /** The switches' own paths, seen in a run's debug lines. */
  function expectSwitchPaths(stderr: string): void {
    if (copies) {
      expect(stderr).not.toContain('RELAY_QUEUE_COPIES=0');
      expect(stderr).not.toContain('RELAY_CODE_CACHE=0');
    } else {
      expect(stderr).toContain('relay:copies RELAY_QUEUE_COPIES=0');
      expect(stderr).toContain('relay:cache RELAY_CODE_CACHE=0');
    }
  }

  /** Commits a good change through the check, then checks a bad one: HEAD's queue is the one the first run kept. */
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
    expectSwitchPaths(refused.stderr);
    // With copies, HEAD's queue came from the copy the good run kept, not from git.
    if (copies) expect(refused.stderr).not.toMatch(/relay:copies HEAD's `urls_todo\.md` .* is not kept/);
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
    expect(refused.stderr).toContain('relay:git the working copy of `urls_todo.md` is not what is staged');
  });

  it('lints what a system-wide filter stages (GIT_CONFIG_SYSTEM naming core.attributesFile)', () => {
    const root = repo();
    const system = cacheDir();
    writeFileSync(join(system, 'attributes'), 'urls_todo.md filter=swap\n');
    writeFileSync(join(system, 'gitconfig'), `[filter "swap"]\n\tclean = ${SWAP_CLEAN}\n\tsmudge = cat\n[core]\n\tattributesFile = ${join(system, 'attributes')}\n`);
    const env = { GIT_CONFIG_SYSTEM: join(system, 'gitconfig'), GIT_CONFIG_NOSYSTEM: '' };
    const refused = goodThenBad(root, (at) => stage(at, SWAPPED, env), env);
    expect(refused.stderr).toContain('relay:git the working copy of `urls_todo.md` is not what is staged');
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

  it('reads a linked worktree’s own index, and keeps copies in the shared git directory', () => {
    const root = repo();
    const worktree = join(cacheDir(), 'linked');
    git(root, ['worktree', 'add', '-q', worktree]);
    goodThenBad(worktree, (at) => stage(at, OVERLAP));
    expect(existsSync(join(root, '.git', 'relay', 'queue-copies'))).toBe(copies);
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
      expectSwitchPaths(refused.stderr);
      // The repository's own index stages nothing.
      expect(check(root).status).toBe(0);
    }
  });
});

describe('--staged fallbacks', () => {
  it('says when a queue copy is missing and git is asked', () => {
    const root = repo();
    stage(root, OVERLAP);
    const result = runBin('protocol-lint', ['--staged'], { cwd: root, env: { ...process.env, RELAY_CACHE_DIR: cacheDir(), RELAY_DEBUG: 'copies' } });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/relay:copies HEAD's `urls_todo\.md` \([0-9a-f]{40}\) is not kept: asked of git/);
  });

  it('says when a focused check falls back to linting the queues whole', () => {
    const root = repo();
    stage(root, GOOD);
    const focused = runBin('protocol-lint', ['--staged'], { cwd: root, env: { ...process.env, RELAY_DEBUG: 'focus' } });
    expect(focused.status).toBe(0);
    expect(focused.stderr).not.toContain('relay:focus');
    stage(root, TODO + '- https://example.com/a%20b\n');
    const whole = runBin('protocol-lint', ['--staged'], { cwd: root, env: { ...process.env, RELAY_DEBUG: 'focus' } });
    expect(whole.status).toBe(0);
    expect(whole.stderr).toContain('relay:focus the queues are linted whole: line 3 of `urls_todo.md` holds a URL a byte search cannot find');
  });
});

describe('--staged numbered lookups', () => {
  it('finds every staged spelling of a number, gaps in the padding included, and no other', async () => {
    const root = repo();
    for (const name of ['task-012.md', 'task-00012.md', 'task-0120.md', 'task-0002.md']) writeFileSync(join(root, 'plan', name), '# Task\n');
    // In the working tree but not staged: not part of the commit.
    git(root, ['add', 'plan']);
    writeFileSync(join(root, 'plan', 'task-000012.md'), '# Not staged\n');
    const source = new GitIndexSource(root, { todo: 'urls_todo.md', done: 'urls_done.md' });
    try {
      await source.stagedChanges();
      expect(source.numbered('plan', 'task', 12)).toEqual(['plan/task-012.md', 'plan/task-00012.md']);
      expect(source.numbered('plan', 'task', 120)).toEqual(['plan/task-0120.md']);
      expect(source.numbered('plan', 'task', 1)).toEqual(['plan/task-001.md']);
      expect(source.numbered('plan', 'task', 2)).toEqual(['plan/task-0002.md']);
      expect(source.numbered('plan', 'task', 3)).toEqual([]);
      expect(source.numbered('review', 'draft', 12)).toEqual([]);
    } finally {
      source.close();
    }
  });
});
