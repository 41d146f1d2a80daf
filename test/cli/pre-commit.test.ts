/**
 * The pre-commit check in real temporary git repositories: a plain git hook, husky +
 * lint-staged, and the pre-commit framework. A bad commit is refused, a good one accepted.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GIT_ENV, REPO, git, runBin } from '../helpers/run.js';
import { tempDir } from '../helpers/temp.js';
import { writeTree } from '../helpers/tree.js';

const GOOD = {
  '.protocol-lint.json': '{}\n',
  'CLAUDE.md': '# Project\n\n## Session Protocol\n\nGet up to speed, then log this.\n',
  'urls_todo.md': '# Pending URLs\n- https://example.com/article-1\n',
  'urls_done.md': '# Completed URLs\n- https://example.com/article-0 (completed 2026-03-19)\n',
};

function repo(): string {
  const root = writeTree(GOOD);
  git(root, ['init', '-q', '-b', 'main']);
  git(root, ['add', '-A']);
  git(root, ['commit', '-q', '-m', 'initial state', '--no-verify']);
  return root;
}

function commit(root: string, message: string, env: NodeJS.ProcessEnv = {}) {
  return spawnSync('git', ['commit', '-m', message], { cwd: root, encoding: 'utf8', env: { ...process.env, ...GIT_ENV, ...env } });
}

/** Stages a URL that is both pending and done: a queue-overlap error. */
function stageOverlap(root: string): void {
  writeFileSync(join(root, 'urls_todo.md'), '# Pending URLs\n- https://example.com/article-1\n- https://example.com/article-0\n');
  git(root, ['add', 'urls_todo.md']);
}

/** Stages a good change: a new pending URL. */
function stageGood(root: string): void {
  writeFileSync(join(root, 'urls_todo.md'), '# Pending URLs\n- https://example.com/article-1\n- https://example.com/article-2\n');
  git(root, ['add', 'urls_todo.md']);
}

describe('plain git hook', () => {
  it('refuses a commit with a queue overlap and accepts a clean one', () => {
    const root = repo();
    const hook = join(root, '.git', 'hooks', 'pre-commit');
    writeFileSync(hook, `#!/bin/sh\nexec node "${join(REPO, 'bin', 'protocol-lint')}" --staged\n`);
    chmodSync(hook, 0o755);

    stageOverlap(root);
    const refused = commit(root, 'bad');
    expect(refused.status).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('queue-overlap');
    expect(git(root, ['rev-list', '--count', 'HEAD']).trim()).toBe('1');

    stageGood(root);
    const accepted = commit(root, 'good');
    expect(accepted.status, accepted.stderr).toBe(0);
    expect(git(root, ['rev-list', '--count', 'HEAD']).trim()).toBe('2');
  });

  it('lints the staged content, not the working tree', () => {
    const root = repo();
    const hook = join(root, '.git', 'hooks', 'pre-commit');
    writeFileSync(hook, `#!/bin/sh\nexec node "${join(REPO, 'bin', 'protocol-lint')}" --staged\n`);
    chmodSync(hook, 0o755);
    stageOverlap(root);
    // Repair the working tree without staging it: the commit would still carry the overlap.
    writeFileSync(join(root, 'urls_todo.md'), GOOD['urls_todo.md']);
    const refused = commit(root, 'bad staged content');
    expect(refused.status).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('queue-overlap');
  });
});

