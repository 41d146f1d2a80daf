/**
 * One answer everywhere: the hook, `--staged`, the briefing, `relay status` and the dashboard
 * agree with the full lint and with each other, through the real CLIs and real git.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { buildBrief } from '../../src/brief/brief.js';
import { startDashboard } from '../../src/dashboard/server.js';
import { defaultConfig } from '../../src/protocol/config.js';
import { git, runBin } from '../helpers/run.js';
import { removeTree, writeTree } from '../helpers/tree.js';

vi.mock('../../src/protocol/queue.js', async (original) => {
  const actual = await original<typeof import('../../src/protocol/queue.js')>();
  return { ...actual, countLines: vi.fn(actual.countLines) };
});

const REPO = join(__dirname, '../..');
const roots: string[] = [];
afterAll(() => roots.splice(0).forEach(removeTree));

function repo(files: Record<string, string>): string {
  const root = writeTree({ '.protocol-lint.json': '{}\n', 'CLAUDE.md': '# P\n\n## Session Protocol\n\nGet up to speed, then log this.\n', ...files });
  roots.push(root);
  git(root, ['init', '-q', '-b', 'main']);
  git(root, ['add', '-A']);
  git(root, ['commit', '-q', '-m', 'start', '--no-verify']);
  return root;
}

function hook(root: string, path: string, toolInput: Record<string, unknown>) {
  const data = mkdtempSync(join(tmpdir(), 'relay-plugin-data-'));
  roots.push(data);
  const run = spawnSync(process.execPath, [join(REPO, 'dist', 'hooks', 'post-tool-use.mjs')], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, CLAUDE_PLUGIN_DATA: data, RELAY_SESSIONS: '0' },
    input: JSON.stringify({ hook_event_name: 'PostToolUse', session_id: 'one-answer', cwd: root, tool_name: 'Edit', tool_input: { file_path: join(root, path), ...toolInput }, tool_response: {} }),
  });
  return run.stdout;
}

const DISABLED = '# Pending URLs\n<!-- protocol-lint-disable queue-duplicate -->\n- https://example.com/a\n';

describe('disable comments', () => {
  it('above the changed lines: the hook and --staged agree with the full lint that nothing is wrong', () => {
    const root = repo({ 'urls_todo.md': DISABLED });
    const appended = DISABLED + '- https://example.com/a\n';
    writeFileSync(join(root, 'urls_todo.md'), appended);
    expect(runBin('protocol-lint', [], { cwd: root }).status).toBe(0);
    expect(hook(root, 'urls_todo.md', { old_string: '- https://example.com/a\n', new_string: '- https://example.com/a\n- https://example.com/a\n' })).toBe('');
    git(root, ['add', 'urls_todo.md']);
    const staged = runBin('protocol-lint', ['--staged'], { cwd: root });
    expect(staged.stdout + staged.stderr).not.toContain('queue-duplicate');
    expect(staged.status).toBe(0);
  });

  it('a commit that only deletes one: --staged fails as the full lint of the committed tree does', () => {
    const root = repo({ 'urls_todo.md': DISABLED + '- https://example.com/a\n' });
    writeFileSync(join(root, 'urls_todo.md'), '# Pending URLs\n- https://example.com/a\n- https://example.com/a\n');
    git(root, ['add', 'urls_todo.md']);
    const full = runBin('protocol-lint', ['--format', 'json'], { cwd: root });
    const staged = runBin('protocol-lint', ['--staged', '--format', 'json'], { cwd: root });
    expect(full.status).toBe(1);
    expect(staged.status).toBe(1);
    const todo = (output: string) => (JSON.parse(output) as { filePath: string }[]).find((result) => result.filePath === 'urls_todo.md');
    expect(todo(staged.stdout)).toEqual(todo(full.stdout));
  });
});

/** `relay status --json`'s four counts. */
function statusCounts(root: string) {
  const status = JSON.parse(runBin('relay', ['--root', root, 'status', '--json']).stdout) as Record<string, number>;
  return { pending: status.pending, claimed: status.claimed, unclaimed: status.unclaimed, done: status.done };
}

