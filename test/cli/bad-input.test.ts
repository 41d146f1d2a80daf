/**
 * Bad input gets a clear message or a clean skip, never a crash or a hang, and loses nothing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runBin } from '../helpers/run.js';
import { writeTree } from '../helpers/tree.js';

function tree(files: Record<string, string | Buffer>): string {
  return writeTree({ '.protocol-lint.json': '{}\n', 'CLAUDE.md': '# P\n\n## Session Protocol\n\nRead the state.\n', ...files });
}

interface JsonResult {
  filePath: string;
  messages: { ruleId: string; message: string; line: number; column: number; severity: number }[];
}

function lintJson(root: string, args: string[] = []): { status: number | null; results: JsonResult[]; stderr: string } {
  const run = runBin('protocol-lint', ['--format', 'json', ...args, root]);
  expect(run.stderr).not.toContain('internal error');
  return { status: run.status, results: JSON.parse(run.stdout) as JsonResult[], stderr: run.stderr };
}

function messagesOf(results: JsonResult[]): string[] {
  return results.flatMap((result) => result.messages.map((message) => `${result.filePath}:${message.line}:${message.column} ${message.ruleId}`));
}

describe('bad input', () => {
  it('accepts a BOM and CRLF line endings, and --fix keeps them', () => {
    const todo = '\uFEFF# Pending URLs\r\n- https://example.com/a\r\n- https://example.com/a\r\n- https://example.com/b\r\n';
    const root = tree({ 'urls_todo.md': todo, 'urls_done.md': '# Completed URLs\r\n' });
    expect(messagesOf(lintJson(root).results)).toEqual(['urls_todo.md:3:3 queue-duplicate']);
    const fixed = runBin('protocol-lint', ['--fix', root]);
    expect(fixed.status).toBe(0);
    expect(readFileSync(join(root, 'urls_todo.md'), 'utf8')).toBe('\uFEFF# Pending URLs\r\n- https://example.com/a\r\n- https://example.com/b\r\n');
  });

  it('handles empty files', () => {
    const root = tree({ 'urls_todo.md': '', 'urls_done.md': '', 'plan/task-001.md': '', 'postmortems/2026-03-15-x.md': '' });
    const { status, results } = lintJson(root);
    expect(status).toBe(1);
    const ids = messagesOf(results);
    expect(ids.some((id) => id.startsWith('postmortems/2026-03-15-x.md:1:1 postmortem-title'))).toBe(true);
    expect(ids.filter((id) => id.startsWith('urls_'))).toEqual([]);
  });

  it('reports invalid UTF-8 and NUL bytes with their position', () => {
    const root = tree({
      'urls_todo.md': Buffer.concat([Buffer.from('# Pending URLs\n- https://example.com/caf'), Buffer.from([0xe9]), Buffer.from('\n')]),
      'plan/task-001.md': Buffer.from('# Task\n\0\0binary'),
    });
    const { results } = lintJson(root);
    expect(messagesOf(results)).toEqual(expect.arrayContaining(['urls_todo.md:2:26 file-encoding', 'plan/task-001.md:2:1 file-encoding']));
  });

  it('reports UTF-16 files', () => {
    const root = tree({ 'plan/task-001.md': Buffer.from('\uFEFF# Task\n', 'utf16le') });
    expect(messagesOf(lintJson(root).results)).toContain('plan/task-001.md:1:1 file-encoding');
  });

  it('reads a 50 MB queue file line by line and skips a 50 MB document', () => {
    const lines = ['# Pending URLs'];
    for (let index = 0; lines.length < 1_100_000; index++) lines.push(`- https://example.com/articles/${index}/a-long-enough-slug-to-fill-the-line`);
    lines.push('- https://example.com/articles/7/a-long-enough-slug-to-fill-the-line');
    const big = lines.join('\n') + '\n';
    expect(big.length).toBeGreaterThan(50 * 1024 * 1024);
    const root = tree({ 'urls_todo.md': big, 'review/findings-001.md': '# F\n' + 'word '.repeat(11 * 1024 * 1024 / 5) });
    const { results } = lintJson(root);
    const messages = messagesOf(results);
    expect(messages).toContain(`urls_todo.md:${lines.length}:3 queue-duplicate`);
    expect(messages).toContain('review/findings-001.md:1:1 file-unreadable');
  });

  it('never follows symbolic links that loop, dangle or leave the root', () => {
    const root = tree({ 'plan/task-001.md': '# One\n' });
    symlinkSync(join(root, 'plan', 'task-002.md'), join(root, 'plan', 'task-002.md'));
    symlinkSync('/etc/hostname', join(root, 'plan', 'task-003.md'));
    symlinkSync(join(root, 'missing.md'), join(root, 'plan', 'task-004.md'));
    symlinkSync(join(root, 'plan', 'task-001.md'), join(root, 'plan', 'task-005.md'));
    const { results } = lintJson(root);
    const byFile = Object.fromEntries(results.map((result) => [result.filePath, result.messages.map((message) => `${message.ruleId}: ${message.message}`)]));
    expect(byFile['plan/task-002.md']).toEqual(['file-unreadable: Skipped: the symbolic link loops; point it at a real file']);
    expect(byFile['plan/task-003.md']).toEqual(['file-unreadable: Skipped: the symbolic link leaves the root; protocol files must live inside it']);
    expect(byFile['plan/task-004.md']).toEqual(['file-unreadable: Skipped: the symbolic link points at nothing; point it at a real file or remove it']);
    expect(byFile['plan/task-005.md']).toEqual([]);
  });

  it('skips a FIFO without blocking', () => {
    const root = tree({ 'plan/task-001.md': '# One\n' });
    execFileSync('mkfifo', [join(root, 'plan', 'task-002.md')]);
    const { results } = lintJson(root);
    expect(results.find((result) => result.filePath === 'plan/task-002.md')?.messages.map((message) => message.message)).toEqual(['Skipped: not a regular file']);
  });

  it('reports a file it has no permission to read', () => {
    const root = tree({ 'plan/task-001.md': '# One\n', 'plan/task-002.md': '# Two\n' });
    chmodSync(join(root, 'plan', 'task-002.md'), 0o000);
    chmodSync(root, 0o755);
    // Root reads everything; run as an unprivileged user then, as a real user would be. That
    // user may not reach this checkout (a clone in a private `mktemp -d` folder), so it runs a
    // copy of the committed bundle from a folder it can read.
    let run;
    if (process.getuid?.() === 0) {
      const copy = tree({});
      cpSync(join(REPO, 'dist'), join(copy, 'dist'), { recursive: true });
      cpSync(join(REPO, 'bin'), join(copy, 'bin'), { recursive: true });
      chmodSync(copy, 0o755);
      const result = spawnSync(process.execPath, [join(copy, 'bin', 'protocol-lint'), '--format', 'json', root], { encoding: 'utf8', uid: 65534, gid: 65534 });
      run = { status: result.status, stdout: result.stdout, stderr: result.stderr };
    } else {
      run = runBin('protocol-lint', ['--format', 'json', root]);
    }
    expect(run.stderr).toBe('');
    const results = JSON.parse(run.stdout) as JsonResult[];
    expect(results.find((result) => result.filePath === 'plan/task-002.md')?.messages.map((message) => message.message)).toEqual([
      'Skipped: the file cannot be read (permission denied); fix its permissions',
    ]);
  });

  it('never runs executable front matter', () => {
    const marker = join(tree({}), 'ran');
    const root = tree({
      'plan/task-001.md': `---js\n{ id: require('fs').writeFileSync(${JSON.stringify(marker)}, 'x') }\n---\n# Task\n`,
    });
    const { results } = lintJson(root);
    expect(messagesOf(results)).toContain('plan/task-001.md:1:1 frontmatter-syntax');
    expect(() => readFileSync(marker)).toThrow();
  });

  it('stops quietly when its reader stops reading (`| head`)', () => {
    // Enough files that the report outgrows a pipe's buffer.
    const files: Record<string, string> = { 'urls_todo.md': '# Pending URLs\n', 'urls_done.md': '# Completed URLs\n' };
    for (let index = 1; index <= 800; index++) files[`plan/task-${String(index).padStart(4, '0')}.md`] = `# Task ${index}\n`;
    const root = tree(files);
    const result = spawnSync('sh', ['-c', `"${process.execPath}" "${join(REPO, 'bin', 'protocol-lint')}" --format json . | head -c 100 >/dev/null`], { cwd: root, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
  });

  it('reports conflict markers', () => {
    const root = tree({ 'urls_todo.md': '# Pending URLs\n<<<<<<< HEAD\n- https://example.com/a\n=======\n- https://example.com/b\n>>>>>>> other\n' });
    expect(messagesOf(lintJson(root).results)).toEqual(['urls_todo.md:2:1 merge-conflict-marker', 'urls_todo.md:6:1 merge-conflict-marker']);
  });

  it('exits 2 naming file, key and reason for a bad config', () => {
    const root = tree({});
    writeFileSync(join(root, '.protocol-lint.json'), JSON.stringify({ rules: { 'queue-stale-claim': ['warn', { ttlHours: -1 }], 'no-such-rule': 'error' } }));
    const run = runBin('protocol-lint', [root]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('.protocol-lint.json');
    expect(run.stderr).toContain('`rules.no-such-rule` is not a known key');
    expect(run.stderr).toContain('`rules.queue-stale-claim.1.ttlHours` must be > 0');
  });

  it('says a path it cannot use in one line, whatever the path holds (a CI log reads lines as commands)', () => {
    const root = writeTree({ 'urls_todo.md': '# Pending URLs\n' });
    const result = runBin('protocol-lint', ['nope\n::add-mask::x'], { cwd: root });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual(['protocol-lint: No such file or folder: `nope\\u000A::add-mask::x`; see `protocol-lint --help`']);
  });

  it('exits 2 for config that is not JSON', () => {
    const root = tree({});
    writeFileSync(join(root, '.protocol-lint.json'), '{ "rules": ');
    const run = runBin('protocol-lint', [root]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/\.protocol-lint\.json: the config file is not valid JSON/);
  });
});
