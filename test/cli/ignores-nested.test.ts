/**
 * Which files protocol-lint judges, and how it names them: the config's `ignores` hold for the
 * full run, paths on the command line and `--staged` (through a real git hook); a folder with
 * its own `.protocol-lint.json` is linted as its own root under its own rules; and every format
 * names files from the run's root (stylish, json, claude) or the repository top (github, sarif).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GIT_ENV, REPO, git, runBin } from '../helpers/run.js';
import { writeTree } from '../helpers/tree.js';

const CLAUDE_MD = '# Project\n\n## Session Protocol\n\nGet up to speed, then log this.\n';
const TODO = '# Pending URLs\n- https://example.com/article-1\n';
const DONE = '# Completed URLs\n- https://example.com/article-0 (completed 2026-03-19)\n';
/** A URL pending and done at once: a `queue-overlap` error on line 3 of the pending queue. */
const OVERLAP_TODO = '# Pending URLs\n- https://example.com/article-1\n- https://example.com/article-0\n';
/** A task file outside plan/: a `layout-misplaced-file` error unless the config ignores it. */
const STRAY_TASK = { 'archive/task-001.md': '# An old task kept for reference\n' };

function tree(files: Record<string, string>, config: object = {}): string {
  return writeTree({ '.protocol-lint.json': JSON.stringify(config) + '\n', 'CLAUDE.md': CLAUDE_MD, 'urls_todo.md': TODO, 'urls_done.md': DONE, ...files });
}

/** A git repository whose top is a relay tree, committed without any hook. */
function repo(files: Record<string, string>, config: object = {}): string {
  const root = tree(files, config);
  git(root, ['init', '-q', '-b', 'main']);
  git(root, ['add', '-A']);
  git(root, ['commit', '-q', '-m', 'initial state', '--no-verify']);
  return root;
}

/** The nested state tree of the issue: `state/` with its own config and queues. */
function nested(todo = TODO, config: object = {}): Record<string, string> {
  return { 'state/.protocol-lint.json': JSON.stringify(config) + '\n', 'state/CLAUDE.md': CLAUDE_MD, 'state/urls_todo.md': todo, 'state/urls_done.md': DONE };
}

function installHook(root: string): void {
  const hook = join(root, '.git', 'hooks', 'pre-commit');
  writeFileSync(hook, `#!/bin/sh\nexec node "${join(REPO, 'bin', 'protocol-lint')}" --staged\n`);
  chmodSync(hook, 0o755);
}

function commit(root: string, message: string) {
  return spawnSync('git', ['commit', '-m', message], { cwd: root, encoding: 'utf8', env: { ...process.env, ...GIT_ENV } });
}

interface JsonResult {
  filePath: string;
  messages: { ruleId: string | null; severity: number; message: string; line: number }[];
  warningCount: number;
}

function problems(stdout: string): string[] {
  return (JSON.parse(stdout) as JsonResult[]).flatMap((result) => result.messages.map((message) => `${result.filePath}:${message.line} ${message.ruleId}`));
}

