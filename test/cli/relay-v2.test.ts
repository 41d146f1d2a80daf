/**
 * Protocol v2's relay commands through the built CLI (bin/relay, built by global-setup) in real
 * temp trees with real git: `new`, `session`, idempotent `claim`, `handoff`, `done --output`'s
 * verdict gate, `init`'s records folder, and RELAY_COMMANDS held to the command registry.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index.js';
import { parseRecord } from '../../src/ledger/index.js';
import { RELAY_COMMANDS } from '../../src/protocol/enforcers.js';
import { GIT_ENV, REPO } from '../helpers/run.js';
import { git, readQueue, runPool, runRelay, tempDir, writeQueue, type RunResult } from '../helpers/state-relay.js';

const BIN = join(REPO, 'bin', 'relay');
/** No session or agent id leaks in from the test runner's own environment. */
const CLEAN = { CLAUDE_CODE_SESSION_ID: '', CLAUDE_SESSION_ID: '', RELAY_AGENT: '', RELAY_SESSIONS: '' };

function relay(root: string, args: string[], env: Record<string, string> = {}, input?: string): Promise<RunResult> {
  return runRelay(BIN, args, { cwd: root, env: { ...CLEAN, ...env }, ...(input === undefined ? {} : { input }) });
}

/** A git repository with `relay init` run in it. */
async function initialized(): Promise<string> {
  const root = tempDir('relay-v2-');
  git(root, ['init', '-q']);
  expect((await relay(root, ['init'])).code).toBe(0);
  return root;
}

function todo(root: string, urls: string[]): void {
  writeQueue(join(root, 'urls_todo.md'), '# Pending URLs', urls.map((url) => `- ${url}`));
}

