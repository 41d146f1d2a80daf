import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/protocol/config.js';
import { parseQueue } from '../../src/protocol/queue.js';
import { addUrls, claimUrls, completeUrls, queueStatus, releaseUrls } from '../../src/state/queue-operations.js';
import { tempDir, writeQueue } from '../helpers/state-relay.js';

const config = defaultConfig();
const now = new Date('2026-03-20T12:00:00Z');

function tree(todo: string[], done: string[] = []): string {
  const root = tempDir();
  writeQueue(join(root, 'urls_todo.md'), '# Pending URLs', todo);
  writeQueue(join(root, 'urls_done.md'), '# Completed URLs', done);
  return root;
}

const read = (root: string, name: string): string => readFileSync(join(root, name), 'utf8');

describe('claimUrls', () => {
  it('takes unclaimed URLs in file order, skipping claimed, done and duplicate ones, and keeps other bytes', () => {
    const root = tree(
      [
        '- https://example.com/a (claimed by w0 at 2026-03-20T11:00:00Z)',
        '- https://example.com/b',
        '- https://example.com/c',
        '<!-- - https://example.com/in-comment -->',
        '- https://example.com/b',
        '- https://example.com/d (from the crawl; priority high)',
      ],
      ['- https://example.com/c (completed 2026-03-19)'],
    );
    const result = claimUrls(root, config, { count: 3, agent: 'w1', now, ttlHours: 24, stealStale: false });
    expect(result).toMatchObject({ ok: true, unclaimed: 0, stale: 0 });
    if (!result.ok) return;
    expect(result.claimed.map((claim) => claim.url)).toEqual(['https://example.com/b', 'https://example.com/d']);
    expect(read(root, 'urls_todo.md')).toBe(
      '# Pending URLs\n\n' +
        '- https://example.com/a (claimed by w0 at 2026-03-20T11:00:00Z)\n' +
        '- https://example.com/b (claimed by w1 at 2026-03-20T12:00:00Z)\n' +
        '- https://example.com/c\n' +
        '<!-- - https://example.com/in-comment -->\n' +
        '- https://example.com/b\n' +
        '- https://example.com/d (from the crawl, priority high, claimed by w1 at 2026-03-20T12:00:00Z)\n',
    );
    // The duplicate line of b is not handed out: b is held now.
    const again = claimUrls(root, config, { count: 5, agent: 'w2', now, ttlHours: 24, stealStale: false });
    expect(again.ok && again.claimed).toEqual([]);
  });

  it('takes stale claims only with stealStale, and reports them otherwise', () => {
    const root = tree(['- https://example.com/a (claimed by w0 at 2026-03-18T11:00:00Z)', '- https://example.com/b (claimed by w9)']);
    const plain = claimUrls(root, config, { count: 5, agent: 'w1', now, ttlHours: 24, stealStale: false });
    expect(plain).toMatchObject({ ok: true, claimed: [], stale: 2 });
    const steal = claimUrls(root, config, { count: 5, agent: 'w1', now, ttlHours: 24, stealStale: true });
    expect(steal.ok && steal.claimed.map((claim) => [claim.url, claim.stolenFrom])).toEqual([
      ['https://example.com/a', 'w0'],
      ['https://example.com/b', 'w9'],
    ]);
    const longer = tree(['- https://example.com/a (claimed by w0 at 2026-03-18T11:00:00Z)']);
    expect(claimUrls(longer, config, { count: 1, agent: 'w1', now, ttlHours: 72, stealStale: true })).toMatchObject({ claimed: [] });
  });

  it('refuses a tree without urls_todo.md', () => {
    const root = tempDir();
    const result = claimUrls(root, config, { count: 1, agent: 'w1', now, ttlHours: 24, stealStale: false });
    expect(result).toEqual({ ok: false, error: 'Unexpected missing `urls_todo.md`, expected the pending queue; run `relay init`' });
  });

  it('refuses a queue that is not UTF-8 instead of rewriting its bytes', () => {
    const root = tree([]);
    writeFileSync(join(root, 'urls_todo.md'), Buffer.from([0x23, 0x20, 0xff, 0x0a, 0x2d, 0x20]));
    const result = claimUrls(root, config, { count: 1, agent: 'w1', now, ttlHours: 24, stealStale: false });
    expect(result.ok).toBe(false);
  });
});

describe('completeUrls', () => {
  it('moves URLs to done with date, agent, output and notes; records unknown URLs; leaves done ones', () => {
    const root = tree(
      ['- https://example.com/a (claimed by w1 at 2026-03-20T11:00:00Z, from the crawl)', '- https://example.com/b', '- https://example.com/c'],
      ['- https://example.com/c (completed 2026-03-19)'],
    );
    const result = completeUrls(root, config, {
      urls: ['https://EXAMPLE.com/a#top', 'https://example.com/c', 'https://example.com/new', 'not a url', 'https://example.com/new'],
      agent: 'w2',
      now,
      output: 'review/draft-001.mdx',
    });
    expect(result).toEqual({
      ok: true,
      completed: [
        { url: 'https://example.com/a', key: 'https://example.com/a', status: 'completed', claimedBy: 'w1' },
        { url: 'https://example.com/c', key: 'https://example.com/c', status: 'already-done' },
        { url: 'https://example.com/new', key: 'https://example.com/new', status: 'completed-not-pending' },
      ],
      rejected: [
        { url: 'not a url', reason: 'it is not a valid absolute URL' },
        { url: 'https://example.com/new', reason: 'listed twice in this command' },
      ],
    });
    expect(read(root, 'urls_todo.md')).toBe('# Pending URLs\n\n- https://example.com/b\n');
    expect(read(root, 'urls_done.md')).toBe(
      '# Completed URLs\n\n' +
        '- https://example.com/c (completed 2026-03-19)\n' +
        '- https://example.com/a (completed 2026-03-20, by w2, output review/draft-001.mdx, from the crawl)\n' +
        '- https://example.com/new (completed 2026-03-20, by w2, output review/draft-001.mdx)\n',
    );
  });

  it('creates urls_done.md with its heading when missing', () => {
    const root = tempDir();
    writeQueue(join(root, 'urls_todo.md'), '# Pending URLs', ['- https://example.com/a']);
    completeUrls(root, config, { urls: ['https://example.com/a'], agent: 'w1', now });
    expect(read(root, 'urls_done.md')).toBe('# Completed URLs\n\n- https://example.com/a (completed 2026-03-20, by w1)\n');
  });
});