describe('the config\'s `ignores`', () => {
  it('skips an ignored file in the full run', () => {
    const root = tree(STRAY_TASK, { ignores: ['archive/**'] });
    const run = runBin('protocol-lint', ['--format', 'json'], { cwd: root, env: { ...process.env, RELAY_DEBUG: 'config' } });
    expect(run.status, run.stdout).toBe(0);
    expect(problems(run.stdout)).toEqual([]);
    expect(run.stderr).toContain("relay:config the walk of `.` skips what the config's `ignores` match: `archive/**`");
  });

  it('skips an ignored file named on the command line, with a warning as ESLint gives', () => {
    const root = tree(STRAY_TASK, { ignores: ['archive/**'] });
    const json = runBin('protocol-lint', ['--format', 'json', 'archive/task-001.md'], { cwd: root });
    expect(json.status, json.stdout).toBe(0);
    const results = JSON.parse(json.stdout) as JsonResult[];
    expect(results).toEqual([
      expect.objectContaining({
        filePath: 'archive/task-001.md',
        warningCount: 1,
        messages: [expect.objectContaining({ ruleId: null, severity: 1, message: 'File ignored because it matches a pattern in `ignores` of the config; remove the pattern to lint it' })],
      }),
    ]);
    const stylish = runBin('protocol-lint', ['archive/task-001.md'], { cwd: root });
    expect(stylish.stdout).toContain('archive/task-001.md:1:1  warning  File ignored because it matches a pattern in `ignores` of the config');
    expect(stylish.stdout).not.toContain('layout-misplaced-file');
    // A warning like any other: `--max-warnings 0` turns it into a failure, `--quiet` hides it.
    expect(runBin('protocol-lint', ['--max-warnings', '0', 'archive/task-001.md'], { cwd: root }).status).toBe(1);
    expect(runBin('protocol-lint', ['--quiet', 'archive/task-001.md'], { cwd: root }).stdout).not.toContain('archive/task-001.md');
    // A file the config does not ignore is still judged.
    const judged = tree(STRAY_TASK);
    expect(runBin('protocol-lint', ['--format', 'json', 'archive/task-001.md'], { cwd: judged }).stdout).toContain('layout-misplaced-file');
  });

  it('lets a commit through the pre-commit hook when the file it adds is ignored', () => {
    const root = repo({}, { ignores: ['archive/**'] });
    installHook(root);
    mkdirSync(join(root, 'archive'));
    writeFileSync(join(root, 'archive', 'task-001.md'), STRAY_TASK['archive/task-001.md']);
    git(root, ['add', 'archive/task-001.md']);
    const accepted = commit(root, 'keep an old task');
    expect(accepted.status, accepted.stdout + accepted.stderr).toBe(0);
    // The same file is refused where the config does not ignore it.
    const strict = repo({});
    installHook(strict);
    mkdirSync(join(strict, 'archive'));
    writeFileSync(join(strict, 'archive', 'task-001.md'), STRAY_TASK['archive/task-001.md']);
    git(strict, ['add', 'archive/task-001.md']);
    const refused = commit(strict, 'a stray task');
    expect(refused.status).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('layout-misplaced-file');
  });

  it('says under RELAY_DEBUG=config why a staged file was skipped', () => {
    const root = repo({}, { ignores: ['archive/**'] });
    mkdirSync(join(root, 'archive'));
    writeFileSync(join(root, 'archive', 'task-001.md'), STRAY_TASK['archive/task-001.md']);
    git(root, ['add', 'archive/task-001.md']);
    const run = runBin('protocol-lint', ['--staged'], { cwd: root, env: { ...process.env, RELAY_DEBUG: 'config' } });
    expect(run.status, run.stdout).toBe(0);
    expect(run.stderr).toContain("relay:config `archive/task-001.md` matches the config's `ignores`: skipped");
  });
});

describe('a state tree in a subfolder with its own config', () => {
  it('is linted as its own root by a run at the top: an overlap in it fails the run', () => {
    const root = tree(nested(OVERLAP_TODO));
    const run = runBin('protocol-lint', ['--format', 'json'], { cwd: root, env: { ...process.env, RELAY_DEBUG: 'config' } });
    expect(run.status, run.stdout).toBe(1);
    expect(problems(run.stdout)).toEqual(['state/urls_todo.md:3 queue-overlap']);
    expect(run.stderr).toContain('relay:config `state/` holds its own config: linted as its own root');
  });

  it('is judged by its own rules, never by the top\'s', () => {
    // The nested config turns queue-overlap off; the top's would report it.
    const root = tree(nested(OVERLAP_TODO, { rules: { 'queue-overlap': 'off' } }));
    expect(runBin('protocol-lint', ['--format', 'json'], { cwd: root }).status).toBe(0);
    // Named on the command line under the top's `--root`, a nested file still answers to its own root.
    const named = runBin('protocol-lint', ['--format', 'json', '--root', root, join(root, 'state', 'urls_todo.md')], { cwd: root });
    expect(named.status, named.stdout).toBe(0);
    expect(named.stdout).not.toContain('layout-misplaced-file');
  });

  it('has its staged files checked under its own rules by `--staged` at the top', () => {
    const root = repo(nested());
    installHook(root);
    // A clean change to the nested queue: not a misplaced queue file of the top tree.
    writeFileSync(join(root, 'state', 'urls_todo.md'), TODO + '- https://example.com/article-2\n');
    git(root, ['add', 'state/urls_todo.md']);
    const accepted = commit(root, 'a new URL in the nested tree');
    expect(accepted.status, accepted.stdout + accepted.stderr).toBe(0);
    // An overlap in the nested tree is refused, named from the top.
    writeFileSync(join(root, 'state', 'urls_todo.md'), OVERLAP_TODO);
    git(root, ['add', 'state/urls_todo.md']);
    const refused = commit(root, 'an overlap in the nested tree');
    expect(refused.status).not.toBe(0);
    // git hands a hook's output to stderr.
    expect(refused.stdout + refused.stderr).toContain('state/urls_todo.md:3:3  error');
    expect(refused.stdout + refused.stderr).toContain('queue-overlap');
    const debug = runBin('protocol-lint', ['--staged'], { cwd: root, env: { ...process.env, RELAY_DEBUG: 'config' } });
    expect(debug.stderr).toContain('relay:config `state/urls_todo.md` belongs to the nested root `state/`: linted under its own config');
  });
});

