/**
 * protocol-lint's code cache (src/cli/cached-bundle.ts), through the built CLI: written once
 * per bundle, Node version and kind of run; used as it is afterwards; rewritten when V8
 * refuses it; never taken from a folder others can write; off when asked. The output is the
 * same with or without it.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { git, REPO, runBin } from '../helpers/run.js';
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

  it('is keyed by the bundle’s bytes: a bundle edited in place (same length) runs its new code', () => {
    const { cache } = setup();
    // A copy of the built CLI inside the checkout, so the bundle still finds node_modules.
    const copy = mkdtempSync(join(REPO, '.test-bundle-'));
    dirs.push(copy);
    mkdirSync(join(copy, 'cjs'));
    copyFileSync(join(REPO, 'dist', 'protocol-lint.cjs'), join(copy, 'protocol-lint.cjs'));
    for (const name of readdirSync(join(REPO, 'dist', 'cjs'))) copyFileSync(join(REPO, 'dist', 'cjs', name), join(copy, 'cjs', name));
    const version = () => {
      const result = spawnSync(process.execPath, [join(copy, 'protocol-lint.cjs'), '--version'], { encoding: 'utf8', env: { ...process.env, RELAY_CACHE_DIR: cache, RELAY_DEBUG: 'cache' } });
      return { out: result.stdout.trim(), err: result.stderr };
    };
    const first = version();
    expect(first.err).toContain('relay:cache no code cache yet');
    const second = version();
    expect(second.err).toContain('relay:cache code cache used');
    const bundle = join(copy, 'cjs', 'lint-cli.cjs');
    const original = readFileSync(bundle, 'latin1');
    const edited = original.replace(`version:"${first.out}"`, 'version:"7.7.7"'.padEnd(`version:"${first.out}"`.length, ' '));
    expect(edited).not.toBe(original);
    expect(edited.length).toBe(original.length);
    writeFileSync(bundle, edited, 'latin1');
    const third = version();
    expect(third.out).toBe('7.7.7');
    expect(third.err).toContain('relay:cache no code cache yet');
    expect(version().err).toContain('relay:cache code cache used');
    // The old content's cache went when the new one was written.
    expect(cacheFiles(cache)).toHaveLength(1);
  });
});

describe('the SessionStart hook through the code cache', () => {
  const start = (entry: string, root: string, cache: string) =>
    spawnSync(process.execPath, [entry], {
      cwd: root,
      encoding: 'utf8',
      input: JSON.stringify({ session_id: 'cache-test', cwd: root, hook_event_name: 'SessionStart', source: 'resume' }),
      env: { ...process.env, RELAY_CACHE_DIR: cache, RELAY_DEBUG: 'cache,hook', RELAY_SESSIONS: '0' },
    });

  it('writes its cache once and uses it after, with the same briefing', () => {
    const { root, cache } = setup();
    const entry = join(REPO, 'dist', 'hooks', 'session-start.mjs');
    const first = start(entry, root, cache);
    expect(first.status).toBe(0);
    expect(first.stderr).toContain('relay:cache no code cache yet');
    expect(JSON.parse(first.stdout).hookSpecificOutput.additionalContext).toContain('`urls_todo.md`: 2 pending');
    expect(cacheFiles(cache).filter((name) => name.startsWith('session-start-'))).toHaveLength(1);
    const second = start(entry, root, cache);
    expect(second.stderr).toContain('relay:cache code cache used');
    expect(second.stdout).toBe(first.stdout);
  });

  it('fails open when its bundle is missing: no briefing, one line under RELAY_DEBUG, exit 0', () => {
    const { root, cache } = setup();
    // A copy of the built hooks without dist/cjs/session-start.cjs.
    const copy = mkdtempSync(join(REPO, '.test-bundle-'));
    dirs.push(copy);
    for (const folder of ['hooks', 'chunks', 'cjs']) {
      mkdirSync(join(copy, folder));
      for (const name of readdirSync(join(REPO, 'dist', folder))) if (name !== 'session-start.cjs') copyFileSync(join(REPO, 'dist', folder, name), join(copy, folder, name));
    }
    const run = start(join(copy, 'hooks', 'session-start.mjs'), root, cache);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^relay:hook SessionStart: the hook could not be loaded \(ENOENT[^\n]*\): no briefing\n$/);
  });
});
