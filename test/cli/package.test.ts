/**
 * relay as an npm package: `npm pack`, then a global install into a temporary prefix and a
 * project-local `npm install -D` of the tarball, both `--offline` (the package has no runtime
 * dependency, and a tarball's devDependencies are never installed). The installed `relay` and
 * `protocol-lint` answer `--version` with package.json's version (which the build copies into
 * the plugin manifest) and work on a temp tree, with no build step.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { git, GIT_ENV, REPO } from '../helpers/run.js';
import { tempDir } from '../helpers/state-relay.js';

const VERSION = packageJson.version;
/** npm without the user's cache, config or update check. */
const NPM_ENV = { ...process.env, npm_config_cache: tempDir('relay-npm-cache-'), npm_config_userconfig: '/dev/null', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };

function npm(cwd: string, args: string[]): SpawnSyncReturns<string> {
  const result = spawnSync('npm', args, { cwd, encoding: 'utf8', env: NPM_ENV, timeout: 240_000 });
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result;
}

function run(bin: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  // Only the installed bin folder and node's own: nothing from this checkout is on the PATH.
  const path = [join(bin, '..'), join(process.execPath, '..'), '/usr/bin', '/bin'].join(':');
  return spawnSync(bin, args, { cwd, encoding: 'utf8', env: { ...process.env, PATH: path, RELAY_AGENT: 'tester' } });
}

/** A git repository with one URL in both queues: protocol-lint finds an error. */
function brokenTree(): string {
  const root = tempDir('relay-package-tree-');
  git(root, ['init', '-q']);
  writeFileSync(join(root, 'urls_todo.md'), '# Pending URLs\n\n- https://example.com/a\n');
  writeFileSync(join(root, 'urls_done.md'), '# Completed URLs\n\n- https://example.com/a (completed 2026-01-02)\n');
  return root;
}

/** Both CLIs at `binDir` answer `--version`, lint a tree with a problem, and claim in an initialized one. */
function expectWorkingClis(binDir: string): void {
  for (const name of ['relay', 'protocol-lint']) {
    const version = run(join(binDir, name), ['--version'], binDir);
    expect(version.stderr).toBe('');
    expect(version.stdout).toBe(`${VERSION}\n`);
  }
  const broken = brokenTree();
  const lint = run(join(binDir, 'protocol-lint'), ['--format', 'github'], broken);
  expect(lint.status).toBe(1);
  expect(lint.stdout).toContain('title=queue-overlap::');

  const root = tempDir('relay-package-repo-');
  git(root, ['init', '-q']);
  expect(run(join(binDir, 'relay'), ['init'], root).status).toBe(0);
  writeFileSync(join(root, 'urls_todo.md'), '# Pending URLs\n\n- https://example.com/b\n');
  const claim = run(join(binDir, 'relay'), ['claim'], root);
  expect(claim.stderr).toBe('');
  expect(claim.stdout).toBe('https://example.com/b\n');
  expect(readFileSync(join(root, 'urls_todo.md'), 'utf8')).toContain('- https://example.com/b (claimed by tester');
  expect(run(join(binDir, 'protocol-lint'), [], root).status).toBe(0);
}

describe('the npm package', () => {
  let tarball = '';
  let files: string[] = [];

  beforeAll(() => {
    const out = tempDir('relay-pack-');
    const packed = JSON.parse(npm(REPO, ['pack', '--json', '--pack-destination', out]).stdout) as { filename: string; files: { path: string }[] }[];
    tarball = join(out, packed[0]!.filename);
    files = packed[0]!.files.map((file) => file.path);
  }, 240_000);

  it('declares what an install needs and nothing to download', () => {
    expect(packageJson).not.toHaveProperty('private');
    expect(packageJson).not.toHaveProperty('dependencies');
    expect(packageJson.bin).toEqual({ 'protocol-lint': 'bin/protocol-lint', relay: 'bin/relay' });
    expect(packageJson.engines.node).toMatch(/^>=\d+/);
    expect(packageJson.repository.url).toContain('github.com/relay-protocol/relay');
    expect(JSON.parse(readFileSync(join(REPO, 'plugin', '.claude-plugin', 'plugin.json'), 'utf8')).version).toBe(VERSION);
    expect(tarball).toMatch(/relay-protocol-.+\.tgz$/);
    for (const needed of ['bin/relay', 'bin/protocol-lint', 'dist/relay.mjs', 'dist/protocol-lint.mjs', 'action.yml', 'package.json']) {
      expect(files).toContain(needed);
    }
    // The plugin installs from the git marketplace (plugin/, whose bin/ and dist/ are links npm would drop), not from the package.
    for (const file of files) expect(file).not.toMatch(/^(src|test|node_modules|bench|scripts|examples|plugin|\.claude-plugin)\//);
  });

  it('leaves git blind to the tarball `npm pack` writes into the checkout', () => {
    const ignored = spawnSync('git', ['check-ignore', '--quiet', '--no-index', basename(tarball)], { cwd: REPO });
    expect(ignored.status).toBe(0);
  });

  it('installs globally into a prefix, offline, with working CLIs', () => {
    const prefix = tempDir('relay-prefix-');
    npm(prefix, ['install', '-g', '--prefix', prefix, tarball, '--offline']);
    expectWorkingClis(join(prefix, 'bin'));
  }, 240_000);

  it('installs as a devDependency of a project, offline, with working CLIs in node_modules/.bin', () => {
    const project = tempDir('relay-project-');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'a-project', version: '1.0.0', private: true }));
    npm(project, ['install', '-D', tarball, '--offline']);
    expect(JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')).devDependencies).toHaveProperty('relay-protocol');
    // Only relay itself: a tarball's devDependencies are not installed, and it has no dependencies.
    expect(existsSync(join(project, 'node_modules', 'gray-matter'))).toBe(false);
    expectWorkingClis(join(project, 'node_modules', '.bin'));
    // `npx --no-install protocol-lint`, as the README's git hook runs it, finds the local install.
    const npx = spawnSync('npx', ['--no-install', 'protocol-lint', '--version'], { cwd: project, encoding: 'utf8', env: NPM_ENV });
    expect(npx.stdout).toBe(`${VERSION}\n`);

    // The README's plain git hook, as written there, refuses a bad commit with the project's protocol-lint.
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const hookText = /\*\*Plain git hook\*\*[^\n]*\n\n```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(hookText).toContain('node_modules/.bin/protocol-lint --staged');
    git(project, ['init', '-q']);
    writeFileSync(join(project, '.git', 'hooks', 'pre-commit'), hookText!, { mode: 0o755 });
    writeFileSync(join(project, 'urls_todo.md'), '# Pending URLs\n\n- https://example.com/a\n');
    writeFileSync(join(project, 'urls_done.md'), '# Completed URLs\n\n- https://example.com/a (completed 2026-01-02)\n');
    git(project, ['add', 'urls_todo.md', 'urls_done.md']);
    const path = [join(process.execPath, '..'), '/usr/bin', '/bin'].join(':');
    const commit = spawnSync('git', ['commit', '-qm', 'overlap'], { cwd: project, encoding: 'utf8', env: { ...process.env, ...GIT_ENV, PATH: path } });
    expect(commit.status).not.toBe(0);
    expect(commit.stdout + commit.stderr).toContain('queue-overlap');
  }, 240_000);
});