/** Commits everything dated well before any session starts: `git log --since` counts whole seconds, so a commit in a session's first second would count as its change. */
function commitBefore(root: string): void {
  git(root, ['add', '-A']);
  execFileSync('git', ['commit', '-qm', 'init'], { cwd: root, env: { ...process.env, ...GIT_ENV, GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z' } });
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('relay new', () => {
  it('gives 200 concurrent callers 200 distinct findings files', async () => {
    const root = await initialized();
    const runs = await runPool(Array.from({ length: 200 }, () => () => relay(root, ['new', 'findings'])), 8);
    expect(runs.filter((run) => run.code !== 0).map((run) => run.stderr)).toEqual([]);
    const paths = runs.map((run) => run.stdout.trim());
    expect(new Set(paths).size).toBe(200);
    const files = readdirSync(join(root, 'review')).filter((name) => name.startsWith('findings-'));
    expect(files.sort()).toEqual(paths.map((path) => path.slice('review/'.length)).sort());
    expect(files).toContain('findings-200.md');
    expect(readFileSync(join(root, 'review/findings-001.md'), 'utf8')).toMatch(/^# Findings 001: .*\n\n## Done\n/);
  }, 900_000);

  it('creates a task with its title, prints JSON, and refuses an unknown kind', async () => {
    const root = await initialized();
    writeFileSync(join(root, 'plan/task-0007.md'), '# Task 7\n');
    const created = await relay(root, ['new', 'task', '--title', 'Write the intro', '--json']);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(created.stdout)).toEqual({ path: 'plan/task-008.md', number: 8, kind: 'task' });
    expect(readFileSync(join(root, 'plan/task-008.md'), 'utf8')).toBe('---\nid: task-008\nstatus: todo\n---\n# Task 008: Write the intro\n');
    expect(await relay(root, ['new', 'draft'])).toMatchObject({ code: 2, stderr: expect.stringContaining('Unknown kind `draft`') });
    expect(await relay(root, ['new'])).toMatchObject({ code: 2, stdout: '' });
  });
});

describe('relay session', () => {
  it('starts, ends with what the queues and git say, lists; the id defaults as the agent of claim does; an unknown one is refused without --create', async () => {
    const root = await initialized();
    commitBefore(root);
    todo(root, ['https://example.com/a', 'https://example.com/b', 'https://example.com/c']);
    const env = { CLAUDE_CODE_SESSION_ID: 'sess-1', RELAY_AGENT: 'writer-1' };
    const started = await relay(root, ['session', 'start', '--role', 'writer', '--run', 'r-1'], env);
    expect(started).toMatchObject({ code: 0, stdout: 'sessions/sess-1.md\n', stderr: '' });
    // The id comes from CLAUDE_SESSION_ID when CLAUDE_CODE_SESSION_ID is not set.
    expect(await relay(root, ['session', 'start'], { CLAUDE_SESSION_ID: 'sess-2' })).toMatchObject({ code: 0, stdout: 'sessions/sess-2.md\n' });

    expect((await relay(root, ['claim', '-n', '2'], env)).stdout).toBe('https://example.com/a\nhttps://example.com/b\n');
    expect((await relay(root, ['done', 'https://example.com/a'], env)).code).toBe(0);
    writeFileSync(join(root, 'notes.md'), 'written during the session\n');
    const ended = await relay(root, ['session', 'end', '--findings', 'review/findings-001.md'], env);
    expect(ended).toMatchObject({ code: 0, stdout: 'sessions/sess-1.md\n' });
    const record = parseRecord(readFileSync(join(root, 'sessions/sess-1.md'), 'utf8'))!;
    expect(record).toMatchObject({ session_id: 'sess-1', agent: 'writer-1', role: 'writer', run: 'r-1', status: 'logged', findings: 'review/findings-001.md' });
    expect(record.claimed).toEqual(['https://example.com/b']);
    expect(record.done).toEqual(['https://example.com/a']);
    expect(record.changed).toEqual(['notes.md', 'urls_done.md', 'urls_todo.md']);

    const open = await relay(root, ['session', 'list', '--open', '--json']);
    expect(JSON.parse(open.stdout).map((each: { session_id: string }) => each.session_id)).toEqual(['sess-2']);
    expect((await relay(root, ['session', 'list'])).stdout.split('\n').filter(Boolean)).toHaveLength(2);

    // A mistyped id is refused, not given every URL its agent ever finished.
    expect(await relay(root, ['session', 'end', '--session', 'sess-l'], env)).toMatchObject({ code: 1, stderr: 'relay session: Unexpected session `sess-l` with no record in `sessions/`, expected one opened by `relay session start` (or the SessionStart hook); check the id, or pass `--create` to make one\n' });
    expect(existsSync(join(root, 'sessions/sess-l.md'))).toBe(false);
    // Outside Claude Code the id defaults as claim's agent does, so start and end name one record.
    const terminal = { RELAY_AGENT: 'alice@laptop' };
    expect(await relay(root, ['session', 'start'], terminal)).toMatchObject({ code: 0, stdout: 'sessions/alice-laptop.md\n' });
    expect(await relay(root, ['session', 'end'], terminal)).toMatchObject({ code: 0, stdout: 'sessions/alice-laptop.md\n' });
    expect(parseRecord(readFileSync(join(root, 'sessions/alice-laptop.md'), 'utf8'))).toMatchObject({ agent: 'alice@laptop', status: 'logged' });
    expect(await relay(root, ['session', 'end', '--status', 'done'], env)).toMatchObject({ code: 2 });
    expect(await relay(root, ['session', 'start', '--session', '../x'])).toMatchObject({ code: 1, stderr: expect.stringContaining('Unexpected session id `../x`') });
  });

  it('takes given lists as they are and writes nothing with RELAY_SESSIONS=0', async () => {
    const root = await initialized();
    const ended = await relay(root, ['session', 'end', '--create', '--session', 's-9', '--status', 'failed', '--claimed', 'https://example.com/x', '--done', 'https://example.com/y', '--changed', 'a.md', '--changed', 'b.md']);
    expect(ended.code).toBe(0);
    const record = parseRecord(readFileSync(join(root, 'sessions/s-9.md'), 'utf8'))!;
    expect(record).toMatchObject({ status: 'failed', claimed: ['https://example.com/x'], done: ['https://example.com/y'], changed: ['a.md', 'b.md'] });
    const off = await relay(root, ['session', 'start', '--session', 's-10'], { RELAY_SESSIONS: '0' });
    expect(off).toMatchObject({ code: 0, stdout: '' });
    expect(existsSync(join(root, 'sessions/s-10.md'))).toBe(false);
  });

  it('recovers an open session with what git says changed since its start', async () => {
    const root = await initialized();
    commitBefore(root);
    expect((await relay(root, ['session', 'start', '--session', 'crashed'])).code).toBe(0);
    writeFileSync(join(root, 'review/draft-001.mdx'), '# Draft\n');
    const recovered = await relay(root, ['session', 'recover', 'crashed']);
    expect(recovered).toMatchObject({ code: 0, stdout: 'sessions/crashed.md\n' });
    const record = parseRecord(readFileSync(join(root, 'sessions/crashed.md'), 'utf8'))!;
    expect(record).toMatchObject({ status: 'recovered', changed: ['review/draft-001.mdx'] });
    expect(await relay(root, ['session', 'recover', 'crashed'])).toMatchObject({ code: 1, stderr: expect.stringContaining('already `recovered`') });
    expect(await relay(root, ['session', 'recover'])).toMatchObject({ code: 2 });
  });
});

describe('relay claim, per agent', () => {
  // A non-ASCII line makes every operation parse the queue whole instead of searching it; both ways must agree.
  it.each([
    ['searched', []],
    ['parsed whole', ['https://example.com/caf\u00e9 (claimed by w-\u00e9 at 2026-03-20T09:00:00Z)']],
  ])('gives an agent the claims it holds back first, with their claim time, then new ones (%s)', async (_way, extra) => {
    const root = await initialized();
    todo(root, ['https://example.com/1', 'https://example.com/2', 'https://example.com/3', 'https://example.com/4', ...extra]);
    const env = { RELAY_AGENT: 'w-1' };
    const first = await relay(root, ['claim', '-n', '2'], { ...env, RELAY_NOW: '2026-03-20T10:00:00Z' });
    expect(first.stdout).toBe('https://example.com/1\nhttps://example.com/2\n');
    const again = await relay(root, ['claim', '-n', '3', '--json'], { ...env, RELAY_NOW: '2026-03-20T11:00:00Z' });
    expect(JSON.parse(again.stdout)).toEqual([
      { url: 'https://example.com/1', agent: 'w-1', at: '2026-03-20T10:00:00Z', line: 3, held: true },
      { url: 'https://example.com/2', agent: 'w-1', at: '2026-03-20T10:00:00Z', line: 4, held: true },
      { url: 'https://example.com/3', agent: 'w-1', at: '2026-03-20T11:00:00Z', line: 5 },
    ]);
    // Fewer than it holds: the first ones in file order, nothing new, nothing re-stamped.
    const before = readFileSync(join(root, 'urls_todo.md'), 'utf8');
    expect((await relay(root, ['claim'], env)).stdout).toBe('https://example.com/1\n');
    expect(readFileSync(join(root, 'urls_todo.md'), 'utf8')).toBe(before);
    // Another agent gets none of them.
    expect((await relay(root, ['claim', '-n', '5'], { RELAY_AGENT: 'w-2' })).stdout).toBe('https://example.com/4\n');
    // A held URL that is done is not given back.
    expect((await relay(root, ['done', 'https://example.com/1'], env)).code).toBe(0);
    expect((await relay(root, ['claim', '-n', '5'], env)).stdout).toBe('https://example.com/2\nhttps://example.com/3\n');
  });
});

describe('relay handoff', () => {
  it('moves claims held by the caller, refuses the rest one line each, and reads stdin', async () => {
    const root = await initialized();
    todo(root, ['https://example.com/a', 'https://example.com/b', 'https://example.com/c']);
    await relay(root, ['claim', '-n', '2'], { RELAY_AGENT: 'writer' });
    const handed = await relay(root, ['handoff', 'https://example.com/a', 'https://example.com/c', '--to', 'reviewer', '--json'], { RELAY_AGENT: 'writer', RELAY_NOW: '2026-03-21T09:00:00Z' });
    expect(handed.code).toBe(1);
    expect(JSON.parse(handed.stdout)).toEqual({
      handed: [{ url: 'https://example.com/a', from: 'writer', to: 'reviewer', at: '2026-03-21T09:00:00Z' }],
      rejected: [{ url: 'https://example.com/c', reason: 'not claimed, expected a claim by `writer`; `relay claim` it first' }],
    });
    expect(handed.stderr.trim().split('\n')).toHaveLength(1);
    expect(readQueue(join(root, 'urls_todo.md')).items[0]!.claim).toEqual({ agent: 'reviewer', at: '2026-03-21T09:00:00Z' });
    // `b` is the writer's, not the reviewer's: refused without --force, moved with it.
    expect(await relay(root, ['handoff', '-', '--to', 'other', '--agent', 'reviewer'], {}, '- https://example.com/b\n')).toMatchObject({ code: 1, stdout: '', stderr: expect.stringContaining('claimed by `writer`, not `reviewer`') });
    expect(await relay(root, ['handoff', '-', '--to', 'other', '--agent', 'reviewer', '--force'], {}, 'https://example.com/b\n')).toMatchObject({ code: 0, stdout: 'https://example.com/b\n' });
    expect(await relay(root, ['handoff', 'https://example.com/a'])).toMatchObject({ code: 2, stderr: expect.stringContaining('Missing `--to AGENT`') });
  });

  it('lets exactly one of two simultaneous handoffs of one URL win', async () => {
    const root = await initialized();
    const urls = Array.from({ length: 6 }, (_, index) => `https://example.com/race-${index}`);
    todo(root, urls);
    await relay(root, ['claim', '-n', '6'], { RELAY_AGENT: 'writer' });
    for (const url of urls) {
      const [one, two] = await Promise.all([relay(root, ['handoff', url, '--to', 'rev-1'], { RELAY_AGENT: 'writer' }), relay(root, ['handoff', url, '--to', 'rev-2'], { RELAY_AGENT: 'writer' })]);
      expect([one.code, two.code].sort()).toEqual([0, 1]);
      const winner = one.code === 0 ? 'rev-1' : 'rev-2';
      const item = readQueue(join(root, 'urls_todo.md')).items.find((each) => each.url === url)!;
      expect(item.claim?.agent).toBe(winner);
    }
  });
});

describe('relay done --output a final', () => {
  const draft = '# Draft\n\nThe text as reviewed.\n';
  const final = (fields: string): string => `---\n${fields}---\n# Final\n`;

  it('refuses a final without an approving verdict on the draft as it is now, and accepts one with it', async () => {
    const root = await initialized();
    todo(root, ['https://example.com/a']);
    writeFileSync(join(root, 'review/draft-001.mdx'), draft);
    const done = (output: string): Promise<RunResult> => relay(root, ['done', 'https://example.com/a', '--output', output], { RELAY_AGENT: 'reviewer-1' });
    const queueBefore = readFileSync(join(root, 'urls_done.md'), 'utf8');

    writeFileSync(join(root, 'review/final-001.mdx'), '# Final without front matter\n');
    expect(await done('review/final-001.mdx')).toMatchObject({ code: 1, stdout: '', stderr: expect.stringMatching(/^relay done: Unexpected final `review\/final-001.mdx` with no `verdict`.*\n$/) });
    writeFileSync(join(root, 'review/final-001.mdx'), final('verdict: changes-requested\nreviewer: reviewer-1\n'));
    expect(await done('review/final-001.mdx')).toMatchObject({ code: 1, stderr: expect.stringContaining('`verdict: changes-requested`') });
    expect(await done('review/final-009.mdx')).toMatchObject({ code: 1, stderr: expect.stringContaining('missing final `review/final-009.mdx`') });
    expect(readFileSync(join(root, 'urls_done.md'), 'utf8')).toBe(queueBefore);

    writeFileSync(join(root, 'review/final-001.mdx'), final(`verdict: approved\nreviewer: reviewer-1\nreviewed: review/draft-001.mdx\ndraft_sha256: ${sha256(draft)}\n`));
    writeFileSync(join(root, 'review/draft-001.mdx'), `${draft}An edit after the review.\n`);
    const stale = await done('review/final-001.mdx');
    expect(stale).toMatchObject({ code: 1, stdout: '' });
    expect(stale.stderr).toContain(`draft \`review/draft-001.mdx\` changed since \`review/final-001.mdx\` approved it (\`${sha256(draft).slice(0, 12)}…\``);
    expect(stale.stderr.trim().split('\n')).toHaveLength(1);
    expect(readFileSync(join(root, 'urls_done.md'), 'utf8')).toBe(queueBefore);

    writeFileSync(join(root, 'review/draft-001.mdx'), draft);
    expect(await done('review/final-001.mdx')).toMatchObject({ code: 0, stdout: 'https://example.com/a\n' });
    expect(readQueue(join(root, 'urls_done.md')).items[0]).toMatchObject({ url: 'https://example.com/a', output: 'review/final-001.mdx' });
  });

  it('refuses a final or draft over `maxDocumentBytes`, or a draft linked out of the root, without reading it', async () => {
    const root = await initialized();
    todo(root, ['https://example.com/a']);
    const done = (): Promise<RunResult> => relay(root, ['done', 'https://example.com/a', '--output', 'review/final-001.mdx'], { RELAY_AGENT: 'reviewer-1' });
    const approves = (draft: string) => final(`verdict: approved\nreviewer: reviewer-1\nreviewed: ${draft}\ndraft_sha256: ${'a'.repeat(64)}\n`);
    const queueBefore = readFileSync(join(root, 'urls_done.md'), 'utf8');
    // 64 MB, sparse: git stores such a file in a few KB, so a clone can carry it.
    writeFileSync(join(root, 'review/draft-001.mdx'), '');
    truncateSync(join(root, 'review/draft-001.mdx'), 64 * 1024 * 1024);
    writeFileSync(join(root, 'review/final-001.mdx'), approves('review/draft-001.mdx'));
    const tooBig = '(64 MB, limit 10 MB), expected at most `maxDocumentBytes`; split it or raise the limit';
    expect(await done()).toMatchObject({ code: 1, stderr: `relay done: \`review/draft-001.mdx\` is too big ${tooBig} (the draft \`review/final-001.mdx\` approves)\n` });
    const outside = mkdtempSync(join(tmpdir(), 'relay-outside-'));
    try {
      writeFileSync(join(outside, 'draft.mdx'), draft);
      symlinkSync(join(outside, 'draft.mdx'), join(root, 'review/draft-002.mdx'));
      writeFileSync(join(root, 'review/final-001.mdx'), approves('review/draft-002.mdx'));
      expect((await done()).stderr).toMatch(/^relay done: Unexpected path `review\/draft-002\.mdx` leaving the root through a symbolic link .* \(the draft `review\/final-001\.mdx` approves\)\n$/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
    truncateSync(join(root, 'review/final-001.mdx'), 64 * 1024 * 1024);
    expect(await done()).toMatchObject({ code: 1, stderr: `relay done: \`review/final-001.mdx\` is too big ${tooBig}\n` });
    expect(readFileSync(join(root, 'urls_done.md'), 'utf8')).toBe(queueBefore);
  });

  it('does not gate outputs that are not finals', async () => {
    const root = await initialized();
    todo(root, ['https://example.com/a']);
    writeFileSync(join(root, 'review/draft-001.mdx'), draft);
    expect(await relay(root, ['done', 'https://example.com/a', '--output', 'review/draft-001.mdx'])).toMatchObject({ code: 0, stdout: 'https://example.com/a\n' });
  });
});

describe('relay init and the command table', () => {
  it('init creates the records folder', async () => {
    const root = await initialized();
    expect(readdirSync(join(root, 'sessions'))).toEqual(['.gitkeep']);
  });

  it('names every registry command in RELAY_COMMANDS, and only built ones', () => {
    const names = commands.map((command) => command.name).filter((name) => name !== 'merge-driver');
    expect([...names].sort()).toEqual([...RELAY_COMMANDS].sort());
  });
});
