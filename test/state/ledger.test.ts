/**
 * The session ledger with real files and real git: records opened, kept, closed, listed
 * newest first, turned off by the environment, and recovered from what git says changed.
 */
import { mkdirSync, readFileSync, readdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/protocol/config.js';
import { closeSession, listSessions, openSession, readSession, recoverSession, unloggedSessions, type LedgerOutcome } from '../../src/ledger/index.js';
import { git, tempDir } from '../helpers/state-relay.js';
import { git as gitWithEnv } from '../helpers/run.js';

const config = defaultConfig();
const at = (iso: string): Date => new Date(iso);
const hash = 'a'.repeat(64);

function written(outcome: LedgerOutcome) {
  if (!outcome.ok || outcome.disabled) throw new Error(`expected a written record, got ${JSON.stringify(outcome)}`);
  return outcome;
}

afterEach(() => {
  delete process.env.RELAY_SESSIONS;
});

describe('openSession and closeSession', () => {
  it('opens a small record with the §8 front matter, keeps its start when opened again, then closes it', () => {
    const root = tempDir();
    const opened = written(openSession(root, config, { sessionId: 'abc-1', agent: 'writer-7', role: 'writer', run: 'r1', briefing: [{ path: 'plan/task-001.md', sha256: hash }], now: at('2026-03-19T10:00:00.500Z') }));
    expect(opened).toMatchObject({ path: 'sessions/abc-1.md', created: true });
    const text = readFileSync(join(root, 'sessions/abc-1.md'), 'utf8');
    expect(text).toBe(
      `---\nsession_id: abc-1\nagent: writer-7\nrole: writer\nrun: r1\nstarted: '2026-03-19T10:00:00Z'\nstatus: open\nbriefing:\n  - path: plan/task-001.md\n    sha256: ${hash}\n---\n# Session abc-1\n\nOpened when the session started; \`relay session end\` (run by /log-this) closes it.\n`,
    );
    expect(text.length).toBeLessThan(1024);

    const again = written(openSession(root, config, { sessionId: 'abc-1', agent: 'writer-7', role: 'writer', briefing: [], now: at('2026-03-19T11:00:00Z') }));
    expect(again).toMatchObject({ created: false, record: { started: '2026-03-19T10:00:00Z', status: 'open' } });
    expect(readFileSync(join(root, 'sessions/abc-1.md'), 'utf8')).toBe(text);

    const closed = written(closeSession(root, config, { sessionId: 'abc-1', status: 'logged', findings: 'review/findings-004.md', claimed: ['https://example.com/a'], done: ['https://example.com/a'], changed: ['review/draft-004.mdx'], now: at('2026-03-19T10:30:00Z') }));
    expect(closed.record).toEqual({
      session_id: 'abc-1', agent: 'writer-7', role: 'writer', run: 'r1', started: '2026-03-19T10:00:00Z', status: 'logged',
      briefing: [{ path: 'plan/task-001.md', sha256: hash }], ended: '2026-03-19T10:30:00Z',
      claimed: ['https://example.com/a'], done: ['https://example.com/a'], findings: 'review/findings-004.md', changed: ['review/draft-004.mdx'],
    });
    expect(readSession(root, config, 'abc-1')).toEqual(closed.record);
    // A logged session resumed later is not reopened.
    expect(written(openSession(root, config, { sessionId: 'abc-1', agent: 'x', role: 'y', briefing: [], now: at('2026-03-19T12:00:00Z') })).record.status).toBe('logged');
  });

  it('closes a session that has no record by writing one, and bounds its lists', () => {
    const root = tempDir();
    const many = Array.from({ length: 900 }, (_, index) => `file-${index}.md`);
    const closed = written(closeSession(root, config, { sessionId: 'lost', status: 'failed', changed: many, agent: 'runner', now: at('2026-03-19T10:00:00Z') }));
    expect(closed).toMatchObject({ created: true, record: { status: 'failed', started: '2026-03-19T10:00:00Z', ended: '2026-03-19T10:00:00Z', agent: 'runner', role: 'unknown' } });
    expect(closed.record.changed).toHaveLength(500);
  });

  it('refuses ids that could name another path, and a records folder that leaves the root', () => {
    const root = tempDir();
    for (const sessionId of ['../x', 'a/b', '', '..', 'x'.repeat(129), 'a b']) {
      expect(openSession(root, config, { sessionId, agent: 'a', role: 'r', briefing: [], now: at('2026-03-19T10:00:00Z') })).toMatchObject({ ok: false, error: expect.stringContaining('Unexpected session id') });
    }
    const outside = tempDir();
    symlinkSync(outside, join(root, 'sessions'));
    expect(openSession(root, config, { sessionId: 'ok', agent: 'a', role: 'r', briefing: [], now: at('2026-03-19T10:00:00Z') })).toMatchObject({ ok: false, error: expect.stringContaining('leaving the root') });
    expect(readdirSync(outside)).toEqual([]);
    expect(listSessions(root, config)).toEqual([]);
  });

  it('writes nothing when RELAY_SESSIONS=0, and reads the layout\'s sessions folder', () => {
    const root = tempDir();
    process.env.RELAY_SESSIONS = '0';
    expect(openSession(root, config, { sessionId: 's', agent: 'a', role: 'r', briefing: [], now: at('2026-03-19T10:00:00Z') })).toEqual({ ok: true, disabled: true });
    expect(closeSession(root, config, { sessionId: 's', status: 'logged', now: at('2026-03-19T10:00:00Z') })).toEqual({ ok: true, disabled: true });
    expect(readdirSync(root)).toEqual([]);
    delete process.env.RELAY_SESSIONS;
    const custom = { ...config, layout: { ...config.layout, sessions: 'state/ledger' } };
    expect(written(openSession(root, custom, { sessionId: 's', agent: 'a', role: 'r', briefing: [], now: at('2026-03-19T10:00:00Z') })).path).toBe('state/ledger/s.md');
  });
});

describe('listSessions and unloggedSessions', () => {
  it('lists newest first, filters open ones, bounds the count and leaves out the current session', () => {
    const root = tempDir();
    for (let index = 0; index < 12; index++) {
      const hour = String(index).padStart(2, '0');
      written(openSession(root, config, { sessionId: `s${index}`, agent: 'a', role: 'writer', briefing: [], now: at(`2026-03-19T${hour}:00:00Z`) }));
    }
    for (const index of [11, 9, 3]) written(closeSession(root, config, { sessionId: `s${index}`, status: 'logged', now: at('2026-03-19T23:00:00Z') }));
    // Not records: skipped, not fatal.
    writeFileSync(join(root, 'sessions/README.md'), '# Sessions\n');
    writeFileSync(join(root, 'sessions/broken.md'), '---\nstatus: open\n: : :\n---\n');
    expect(listSessions(root, config).map((record) => record.session_id)).toEqual(['s11', 's10', 's9', 's8', 's7', 's6', 's5', 's4', 's3', 's2', 's1', 's0']);
    expect(listSessions(root, config, { open: true, limit: 3 }).map((record) => record.path)).toEqual(['sessions/s10.md', 'sessions/s8.md', 'sessions/s7.md']);
    expect(unloggedSessions(root, config, { exclude: 's10' }).map((record) => record.session_id)).toEqual(['s8', 's7', 's6', 's5', 's4']);
    expect(unloggedSessions(root, config, { limit: 2, minAgeMs: 3 * 3_600_000, now: at('2026-03-19T10:30:00Z') }).map((record) => record.session_id)).toEqual(['s7', 's6']);
  });

  it('finds nothing where there is no records folder, and creates none', () => {
    const root = tempDir();
    expect(unloggedSessions(root, config)).toEqual([]);
    expect(readdirSync(root)).toEqual([]);
  });
});

describe('recoverSession (real git)', () => {
  it('closes an open record as recovered with what changed since its start: commits, staged, unstaged and new files', () => {
    const root = tempDir();
    git(root, ['init', '-q', '-b', 'main']);
    mkdirSync(join(root, 'plan'));
    mkdirSync(join(root, 'review'));
    writeFileSync(join(root, 'plan/task-001.md'), '# One\n');
    writeFileSync(join(root, 'plan/old.md'), '# Old\n');
    writeFileSync(join(root, 'plan/touched-before.md'), '# Before\n');
    git(root, ['add', '.']);
    // git log --since reads the committer date.
    gitWithEnv(root, ['commit', '-qm', 'before'], { GIT_COMMITTER_DATE: '2026-03-18T10:00:00Z', GIT_AUTHOR_DATE: '2026-03-18T10:00:00Z' });
    // Changed before the session started, left uncommitted: not the session's.
    writeFileSync(join(root, 'plan/touched-before.md'), '# Before, edited\n');
    const before = new Date(Date.now() - 3_600_000);
    utimesSync(join(root, 'plan/touched-before.md'), before, before);

    const started = new Date(Date.now() - 60_000);
    written(openSession(root, config, { sessionId: 'crashed', agent: 'writer-2', role: 'writer', briefing: [], now: started }));
    writeFileSync(join(root, 'plan/task-001.md'), '# One, edited\n');
    git(root, ['add', 'plan/task-001.md']);
    git(root, ['commit', '-qm', 'session work']);
    writeFileSync(join(root, 'review/draft-001.mdx'), '# Draft\n');
    writeFileSync(join(root, 'review/name with space.md'), '# Odd\n');
    git(root, ['add', 'review/draft-001.mdx']);
    writeFileSync(join(root, 'review/findings-001.md'), '# Findings\n');
    git(root, ['rm', '-q', 'plan/old.md']);

    const recovered = written(recoverSession(root, config, { sessionId: 'crashed', now: new Date() }));
    expect(recovered.record.status).toBe('recovered');
    expect(recovered.record.changed).toEqual(['plan/old.md', 'plan/task-001.md', 'review/draft-001.mdx', 'review/findings-001.md', 'review/name with space.md']);
    expect(unloggedSessions(root, config)).toEqual([]);
    // Once recovered, it is not recovered twice.
    expect(recoverSession(root, config, { sessionId: 'crashed', now: new Date() })).toMatchObject({ ok: false, error: expect.stringContaining('already `recovered`') });
    expect(recoverSession(root, config, { sessionId: 'never', now: new Date() })).toMatchObject({ ok: false, error: expect.stringContaining('with no record') });
  });

  it('keeps paths relative to a root below the repository top, and says why outside git', () => {
    const top = tempDir();
    git(top, ['init', '-q', '-b', 'main']);
    const root = join(top, 'state');
    mkdirSync(join(root, 'plan'), { recursive: true });
    writeFileSync(join(top, 'outside.md'), 'x\n');
    written(openSession(root, config, { sessionId: 'sub', agent: 'a', role: 'r', briefing: [], now: new Date(Date.now() - 60_000) }));
    writeFileSync(join(root, 'plan/task-001.md'), '# One\n');
    expect(written(recoverSession(root, config, { sessionId: 'sub', now: new Date() })).record.changed).toEqual(['plan/task-001.md']);

    const plain = tempDir();
    written(openSession(plain, config, { sessionId: 'nogit', agent: 'a', role: 'r', briefing: [], now: new Date() }));
    expect(recoverSession(plain, config, { sessionId: 'nogit', now: new Date() })).toMatchObject({ ok: false, error: expect.stringContaining('Cannot ask git') });
  });
});