describe('--staged on queue files', () => {
  it('checks the lines a commit adds (and their twins), not problems it did not bring', () => {
    const root = repo();
    // An old overlap, committed without the hook.
    writeFileSync(join(root, 'urls_todo.md'), '# Pending URLs\n- https://example.com/article-1\n- https://example.com/article-0\n');
    git(root, ['commit', '-q', '-am', 'old overlap', '--no-verify']);
    const lint = () => runBin('protocol-lint', ['--staged', '--format', 'json'], { cwd: root });

    writeFileSync(join(root, 'urls_todo.md'), '# Pending URLs\n- https://example.com/article-1\n- https://example.com/article-0\n- https://example.com/article-2\n');
    git(root, ['add', 'urls_todo.md']);
    const clean = lint();
    expect(clean.status, clean.stdout).toBe(0);

    // A line that repeats a pending URL far above it is caught, with the twin's line.
    writeFileSync(join(root, 'urls_todo.md'), '# Pending URLs\n- https://example.com/article-1\n- https://example.com/article-0\n- https://example.com/article-2\n- HTTPS://EXAMPLE.COM/article-1\n');
    git(root, ['add', 'urls_todo.md']);
    const duplicate = lint();
    expect(duplicate.status).toBe(1);
    const messages = JSON.parse(duplicate.stdout).flatMap((result: { filePath: string; messages: { ruleId: string; line: number }[] }) =>
      result.messages.map((message) => `${result.filePath}:${message.line} ${message.ruleId}`),
    );
    expect(messages).toEqual(['urls_todo.md:5 queue-duplicate']);

    // A done line for a pending URL is an overlap reported on the pending line.
    git(root, ['checkout', '--', '.']);
    git(root, ['reset', '-q']);
    writeFileSync(join(root, 'urls_todo.md'), '# Pending URLs\n- https://example.com/article-1\n- https://example.com/article-0\n');
    writeFileSync(join(root, 'urls_done.md'), GOOD['urls_done.md'] + '- https://example.com/article-1/ (completed 2026-03-20)\n');
    git(root, ['add', 'urls_done.md']);
    const overlap = lint();
    expect(overlap.status).toBe(1);
    expect(overlap.stdout).toContain('queue-overlap');
    expect(overlap.stdout).toContain('"line":2');
  });

  it('checks the staged queue, not a working tree edited after `git add`', () => {
    const root = repo();
    const lint = () => runBin('protocol-lint', ['--staged', '--format', 'json'], { cwd: root });
    // Staged: a duplicate. Then the working tree is fixed but not staged.
    writeFileSync(join(root, 'urls_todo.md'), '# Pending URLs\n- https://example.com/article-1\n- https://example.com/article-1/\n');
    git(root, ['add', 'urls_todo.md']);
    writeFileSync(join(root, 'urls_todo.md'), '# Pending URLs\n- https://example.com/article-1\n- https://example.com/article-2\n');
    const staged = lint();
    expect(staged.status, staged.stdout).toBe(1);
    expect(staged.stdout).toContain('queue-duplicate');
    // The other way round: staged clean, working tree broken.
    writeFileSync(join(root, 'urls_todo.md'), '# Pending URLs\n- https://example.com/article-1\n- https://example.com/article-2\n');
    git(root, ['add', 'urls_todo.md']);
    writeFileSync(join(root, 'urls_todo.md'), '# Pending URLs\n- https://example.com/article-1\n- https://example.com/article-1\n');
    const clean = lint();
    expect(clean.status, clean.stdout).toBe(0);
  });

  it('checks the queues of a first commit, which has no HEAD to compare with', () => {
    const root = writeTree({ ...GOOD, 'urls_todo.md': '# Pending URLs\n- https://example.com/article-0\n' });
    git(root, ['init', '-q', '-b', 'main']);
    git(root, ['add', '-A']);
    const result = runBin('protocol-lint', ['--staged', '--format', 'json'], { cwd: root });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('queue-overlap');
  });

  it('finds a duplicate id spelled with other zero padding, and a missing dependency, without listing the folder', () => {
    const root = repo();
    mkdirSync(join(root, 'plan'), { recursive: true });
    writeFileSync(join(root, 'plan', 'task-001.md'), '# One\n');
    git(root, ['add', 'plan/task-001.md']);
    git(root, ['commit', '-q', '-m', 'task one', '--no-verify']);
    writeFileSync(join(root, 'plan', 'task-00001.md'), '---\nid: task-00001\ndepends_on: [task-007]\n---\n# One again\n');
    git(root, ['add', 'plan/task-00001.md']);
    const result = runBin('protocol-lint', ['--staged', '--format', 'json'], { cwd: root });
    expect(result.status).toBe(1);
    const rules = JSON.parse(result.stdout).flatMap((file: { messages: { ruleId: string }[] }) => file.messages.map((message) => message.ruleId));
    expect(rules).toContain('layout-duplicate-id');
    expect(result.stdout).toContain('plan/task-001.md');
    expect(result.stdout).toContain('task-007');
  });

  it('says plainly that --staged needs a git repository, in one line', () => {
    const root = writeTree(GOOD);
    // A ceiling keeps git from finding a repository above the temporary folder.
    const result = runBin('protocol-lint', ['--staged'], { cwd: root, env: { ...process.env, GIT_CEILING_DIRECTORIES: join(root, '..') } });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([`protocol-lint: --staged lints what the next commit holds, and \`${root}\` is not inside a git repository`]);
  });

  it('reads a damaged index as git does: past a bad checksum, refusing a bad header', () => {
    const root = repo();
    stageOverlap(root);
    const index = join(root, '.git', 'index');
    const bytes = readFileSync(index);
    // git does not check the checksum when it reads the index (only fsck does), and relay asks git.
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    writeFileSync(index, bytes);
    expect(git(root, ['diff', '--cached', '--name-only']).trim()).toBe('urls_todo.md');
    const past = runBin('protocol-lint', ['--staged'], { cwd: root });
    expect(past.stdout).toContain('queue-overlap');
    expect(past.status).toBe(1);
    // A header git refuses: the run fails with git's first complaint, in one line.
    bytes.write('DIRX', 0, 'latin1');
    writeFileSync(index, bytes);
    const refused = runBin('protocol-lint', ['--staged'], { cwd: root });
    expect(refused.status).toBe(2);
    expect(refused.stderr.trim().split('\n')).toEqual(['protocol-lint: git ls-files failed: error: bad signature 0x58524944']);
  });

  it('lints what a clean filter stages, not the working copy it was made from', () => {
    const root = repo();
    // The working copy is not what is staged: the filter changes its bytes on their way to the index.
    writeFileSync(join(root, '.gitattributes'), 'urls_todo.md filter=drop-done\n');
    git(root, ['config', 'filter.drop-done.clean', "sed -e '/article-0/d'"]);
    git(root, ['config', 'filter.drop-done.smudge', 'cat']);
    git(root, ['add', '.gitattributes']);
    stageOverlap(root);
    expect(git(root, ['show', ':urls_todo.md'])).not.toContain('article-0');
    const staged = runBin('protocol-lint', ['--staged'], { cwd: root });
    expect(staged.stdout + staged.stderr).not.toContain('queue-overlap');
    expect(staged.status).toBe(0);
    const tree = runBin('protocol-lint', [], { cwd: root });
    expect(tree.stdout).toContain('queue-overlap');
    expect(tree.status).toBe(1);
  });

  it('reports a queue the commit turns into a symbolic link', () => {
    const root = repo();
    rmSync(join(root, 'urls_done.md'));
    writeFileSync(join(root, 'elsewhere.md'), GOOD['urls_done.md']);
    symlinkSync('elsewhere.md', join(root, 'urls_done.md'));
    git(root, ['add', '-A']);
    expect(git(root, ['diff', '--cached', '--name-status'])).toContain('T\turls_done.md');
    const result = runBin('protocol-lint', ['--staged', '--format', 'json'], { cwd: root });
    expect(result.status, result.stdout).toBe(1);
    expect(result.stdout).toContain('file-unreadable');
    expect(result.stdout).toContain('symbolic link');
  });

  it('takes an unchanged queue from HEAD when the commit changes only the other one', () => {
    const root = repo();
    // urls_done.md is unchanged (HEAD's copy is the staged one) and differs in the working tree.
    writeFileSync(join(root, 'urls_done.md'), '# Completed URLs\n');
    writeFileSync(join(root, 'urls_todo.md'), '# Pending URLs\n- https://example.com/article-1\n- https://example.com/article-0/\n');
    git(root, ['add', 'urls_todo.md']);
    const result = runBin('protocol-lint', ['--staged', '--format', 'json'], { cwd: root });
    expect(result.status, result.stdout).toBe(1);
    expect(result.stdout).toContain('queue-overlap');
  });
});

