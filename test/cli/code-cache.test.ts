/**
 * protocol-lint's code cache (src/cli/cached-bundle.ts), through the built CLI: written once
 * per bundle, Node version and kind of run; used as it is afterwards; rewritten when V8
 * refuses it; never taken from a folder others can write; off when asked. The output is the
 * same with or without it.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { git, runBin } from '../helpers/run.js';
import { removeTree, writeTree } from '../helpers/tree.js';

const TREE = {
  'CLAUDE.md': '# Project\n\n## Session Protocol\n\nGet up to speed, then log this.\n',
  'urls_todo.md': '# Pending URLs\n- https://example.com/a\n- https://example.com/b\n',
  'urls_done.md': '# Completed URLs\n- https://example.com/a (completed 2026-03-19)\n',
};

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) removeTree(dir);
});

function setup(): { root: string; cache: string } {
  const root = writeTree(TREE);
  const cache = mkdtempSync(join(tmpdir(), 'relay-cache-'));
  dirs.push(root, cache);
  return { root, cache };
}

function lint(root: string, env: NodeJS.ProcessEnv, args: string[] = ['--format', 'json']) {
  return runBin('protocol-lint', args, { cwd: root, env: { ...process.env, ...env } });
}

const cacheFiles = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.v8cache'));

describe('the code cache', () => {
  it('is written by the first run and used as it is by the next', () => {
    const { root, cache } = setup();
    const first = lint(root, { RELAY_CACHE_DIR: cache });
    expect(first.status).toBe(1);
    expect(first.stdout).toContain('queue-overlap');
    const [name, ...others] = cacheFiles(cache);
    expect(others).toEqual([]);
    expect(name).toMatch(new RegExp(`^lint-cli-[0-9a-f]{16}-tree-${process.version.replace(/\./g, '\\.')}-${process.arch}\\.v8cache$`));
    const file = join(cache, name!);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const written = readFileSync(file);
    const before = statSync(file).mtimeMs;
    const second = lint(root, { RELAY_CACHE_DIR: cache });
    expect(second).toEqual(first);
    // Accepted by V8: left alone.
    expect(statSync(file).mtimeMs).toBe(before);
    expect(readFileSync(file).equals(written)).toBe(true);
  });

  it('is rewritten when V8 refuses it, and old bundles’ caches go', () => {
    const { root, cache } = setup();
    const reference = lint(root, { RELAY_CODE_CACHE: '0', RELAY_CACHE_DIR: cache });
    expect(cacheFiles(cache)).toEqual([]);
    lint(root, { RELAY_CACHE_DIR: cache });
    const [name] = cacheFiles(cache);
    const file = join(cache, name!);
    writeFileSync(file, Buffer.from('not a code cache at all'), { mode: 0o600 });
    const stale = join(cache, name!.replace(/^lint-cli-[0-9a-f]{16}-/, 'lint-cli-0000000000000000-'));
    writeFileSync(stale, 'an older bundle’s cache', { mode: 0o600 });
    const run = lint(root, { RELAY_CACHE_DIR: cache });
    expect(run).toEqual(reference);
    expect(readFileSync(file).toString()).not.toBe('not a code cache at all');
    expect(readFileSync(file).length).toBeGreaterThan(10_000);
    expect(cacheFiles(cache)).toEqual([name]);
  });

  it('keeps one cache per kind of run, and none in a folder others can write', () => {
    const { root, cache } = setup();
    lint(root, { RELAY_CACHE_DIR: cache });
    lint(root, { RELAY_CACHE_DIR: cache }, ['--version']);
    expect(cacheFiles(cache)).toHaveLength(1);
    git(root, ['init', '-q', '-b', 'main']);
    git(root, ['add', '-A']);
    const staged = lint(root, { RELAY_CACHE_DIR: cache }, ['--staged', '--format', 'json']);
    expect(staged.stdout).toContain('queue-overlap');
    expect(cacheFiles(cache).map((name) => name.split('-')[3]).sort()).toEqual(['staged', 'tree']);
    const shared = join(cache, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    const run = lint(root, { RELAY_CACHE_DIR: shared });
    expect(run.status).toBe(1);
    expect(cacheFiles(shared)).toEqual([]);
    rmSync(shared, { recursive: true });
    // A folder that does not exist yet is made, private.
    const fresh = join(cache, 'deeper', 'relay');
    lint(root, { RELAY_CACHE_DIR: fresh });
    expect(statSync(fresh).mode & 0o777).toBe(0o700);
    expect(cacheFiles(fresh)).toHaveLength(1);
  });

  it('never stops a run: an unwritable place only means no cache', () => {
    const { root, cache } = setup();
    const file = join(cache, 'a-file');
    writeFileSync(file, '');
    const run = lint(root, { RELAY_CACHE_DIR: join(file, 'below') });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('queue-overlap');
  });
});
