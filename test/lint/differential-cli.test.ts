/**
 * The differential test's sample through the real parts: the built PostToolUse hook (after an
 * Edit, rebuilt from the event's strings, and after a Write, against its snapshot) and
 * `protocol-lint --staged` in a real git repository, against `protocol-lint --format json` on
 * the edited tree. Starting from a clean tree, each reports exactly the full lint's problems,
 * and the hook blocks exactly when the full lint has errors. `RELAY_DIFF_SEED` replays a seed.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { git, runBin } from '../helpers/run.js';
import { removeTree, writeTree } from '../helpers/tree.js';

const SEED = Number(process.env.RELAY_DIFF_SEED ?? 20261207);
const REPO = join(__dirname, '../..');
const HOOK = join(REPO, 'dist', 'hooks', 'post-tool-use.mjs');
const roots: string[] = [];
afterAll(() => roots.splice(0).forEach(removeTree));

const EDITS: Array<(lines: string[], at: number) => string[]> = [
  (lines, at) => [...lines.slice(0, at), lines[at] ?? '- https://example.com/x', ...lines.slice(at)], // a duplicate line
  (lines, at) => [...lines.slice(0, at), `- https://example.com/fresh (claimed by w at ${new Date().toISOString().slice(0, 19)}Z)`, ...lines.slice(at)],
  (lines, at) => [...lines.slice(0, at), '- https://example.com/stale (claimed by w at 2026-01-01T00:00:00Z)', ...lines.slice(at)],
  (lines, at) => [...lines.slice(0, at), '- not a url', ...lines.slice(at + 1)],
  (lines, at) => [...lines.slice(0, at), '- https://example.com/done-later (completed 2999-01-01)', ...lines.slice(at)],
  (lines, at) => [...lines.slice(0, at), ...lines.slice(at + 1)],
];

/** `file:line:column rule severity` of a full lint's JSON. */
function fromJson(stdout: string): string[] {
  const results = stdout.trim() === '' ? [] : (JSON.parse(stdout) as { filePath: string; messages: { line: number; column: number; ruleId: string; severity: number }[] }[]);
  return results.flatMap((result) => result.messages.map((message) => `${result.filePath}:${message.line}:${message.column} ${message.ruleId} ${message.severity === 2 ? 'error' : 'warning'}`)).sort();
}

/** The same from the hook's report for Claude. */
function fromHook(stdout: string): { problems: string[]; blocked: boolean } {
  if (stdout.trim() === '') return { problems: [], blocked: false };
  const output = JSON.parse(stdout) as { decision?: string; reason?: string; hookSpecificOutput?: { additionalContext?: string } };
  const text = output.reason ?? output.hookSpecificOutput?.additionalContext ?? '';
  const problems = [...text.matchAll(/^- (\S+:\d+:\d+) \[([a-z-]+)\] (error|warning):/gm)].map((match) => `${match[1]} ${match[2]} ${match[3]}`).sort();
  return { problems, blocked: output.decision === 'block' };
}

describe('the focused lint through the real hook and --staged', () => {
  it('reports what the full lint reports, edit after edit, from the clean example tree', () => {
    const root = writeTree({});
    const data = mkdtempSync(join(tmpdir(), 'relay-plugin-data-'));
    roots.push(root, data);
    cpSync(join(REPO, 'examples', 'blog-pipeline'), root, { recursive: true });
    git(root, ['init', '-q', '-b', 'main']);
    git(root, ['add', '-A']);
    git(root, ['commit', '-q', '-m', 'clean tree', '--no-verify']);
    const env = { ...process.env, CLAUDE_PLUGIN_DATA: data, RELAY_SESSIONS: '0', RELAY_DEBUG: 'focus' };
    expect(fromJson(runBin('protocol-lint', ['--format', 'json'], { cwd: root }).stdout)).toEqual([]);
    let state = SEED;
    const pick = (n: number) => (state = (state * 1103515245 + 12345) % 2147483648) % n;
    let blocked = 0;
    let focused = 0;
    for (let round = 0; round < 12; round++) {
      const path = round % 2 === 0 ? 'urls_todo.md' : 'urls_done.md';
      const before = readFileSync(join(root, path), 'utf8');
      const lines = before.split('\n');
      const after = EDITS[pick(EDITS.length)]!(lines, 1 + pick(Math.max(1, lines.length - 2))).join('\n');
      if (after === before) continue;
      const where = `seed ${SEED}, round ${round}, ${path}\n--- after\n${after}`;
      const hook = (tool: string, toolInput: Record<string, unknown>) =>
        spawnSync(process.execPath, [HOOK], {
          cwd: root,
          env,
          encoding: 'utf8',
          input: JSON.stringify({ hook_event_name: 'PostToolUse', session_id: `differential-${round}`, cwd: root, tool_name: tool, tool_input: toolInput, tool_response: {} }),
        });
      // The snapshot the Write path compares with: the hook's run on the file as it was.
      hook('Write', { file_path: join(root, path) });
      writeFileSync(join(root, path), after);
      const full = fromJson(runBin('protocol-lint', ['--format', 'json'], { cwd: root }).stdout);
      const errors = full.some((problem) => problem.endsWith(' error'));
      // Edit: the text before is rebuilt from the event's strings (the whole file here, as one edit).
      const editRun = hook('Edit', { file_path: join(root, path), old_string: before, new_string: after });
      const edit = fromHook(editRun.stdout);
      if (!editRun.stderr.includes('linted whole')) focused++;
      writeFileSync(join(root, path), before);
      hook('Write', { file_path: join(root, path) });
      writeFileSync(join(root, path), after);
      const write = fromHook(hook('Write', { file_path: join(root, path) }).stdout);
      for (const [name, run] of [['Edit', edit], ['Write', write]] as const) {
        expect(run.problems, `${name} hook, ${where}`).toEqual(full.filter((problem) => problem.startsWith('urls_')));
        expect(run.blocked, `${name} hook blocks exactly on errors, ${where}`).toBe(errors);
      }
      git(root, ['add', path]);
      const staged = runBin('protocol-lint', ['--staged', '--format', 'json'], { cwd: root });
      expect(fromJson(staged.stdout), `--staged, ${where}`).toEqual(full);
      expect(staged.status, where).toBe(errors ? 1 : 0);
      if (errors) blocked++;
      git(root, ['reset', '-q', '--hard']);
    }
    expect(blocked).toBeGreaterThan(0);
    expect(focused).toBeGreaterThan(6);
  });
});