/** The briefing's counts, read from its text. */
function briefCounts(root: string) {
  const match = /(\d+) pending \((\d+) claimed, (\d+) free\)[^`]*`urls_done\.md`: (\d+) done/.exec(buildBrief(root, defaultConfig()))!;
  return { pending: Number(match[1]), claimed: Number(match[2]), unclaimed: Number(match[3]), done: Number(match[4]) };
}

/** The dashboard's counts from `/state.json`. */
async function dashboardCounts(root: string) {
  const dashboard = await startDashboard({ root, config: defaultConfig(), port: 0, ttlHours: 24, version: 'test', debounceMs: 50, lintIntervalMs: 60_000 });
  if ('error' in dashboard) throw new Error(dashboard.error);
  try {
    const body = await new Promise<string>((resolve, reject) => {
      get(`${dashboard.url}state.json`, (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve(text));
      }).on('error', reject);
    });
    const queue = (JSON.parse(body) as { panels: { queue: { data: { status: Record<string, number> } } } }).panels.queue.data.status;
    return { pending: queue.pending, claimed: queue.claimed, unclaimed: queue.unclaimed, done: queue.done };
  } finally {
    await dashboard.close();
  }
}

describe('the counts', () => {
  it('count a claim that follows a note, and never offer that URL as free', async () => {
    const root = repo({ 'urls_todo.md': '# Pending URLs\n- https://example.com/a (from the sitemap)\n', 'urls_done.md': '# Completed URLs\n' });
    expect(runBin('relay', ['--root', root, 'claim', '--agent', 'w1']).status).toBe(0);
    const brief = buildBrief(root, defaultConfig());
    expect(brief).toContain('1 pending (1 claimed, 0 free)');
    expect(brief).not.toContain('Next free items');
    expect(briefCounts(root)).toEqual(statusCounts(root));
  });

  it('are equal in the briefing, relay status --json and the dashboard on a seeded random queue with notes, claims and stray lines', async () => {
    let state = Number(process.env.RELAY_DIFF_SEED ?? 20261207);
    const pick = (n: number) => (state = (state * 1103515245 + 12345) % 2147483648) % n;
    const fresh = new Date(Date.now() - 3600_000).toISOString().slice(0, 19) + 'Z';
    const line = (index: number) =>
      [
        `- https://example.com/${pick(30)}`,
        `- https://example.com/${index} (claimed by w${pick(3)} at ${fresh})`,
        `- https://example.com/${index} (a note, claimed by w${pick(3)} at 2026-01-01T00:00:00Z)`,
        `- https://example.com/${index} (Claimed By w1)`,
        `- https://example.com/${index} (a note)`,
        '- not a url',
        '* https://example.com/star',
        'stray prose',
        '```',
        `- https://EXAMPLE.com:443/${pick(30)}#x`,
      ][pick(10)]!;
    const todo = ['# Pending URLs', ...Array.from({ length: 200 }, (_, index) => line(index))].join('\n') + '\n';
    const done = ['# Completed URLs', ...Array.from({ length: 40 }, () => `- https://example.com/${pick(60)} (completed 2026-03-01)`)].join('\n') + '\n';
    const root = repo({ 'urls_todo.md': todo, 'urls_done.md': done });
    const status = statusCounts(root);
    expect(status.claimed).toBeGreaterThan(0);
    expect(status.unclaimed).toBeGreaterThan(0);
    expect(briefCounts(root)).toEqual(status);
    expect(await dashboardCounts(root)).toEqual(status);
  });
});

describe('the lint on many messages', () => {
  it('counts a file’s lines once, not once per message', async () => {
    const { countLines } = await import('../../src/protocol/queue.js');
    const { lint } = await import('../../src/lint/engine.js');
    const stale = Array.from({ length: 2000 }, (_, index) => `- https://example.com/${index} (claimed by w at 2020-01-01T00:00:00Z)`);
    const root = writeTree({ 'urls_todo.md': ['# Pending URLs', ...stale].join('\n') + '\n' });
    roots.push(root);
    vi.mocked(countLines).mockClear();
    const { results } = await lint({ root, config: defaultConfig(), targets: ['urls_todo.md'] });
    expect(results[0]!.warningCount).toBe(2000);
    expect(vi.mocked(countLines).mock.calls.length).toBeLessThanOrEqual(1);
  });
});