describe('husky + lint-staged', () => {
  it('refuses a bad commit and accepts a good one', () => {
    const root = repo();
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'fleet', private: true, 'lint-staged': { '*.{md,mdx}': 'protocol-lint' } }, null, 2));
    mkdirSync(join(root, '.husky'), { recursive: true });
    writeFileSync(join(root, '.husky', 'pre-commit'), 'lint-staged\n');
    const husky = spawnSync(process.execPath, [join(REPO, 'node_modules', 'husky', 'bin.js')], { cwd: root, encoding: 'utf8' });
    expect(husky.status, husky.stderr + husky.stdout).toBe(0);
    git(root, ['add', 'package.json', '.husky/pre-commit']);
    // The hooks find protocol-lint and lint-staged on PATH, as after `npm install` in a real project.
    const path = [join(REPO, 'bin'), join(REPO, 'node_modules', '.bin'), process.env.PATH].join(':');

    stageOverlap(root);
    const refused = commit(root, 'bad', { PATH: path });
    expect(refused.status).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('queue-overlap');

    stageGood(root);
    const accepted = commit(root, 'good', { PATH: path });
    expect(accepted.status, accepted.stdout + accepted.stderr).toBe(0);
  });
});

const preCommit = spawnSync('pre-commit', ['--version'], { encoding: 'utf8' });
const ci = process.env.CI === 'true';
describe('pre-commit framework', () => {
  // CI installs the framework (.ci/run); elsewhere the test runs when it is installed.
  it.skipIf(!ci && preCommit.status !== 0)('refuses a bad commit and accepts a good one', () => {
    expect(preCommit.status, 'pre-commit must be installed in CI').toBe(0);
    const root = repo();
    // The hook repository: a clone of this repository at its current commit (with dist/).
    const hookRepo = join(tempDir('relay-hooks-'), 'relay');
    git(REPO, ['worktree', 'prune']);
    spawnSync('git', ['clone', '-q', '--no-hardlinks', REPO, hookRepo]);
    // Bring the working tree's hook manifest and bundle in, committed, so the test covers uncommitted work too.
    spawnSync('cp', [join(REPO, '.pre-commit-hooks.yaml'), join(hookRepo, '.pre-commit-hooks.yaml')]);
    for (const folder of ['bin', 'dist']) spawnSync('cp', ['-R', join(REPO, folder), hookRepo]);
    git(hookRepo, ['add', '-A']);
    spawnSync('git', ['commit', '-q', '-m', 'test state', '--allow-empty'], { cwd: hookRepo, env: { ...process.env, ...GIT_ENV } });
    const rev = git(hookRepo, ['rev-parse', 'HEAD']).trim();
    writeFileSync(join(root, '.pre-commit-config.yaml'), `repos:\n  - repo: ${hookRepo}\n    rev: ${rev}\n    hooks:\n      - id: protocol-lint\n`);
    git(root, ['add', '.pre-commit-config.yaml']);
    const home = join(root, '.pre-commit-home');
    const env = { PRE_COMMIT_HOME: home };
    const install = spawnSync('pre-commit', ['install'], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
    expect(install.status, install.stderr + install.stdout).toBe(0);

    stageOverlap(root);
    const refused = commit(root, 'bad', env);
    expect(refused.status).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('queue-overlap');

    stageGood(root);
    const accepted = commit(root, 'good', env);
    expect(accepted.status, accepted.stdout + accepted.stderr).toBe(0);
  });
});