describe('paths in every format', () => {
  /** A repository whose top tree is clean and whose nested tree `state/` has an overlap. */
  function nestedRepo(): string {
    return repo(nested(OVERLAP_TODO));
  }

  function formats(cwd: string, args: string[] = []) {
    const run = (format: string) => runBin('protocol-lint', ['--format', format, ...args], { cwd });
    const sarif = JSON.parse(run('sarif').stdout);
    return {
      stylish: run('stylish').stdout,
      json: (JSON.parse(run('json').stdout) as JsonResult[]).filter((result) => result.messages.length > 0).map((result) => result.filePath),
      claude: run('claude').stdout,
      github: run('github').stdout,
      sarif: sarif.runs[0].results.map((result: any) => result.locations[0].physicalLocation.artifactLocation),
    };
  }

  it('names a nested root\'s files from the top in a run at the top', () => {
    const seen = formats(nestedRepo());
    expect(seen.stylish).toContain('state/urls_todo.md:3:3  error');
    expect(seen.json).toEqual(['state/urls_todo.md']);
    expect(seen.claude).toContain('- state/urls_todo.md:3:3 [queue-overlap]');
    expect(seen.github).toMatch(/^::error file=state\/urls_todo\.md,line=3,col=3,title=queue-overlap::/);
    expect(seen.sarif).toEqual([{ uri: 'state/urls_todo.md', uriBaseId: '%SRCROOT%' }]);
  });

  it('names files from the run\'s root for people, and from the repository top for GitHub and SARIF, with `--root` or cwd in a subfolder', () => {
    const root = nestedRepo();
    for (const seen of [formats(root, ['--root', join(root, 'state')]), formats(join(root, 'state'))]) {
      expect(seen.stylish).toContain('\nurls_todo.md:3:3  error'.slice(1));
      expect(seen.stylish).not.toContain('state/urls_todo.md');
      expect(seen.json).toEqual(['urls_todo.md']);
      expect(seen.claude).toContain('- urls_todo.md:3:3 [queue-overlap]');
      // Annotations must name the file in the repository, or GitHub puts them nowhere.
      expect(seen.github).toMatch(/^::error file=state\/urls_todo\.md,line=3,col=3,title=queue-overlap::/);
      expect(seen.sarif).toEqual([{ uri: 'state/urls_todo.md', uriBaseId: '%SRCROOT%' }]);
    }
  });

  it('names files from the root a subfolder without a config belongs to', () => {
    const root = repo({ 'urls_todo.md': OVERLAP_TODO, 'plan/README.md': '# Plans\n' });
    const seen = formats(join(root, 'plan'));
    expect(seen.json).toEqual(['urls_todo.md']);
    expect(seen.github).toMatch(/^::error file=urls_todo\.md,line=3,col=3/);
    expect(seen.sarif).toEqual([{ uri: 'urls_todo.md', uriBaseId: '%SRCROOT%' }]);
  });
});