describe('releaseUrls', () => {
  it('releases own claims, refuses others without force, and releases all of an agent', () => {
    const root = tree([
      '- https://example.com/a (claimed by w1 at 2026-03-20T11:00:00Z)',
      '- https://example.com/b (claimed by w2 at 2026-03-20T11:00:00Z)',
      '- https://example.com/c (note; claimed by w1 at 2026-03-20T11:00:00Z)',
      '- https://example.com/d',
    ]);
    const result = releaseUrls(root, config, { urls: ['https://example.com/b', 'https://example.com/d', 'https://example.com/x'], all: true, agent: 'w1', force: false });
    expect(result).toMatchObject({
      released: [
        { url: 'https://example.com/a', status: 'released', from: 'w1' },
        { url: 'https://example.com/c', status: 'released', from: 'w1' },
        { url: 'https://example.com/d', status: 'not-claimed' },
      ],
      rejected: [
        { url: 'https://example.com/b', reason: 'claimed by `w2`, not `w1`; pass `--force` to release it anyway' },
        { url: 'https://example.com/x', reason: 'not pending in `urls_todo.md`' },
      ],
    });
    expect(read(root, 'urls_todo.md')).toBe(
      '# Pending URLs\n\n- https://example.com/a\n- https://example.com/b (claimed by w2 at 2026-03-20T11:00:00Z)\n- https://example.com/c (note)\n- https://example.com/d\n',
    );
    releaseUrls(root, config, { urls: ['https://example.com/b'], all: false, agent: 'w1', force: true });
    expect(parseQueue(read(root, 'urls_todo.md')).items.filter((item) => item.claim)).toEqual([]);
  });
});

describe('addUrls', () => {
  it('appends new URLs and rejects pending, done and repeated ones after normalising', () => {
    const root = tree(['- https://example.com/a'], ['- https://example.com/b (completed 2026-03-19)']);
    const result = addUrls(root, config, { urls: ['HTTPS://example.com/a', 'https://example.com:443/b', 'https://example.com/c', 'https://example.com/c#x', 'ftp://example.com/d'] });
    expect(result).toEqual({
      ok: true,
      added: ['https://example.com/c'],
      rejected: [
        { url: 'https://example.com/c#x', reason: 'listed twice in this command' },
        { url: 'ftp://example.com/d', reason: 'its scheme `ftp` is not http or https' },
        { url: 'HTTPS://example.com/a', reason: 'already pending in `urls_todo.md`' },
        { url: 'https://example.com:443/b', reason: 'already done in `urls_done.md`' },
      ],
    });
    expect(read(root, 'urls_todo.md')).toBe('# Pending URLs\n\n- https://example.com/a\n- https://example.com/c\n');
  });

  it('creates urls_todo.md with its heading when missing, keeping CRLF files CRLF', () => {
    const root = tempDir();
    addUrls(root, config, { urls: ['https://example.com/a'] });
    expect(read(root, 'urls_todo.md')).toBe('# Pending URLs\n\n- https://example.com/a\n');
    writeFileSync(join(root, 'urls_todo.md'), '# Pending URLs\r\n- https://example.com/a');
    addUrls(root, config, { urls: ['https://example.com/b'] });
    expect(read(root, 'urls_todo.md')).toBe('# Pending URLs\r\n- https://example.com/a\r\n- https://example.com/b\r\n');
    expect(existsSync(join(root, 'urls_done.md'))).toBe(false);
  });
});

describe('queueStatus', () => {
  it('counts pending, claimed, done, stale claims, overlap and duplicates', () => {
    const root = tree(
      [
        '- https://example.com/a (claimed by w1 at 2026-03-20T11:00:00Z)',
        '- https://example.com/b (claimed by w1 at 2026-03-10T11:00:00Z)',
        '- https://example.com/c (claimed by w2 at 2026-03-20T11:00:00Z)',
        '- https://example.com/d',
        '- https://example.com/d',
        '- https://example.com/e',
        '* https://example.com/f',
      ],
      ['- https://example.com/e (completed 2026-03-19)', '- https://example.com/g (completed 2026-03-19)'],
    );
    const result = queueStatus(root, config, { now, ttlHours: 24 });
    expect(result).toMatchObject({
      pending: 4,
      claimed: 3,
      unclaimed: 1,
      done: 2,
      claimsByAgent: { w1: 2, w2: 1 },
      staleClaims: [{ url: 'https://example.com/b', agent: 'w1', at: '2026-03-10T11:00:00Z', line: 4 }],
      next: ['https://example.com/d'],
      overlap: 1,
      duplicates: 1,
      syntaxProblems: 1,
    });
  });
});
