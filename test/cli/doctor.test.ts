/**
 * `relay doctor` through the built CLI on real git repositories broken in the ways users break
 * them (driver missing, the checkout of relay moved, hook absent or unreachable, no CLAUDE.md
 * section, no ledger, an older installed plugin), then after `--fix`.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { git, REPO, runBin, type Run } from '../helpers/run.js';
import { tempDir } from '../helpers/state-relay.js';

const VERSION = packageJson.version;

interface Report {
  version: string;
  healthy: boolean;
  fixed: string[];
  checks: { id: string; ok: boolean; message: string; fix?: string; fixable?: boolean }[];
}

/** A HOME with no plugins and a PATH with node and git but no protocol-lint, so only what a test sets up counts. */
function isolated(home: string): NodeJS.ProcessEnv {
  return { ...process.env, HOME: home, CLAUDE_CONFIG_DIR: '', CLAUDE_CODE_PLUGIN_CACHE_DIR: '', PATH: [dirname(process.execPath), '/usr/bin', '/bin'].join(':') };
}

function doctor(root: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Run {
  const home = join(root, '..', `${root.split('/').pop()}-home`);
  mkdirSync(home, { recursive: true });
  const cleanEnv = isolated(home);
  for (const key of ['CLAUDE_CONFIG_DIR', 'CLAUDE_CODE_PLUGIN_CACHE_DIR']) delete cleanEnv[key];
  return runBin('relay', ['doctor', ...args], { cwd: root, env: { ...cleanEnv, ...env } });
}

function report(run: Run): Report {
  return JSON.parse(run.stdout) as Report;
}

function failing(run: Run): string[] {
  return report(run).checks.filter((check) => !check.ok).map((check) => check.id);
}

/** A git repository with `relay init` run and a plain pre-commit hook calling a protocol-lint in node_modules/.bin. */
function healthyRepo(): string {
  const root = tempDir('relay-doctor-');
  git(root, ['init', '-q']);
  expect(runBin('relay', ['init'], { cwd: root }).status).toBe(0);
  mkdirSync(join(root, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(join(REPO, 'bin', 'protocol-lint'), join(root, 'node_modules', '.bin', 'protocol-lint'));
  writeHook(root, '#!/bin/sh\nexec npx --no-install protocol-lint --staged\n');
  return root;
}

function writeHook(root: string, text: string): string {
  const hook = join(root, '.git', 'hooks', 'pre-commit');
  mkdirSync(dirname(hook), { recursive: true });
  writeFileSync(hook, text);
  chmodSync(hook, 0o755);
  return hook;
}

describe('relay doctor', () => {
  it('finds a healthy repository healthy, with its version', () => {
    const root = healthyRepo();
    const run = doctor(root);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`relay ${VERSION}, Node ${process.versions.node}`);
    expect(run.stdout).toMatch(/healthy\n$/);
    const json = doctor(root, ['--json']);
    expect(json.status).toBe(0);
    expect(report(json)).toMatchObject({ version: VERSION, healthy: true, fixed: [] });
    expect(report(json).checks.map((check) => check.id)).toEqual(['merge-driver', 'gitattributes', 'pre-commit', 'claude-md', 'node', 'ledger', 'plugin']);
  });

  it('lists every missing piece of a bare repository, and --fix applies the safe ones', () => {
    const root = tempDir('relay-doctor-');
    git(root, ['init', '-q']);
    writeFileSync(join(root, 'CLAUDE.md'), '# Notes\n\nNothing about sessions.\n');
    const before = doctor(root, ['--json']);
    expect(before.status).toBe(1);
    expect(failing(before)).toEqual(['merge-driver', 'gitattributes', 'pre-commit', 'claude-md', 'ledger']);
    const text = doctor(root);
    expect(text.stdout).toContain('problem  No git config `merge.relay-queue.driver`');
    expect(text.stdout).toContain('fix: `relay doctor --fix`');
    expect(text.stdout).toContain('5 findings (4 fixable with `relay doctor --fix`)');

    const fixed = doctor(root, ['--fix', '--json']);
    expect(fixed.status).toBe(1);
    expect(report(fixed).fixed).toEqual(expect.arrayContaining(['set git config `merge.relay-queue.driver`', 'added a Session Protocol section to `CLAUDE.md`', 'created `sessions/`']));
    expect(failing(fixed)).toEqual(['pre-commit']);
    expect(git(root, ['config', 'merge.relay-queue.driver']).trim()).toBe(`node ${join(REPO, 'dist', 'relay.mjs')} merge-driver %O %A %B %P`);
    expect(readFileSync(join(root, '.gitattributes'), 'utf8')).toBe('urls_todo.md merge=relay-queue\nurls_done.md merge=relay-queue\n');
    expect(readFileSync(join(root, 'CLAUDE.md'), 'utf8')).toMatch(/^# Notes\n\nNothing about sessions\.\n\n## Session Protocol\n/);
    expect(existsSync(join(root, 'sessions'))).toBe(true);

    writeHook(root, `#!/bin/sh\nexec node ${join(REPO, 'bin', 'protocol-lint')} --staged\n`);
    expect(doctor(root).status).toBe(0);
  });

  it('finds an unregistered merge driver and re-registers it', () => {
    const root = healthyRepo();
    git(root, ['config', '--unset', 'merge.relay-queue.driver']);
    const run = doctor(root, ['--json']);
    expect(run.status).toBe(1);
    expect(report(run).checks.find((check) => check.id === 'merge-driver')).toMatchObject({ ok: false, fixable: true, fix: 'relay doctor --fix' });
    const fixed = doctor(root, ['--fix']);
    expect(fixed.status).toBe(0);
    expect(fixed.stdout).toContain('fixed    set git config `merge.relay-queue.driver`');
    expect(git(root, ['config', 'merge.relay-queue.driver'])).toContain(join(REPO, 'dist', 'relay.mjs'));
  });

  it('finds a driver whose checkout moved away, and points it at this bundle', () => {
    const root = healthyRepo();
    // A checkout of relay (its bundles) that registers itself, then moves.
    const checkout = join(tempDir('relay-doctor-checkout-'), "it's here");
    cpSync(join(REPO, 'bin'), join(checkout, 'bin'), { recursive: true });
    cpSync(join(REPO, 'dist'), join(checkout, 'dist'), { recursive: true });
    const registered = spawnSync(process.execPath, [join(checkout, 'bin', 'relay'), 'init'], { cwd: root, encoding: 'utf8' });
    expect(registered.stdout).toBe('set git config `merge.relay-queue.driver`\n');
    const moved = `${checkout}-moved`;
    renameSync(checkout, moved);
    const run = doctor(root);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`problem  The merge driver runs \`${join(checkout, 'dist', 'relay.mjs')}\`, which does not exist (moved checkout?)`);
    const fixed = doctor(root, ['--fix']);
    expect(fixed.status).toBe(0);
    expect(git(root, ['config', 'merge.relay-queue.driver'])).toContain(join(REPO, 'dist', 'relay.mjs'));
  });

  it('finds a hook that is absent, not executable, or calls a protocol-lint that is not there; --fix leaves hooks alone', () => {
    const root = healthyRepo();
    const hook = join(root, '.git', 'hooks', 'pre-commit');
    rmSync(hook);
    let run = doctor(root, ['--fix']);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('problem  No pre-commit hook found');
    expect(existsSync(hook)).toBe(false);

    writeHook(root, '#!/bin/sh\nexec node /nowhere/bin/protocol-lint --staged\n');
    run = doctor(root);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('runs `/nowhere/bin/protocol-lint`, which does not exist');

    writeHook(root, '#!/bin/sh\nexec protocol-lint --staged\n');
    rmSync(join(root, 'node_modules'), { recursive: true });
    run = doctor(root);
    expect(run.stdout).toContain('runs `protocol-lint`, which is neither in `node_modules/.bin` nor on the `PATH`');
    // The same hook is fine once protocol-lint is on the PATH.
    const bin = tempDir('relay-doctor-bin-');
    symlinkSync(join(REPO, 'bin', 'protocol-lint'), join(bin, 'protocol-lint'));
    expect(doctor(root, [], { PATH: `${bin}:${isolated(root).PATH}` }).status).toBe(0);

    // The README's hook tries the project's protocol-lint, else the PATH's: one that exists is enough.
    writeHook(root, '#!/bin/sh\nif [ -x node_modules/.bin/protocol-lint ]; then exec node_modules/.bin/protocol-lint --staged; fi\nexec protocol-lint --staged\n');
    expect(doctor(root).stdout).toContain('runs `node_modules/.bin/protocol-lint`, which does not exist');
    mkdirSync(join(root, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(join(REPO, 'bin', 'protocol-lint'), join(root, 'node_modules', '.bin', 'protocol-lint'));
    expect(doctor(root).status).toBe(0);

    writeHook(root, '#!/bin/sh\necho nothing\n');
    expect(doctor(root).stdout).toContain('does not run protocol-lint');
    chmodSync(hook, 0o644);
    expect(doctor(root).stdout).toContain('is not executable');
  });

  it('accepts husky with lint-staged running protocol-lint, and the pre-commit framework', () => {
    const root = healthyRepo();
    rmSync(join(root, '.git', 'hooks', 'pre-commit'));
    mkdirSync(join(root, '.husky', '_'), { recursive: true });
    writeFileSync(join(root, '.husky', 'pre-commit'), 'lint-staged\n');
    writeFileSync(join(root, 'package.json'), JSON.stringify({ 'lint-staged': { '*.{md,mdx}': 'protocol-lint' } }));
    expect(doctor(root).stdout).toContain("git's `core.hooksPath` is not `.husky/_`");
    git(root, ['config', 'core.hooksPath', '.husky/_']);
    let run = doctor(root);
    expect(run.stdout).toContain('ok       `.husky/pre-commit` through lint-staged runs protocol-lint');
    expect(run.status).toBe(0);

    writeFileSync(join(root, 'package.json'), JSON.stringify({ 'lint-staged': { '*.md': 'prettier --check' } }));
    expect(doctor(root).stdout).toContain('`.husky/pre-commit` through lint-staged does not run protocol-lint');

    rmSync(join(root, '.husky'), { recursive: true });
    git(root, ['config', '--unset', 'core.hooksPath']);
    writeFileSync(join(root, '.pre-commit-config.yaml'), 'repos:\n  - repo: https://github.com/relay-protocol/relay\n    rev: 0123456789abcdef0123456789abcdef01234567\n    hooks:\n      - id: protocol-lint\n');
    run = doctor(root);
    expect(run.stdout).toContain('fix: `pre-commit install`');
    writeHook(root, '#!/bin/sh\n# written by pre-commit\n');
    run = doctor(root);
    expect(run.stdout).toContain('ok       the pre-commit framework runs protocol-lint');
    expect(run.status).toBe(0);
  });

  it('compares an installed plugin with this checkout', () => {
    const root = healthyRepo();
    const config = tempDir('relay-doctor-claude-');
    const installPath = join(config, 'plugins', 'cache', 'relay-protocol', 'relay', '0.0.9');
    mkdirSync(join(installPath, '.claude-plugin'), { recursive: true });
    writeFileSync(join(installPath, '.claude-plugin', 'plugin.json'), JSON.stringify({ name: 'relay', version: '0.0.9' }));
    const records = { version: 2, plugins: { 'relay@relay-protocol': [{ scope: 'user', installPath, version: '0.0.9' }] } };
    writeFileSync(join(config, 'plugins', 'installed_plugins.json'), JSON.stringify(records));
    let run = doctor(root, [], { CLAUDE_CONFIG_DIR: config });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`problem  Installed plugin \`relay@relay-protocol\` is version \`0.0.9\`, expected this checkout's \`${VERSION}\``);
    expect(run.stdout).toContain('fix: `claude plugin marketplace update relay-protocol && claude plugin update relay@relay-protocol`');

    writeFileSync(join(installPath, '.claude-plugin', 'plugin.json'), JSON.stringify({ name: 'relay', version: VERSION }));
    run = doctor(root, [], { CLAUDE_CONFIG_DIR: config });
    expect(run.stdout).toContain('ok       installed plugin `relay@relay-protocol` is version');
    expect(run.status).toBe(0);
  });

  it('is in the help and says it is not in a git work tree', () => {
    expect(runBin('relay', ['--help']).stdout).toContain('doctor');
    const root = tempDir('relay-doctor-nogit-');
    const run = doctor(root, ['--json'], { GIT_CEILING_DIRECTORIES: dirname(root) });
    expect(run.status).toBe(1);
    expect(failing(run)).toContain('git');
  });
});
