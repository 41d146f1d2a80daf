/**
 * The protocol-lint command line: formats, exit codes, targeted runs, directives, --fix.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runBin } from '../helpers/run.js';
import { writeTree } from '../helpers/tree.js';

const OVERLAP = {
  '.protocol-lint.json': '{}\n',
  'CLAUDE.md': '# P\n\n## Session Protocol\n\nRead the state.\n',
  'urls_todo.md': '# Pending URLs\n- https://example.com/a\n- https://example.com/b (claimed by w-1 at 2020-01-01T00:00:00Z)\n',
  'urls_done.md': '# Completed URLs\n- https://example.com/a (completed 2026-03-19)\n',
};

function tree(files: Record<string, string> = OVERLAP): string {
  return writeTree(files);
}

describe('formats', () => {
  it('json is ESLint-compatible: one entry per linted file, paths relative with /', () => {
    const root = tree();
    const run = runBin('protocol-lint', ['--format', 'json', root]);
    expect(run.status).toBe(1);
    const results = JSON.parse(run.stdout);
    expect(results.map((result: { filePath: string }) => result.filePath)).toEqual(['CLAUDE.md', 'urls_done.md', 'urls_todo.md']);
    const todo = results[2];
    expect(todo).toMatchObject({ errorCount: 1, warningCount: 1, fixableErrorCount: 1 });
    expect(todo.messages[0]).toMatchObject({ ruleId: 'queue-overlap', severity: 2, line: 2, column: 3 });
    expect(todo.messages[1]).toMatchObject({ ruleId: 'queue-stale-claim', severity: 1, line: 3, column: 3 });
  });

  it('stylish prints path:line:col, level, message and rule id, without colour when piped', () => {
    const run = runBin('protocol-lint', [tree()]);
    expect(run.stdout).toContain('urls_todo.md:2:3  error  Unexpected `https://example.com/a` in both queues');
    expect(run.stdout).toMatch(/queue-overlap\n/);
    expect(run.stdout).not.toContain('\u001b[');
    expect(run.stdout).toContain('✖ 2 problems (1 error, 1 warning)');
  });

  it('sarif carries rules and results', () => {
    const run = runBin('protocol-lint', ['--format', 'sarif', tree()]);
    const sarif = JSON.parse(run.stdout);
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].tool.driver.rules.some((rule: { id: string }) => rule.id === 'queue-overlap')).toBe(true);
    expect(sarif.runs[0].results[0]).toMatchObject({
      ruleId: 'queue-overlap',
      level: 'error',
      locations: [{ physicalLocation: { artifactLocation: { uri: 'urls_todo.md' }, region: { startLine: 2, startColumn: 3 } } }],
    });
  });

  it('github prints workflow commands with escaped properties', () => {
    const run = runBin('protocol-lint', ['--format', 'github', tree()]);
    expect(run.stdout.split('\n')[0]).toMatch(/^::error file=urls_todo\.md,line=2,col=3,title=queue-overlap::Unexpected /);
  });

  it('claude lists problems with file, line, rule and the fix, and says nothing when clean', () => {
    const run = runBin('protocol-lint', ['--format', 'claude', tree()]);
    expect(run.stdout).toContain('- urls_todo.md:2:3 [queue-overlap] error:');
    expect(run.stdout).toContain('protocol-lint --fix');
    const clean = runBin('protocol-lint', ['--format', 'claude', join(REPO, 'examples', 'blog-pipeline')]);
    expect(clean.status).toBe(0);
    expect(clean.stdout).toBe('');
  });
});

describe('exit codes and options', () => {
  it('exits 0 with warnings only, 1 past --max-warnings', () => {
    const files = { ...OVERLAP, 'urls_done.md': '# Completed URLs\n' };
    const root = tree(files);
    expect(runBin('protocol-lint', [root]).status).toBe(0);
    expect(runBin('protocol-lint', ['--max-warnings', '0', root]).status).toBe(1);
    expect(runBin('protocol-lint', ['--max-warnings', '1', root]).status).toBe(0);
  });

  it('exits 2 on usage errors', () => {
    expect(runBin('protocol-lint', ['--format', 'xml']).status).toBe(2);
    expect(runBin('protocol-lint', ['--no-such-flag']).status).toBe(2);
    expect(runBin('protocol-lint', ['/no/such/path']).status).toBe(2);
    expect(runBin('protocol-lint', ['--staged', '--fix']).status).toBe(2);
  });

  it('--quiet drops warnings', () => {
    const run = runBin('protocol-lint', ['--quiet', '--format', 'json', tree()]);
    const messages = JSON.parse(run.stdout).flatMap((result: { messages: { ruleId: string }[] }) => result.messages.map((message) => message.ruleId));
    expect(messages).toEqual(['queue-overlap']);
  });

  it('--now makes date rules reproducible', () => {
    const root = tree();
    const run = runBin('protocol-lint', ['--format', 'json', '--now', '2020-01-01T01:00:00Z', root]);
    const ids = JSON.parse(run.stdout).flatMap((result: { messages: { ruleId: string }[] }) => result.messages.map((message) => message.ruleId));
    expect(ids).not.toContain('queue-stale-claim');
  });

  it('lists the rules', () => {
    const run = runBin('protocol-lint', ['--list-rules']);
    expect(run.stdout).toMatch(/^queue-overlap\s+error\s+fixable /m);
  });
});

describe('targeted runs', () => {
  it('a changed urls_done.md is checked against urls_todo.md', () => {
    const root = tree();
    const run = runBin('protocol-lint', ['--format', 'json', join(root, 'urls_done.md')]);
    expect(run.status).toBe(1);
    const results = JSON.parse(run.stdout);
    expect(results.find((result: { filePath: string }) => result.filePath === 'urls_todo.md').messages[0].ruleId).toBe('queue-overlap');
  });
});

describe('the Markdown tree parser', () => {
  it('reads reference links in the built CLI, where it is a chunk loaded only when needed', () => {
    const root = tree({
      ...OVERLAP,
      'urls_todo.md': '# Pending URLs\n',
      'plan/task-001.md': '# Plan\n\nSee [the guide][g] and [the log][l].\n\n[g]: ../missing.md\n[l]: ../CLAUDE.md\n',
    });
    const result = runBin('protocol-lint', ['--format', 'json'], { cwd: root });
    const messages = (JSON.parse(result.stdout) as { filePath: string; messages: { ruleId: string; line: number; message: string }[] }[]).flatMap((file) => file.messages.map((message) => ({ ...message, file: file.filePath })));
    const broken = messages.filter((message) => message.ruleId === 'link-broken');
    expect(broken).toHaveLength(1);
    expect(broken[0]!.line).toBe(5);
    expect(broken[0]!.message).toContain('missing.md');
  });
});

describe('directives', () => {
  it('disable-next-line and disable/enable silence the named rule only', () => {
    const root = tree({
      ...OVERLAP,
      'urls_todo.md':
        '# Pending URLs\n<!-- protocol-lint-disable-next-line queue-overlap -->\n- https://example.com/a\n<!-- protocol-lint-disable queue-stale-claim -->\n- https://example.com/b (claimed by w-1 at 2020-01-01T00:00:00Z)\n<!-- protocol-lint-enable queue-stale-claim -->\n- https://example.com/c (claimed by w-1 at 2020-01-01T00:00:00Z)\n',
    });
    const run = runBin('protocol-lint', ['--format', 'json', root]);
    const messages = JSON.parse(run.stdout).flatMap((result: { messages: { ruleId: string; line: number }[] }) => result.messages.map((message) => `${message.line} ${message.ruleId}`));
    expect(messages).toEqual(['7 queue-stale-claim']);
  });
});

describe('--fix', () => {
  it('repairs overlap and duplicates without losing an item or another byte', () => {
    const todo = '# Pending URLs\n\n<!-- keep me -->\n- https://example.com/a\n- https://example.com/x\nSome prose.\n- https://example.com/x\n- https://example.com/y (claimed by w at 2026-03-19T00:00:00Z)\n';
    const done = '# Completed URLs\n- https://example.com/a (completed 2026-03-19)\n- https://example.com/d (completed 2026-03-19)\n- https://example.com/d (completed 2026-03-18)\n';
    const root = tree({ ...OVERLAP, 'urls_todo.md': todo, 'urls_done.md': done });
    const run = runBin('protocol-lint', ['--fix', '--now', '2026-03-19T01:00:00Z', root]);
    expect(run.status, run.stdout).toBe(0);
    expect(readFileSync(join(root, 'urls_todo.md'), 'utf8')).toBe(
      '# Pending URLs\n\n<!-- keep me -->\n- https://example.com/x\nSome prose.\n- https://example.com/y (claimed by w at 2026-03-19T00:00:00Z)\n',
    );
    expect(readFileSync(join(root, 'urls_done.md'), 'utf8')).toBe('# Completed URLs\n- https://example.com/a (completed 2026-03-19)\n- https://example.com/d (completed 2026-03-19)\n');
    // Running again changes nothing.
    const again = runBin('protocol-lint', ['--fix', '--now', '2026-03-19T01:00:00Z', root]);
    expect(again.stderr).not.toContain('fixed');
  });

  it('leaves files alone when nothing is fixable', () => {
    const root = tree({ ...OVERLAP, 'urls_todo.md': '# Pending URLs\n* https://example.com/a\n' });
    const before = readFileSync(join(root, 'urls_todo.md'));
    writeFileSync(join(root, 'urls_done.md'), '# Completed URLs\n');
    runBin('protocol-lint', ['--fix', root]);
    expect(readFileSync(join(root, 'urls_todo.md'))).toEqual(before);
  });
});
