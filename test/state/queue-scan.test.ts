/**
 * The token-search fast paths of the queue operations must decide exactly what the full parse
 * decides. Each case runs twice: on ASCII files (the fast path) and on the same files with a
 * non-ASCII comment line appended, which makes every operation parse both files whole.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/protocol/config.js';
import { addUrls, claimUrls, completeUrls, releaseUrls } from '../../src/state/queue-operations.js';
import { searchToken } from '../../src/protocol/queue-search.js';
import { BufferSource, QueueScan } from '../../src/state/queue-scan.js';
import { tempDir } from '../helpers/state-relay.js';

const config = defaultConfig();
const now = new Date('2026-03-20T12:00:00Z');
const MARKER = '<!-- fallback: é -->\n';

function tree(todo: string[], done: string[], fallback: boolean): string {
  const root = tempDir();
  const tail = fallback ? MARKER : '';
  writeFileSync(join(root, 'urls_todo.md'), ['# Pending URLs', '', ...todo].join('\n') + '\n' + tail);
  writeFileSync(join(root, 'urls_done.md'), ['# Completed URLs', '', ...done].join('\n') + '\n' + tail);
  return root;
}

const read = (root: string, name: string): string => readFileSync(join(root, name), 'utf8').replace(MARKER, '');

/** Runs `op` on both variants; expects the same result and the same files, and returns them. */
function both<T>(todo: string[], done: string[], op: (root: string) => T): { result: T; todo: string; done: string } {
  const runs = [false, true].map((fallback) => {
    const root = tree(todo, done, fallback);
    const result = op(root);
    return { result, todo: read(root, 'urls_todo.md'), done: read(root, 'urls_done.md') };
  });
  expect(runs[0]).toEqual(runs[1]);
  return runs[0]!;
}

const claim = (count: number, stealStale = false) => (root: string) => {
  const result = claimUrls(root, config, { count, agent: 'w1', now, ttlHours: 24, stealStale });
  return result.ok ? { claimed: result.claimed, unclaimed: result.unclaimed, stale: result.stale } : result;
};

describe('token search', () => {
  it('searches a URL by its path, not for a bare host or a path with percent-escapes', () => {
    expect(searchToken('https://example.com/a/b')).toBe('/a/b');
    expect(searchToken('https://example.com/a?q=1')).toBe('/a');
    expect(searchToken('https://example.com/')).toBeUndefined();
    expect(searchToken('https://example.com/a%7Bb')).toBeUndefined();
    const scan = (text: string) => QueueScan.of(new BufferSource(Buffer.from(text)));
    expect(scan('# Pending URLs\n\n- https://example.com/a\n')).toBeDefined();
    // Text the search cannot vouch for is parsed whole.
    expect(scan('- https://example.com/é\n')).toBeUndefined();
    expect(scan('- https://example.com/a/../b\n')).toBeUndefined();
    expect(scan('- https://example.com\\a\n')).toBeUndefined();
    expect(scan('```\n- https://example.com/a\n```\n')).toBeUndefined();
    expect(scan('<!--\n- https://example.com/a\n-->\n')).toBeUndefined();
    expect(scan('<!-- one line -->\n- https://example.com/a (see a/../b)\n')).toBeDefined();
  });
});

describe('claim by token search', () => {
  it('skips a URL another copy of which is claimed, later in the file too', () => {
    const { result, todo } = both(
      [
        '- https://example.com/a',
        '- https://example.com/b',
        '- https://EXAMPLE.com:443/a#later (claimed by w0 at 2026-03-20T11:00:00Z)',
        '- https://example.com/b/c',
      ],
      [],
      claim(2),
    );
    expect(result).toMatchObject({ claimed: [{ url: 'https://example.com/b', line: 4 }, { url: 'https://example.com/b/c', line: 6 }] });
    expect(todo).toContain('- https://example.com/a\n');
  });

  it('skips a URL done under another spelling: host case, port, fragment; a done line with a control character is no item', () => {
    const { result } = both(
      ['- https://example.com/guides/a', '- https://example.com/guides/b', '- https://example.com/guides/c', '- http://example.com/guides/d', '- https://example.com/guides/e?x=1', '- https://example.com/guides/f', '- https://example.com/guides/g'],
      [
        '- https://EXAMPLE.COM/guides/a (completed 2026-03-19)',
        '- https://example.com:443/guides/b (completed 2026-03-19)',
        '- https://example.com/guides/c#section (completed 2026-03-19)',
        '- http://example.com:80/guides/d (completed 2026-03-19)',
        // The parser would strip the control character; relay refuses such a URL, so this `g` is still pending.
        '- https://example.com/guides/g\x01 (completed 2026-03-19)',
        // Not the same URLs: another query, a longer path, another scheme.
        '- https://example.com/guides/e?x=2 (completed 2026-03-19)',
        '- https://example.com/guides/f/g (completed 2026-03-19)',
        '- http://example.com/guides/f (completed 2026-03-19)',
      ],
      claim(5),
    );
    expect(result).toMatchObject({ claimed: [{ url: 'https://example.com/guides/e?x=1' }, { url: 'https://example.com/guides/f' }, { url: 'https://example.com/guides/g' }], unclaimed: 0 });
  });

  it('falls back to the full parse for non-ASCII text, dot segments, percent-escapes and bare hosts, deciding the same', () => {
    for (const [todo, done] of [
      [['- https://example.com/caf%C3%A9', '- https://example.com/x'], ['- https://example.com/café (completed 2026-03-19)']],
      [['- https://example.com/a/b', '- https://example.com/x'], ['- https://example.com/a/./b (completed 2026-03-19)']],
      [['- https://example.com/a%7Bb', '- https://example.com/x'], ['- https://example.com/a{b (completed 2026-03-19)']],
      [['- https://example.com', '- https://example.com/x'], ['- HTTPS://example.com/ (completed 2026-03-19)']],
    ] as const) {
      const { result } = both([...todo], [...done], claim(1));
      expect(result).toMatchObject({ claimed: [{ url: 'https://example.com/x' }] });
    }
  });

  it('steals stale claims only when no copy holds a fresh one, and counts what is left', () => {
    const { result } = both(
      [
        '- https://example.com/a (claimed by w0 at 2026-03-18T11:00:00Z)',
        '- https://example.com/a (claimed by w2 at 2026-03-20T11:00:00Z)',
        '- https://example.com/b (note, claimed by w9)',
        '- https://example.com/c',
      ],
      [],
      claim(3, true),
    );
    // a stays held by w2's fresh claim; it still counts as a URL with a stale claim.
    expect(result).toMatchObject({ claimed: [{ url: 'https://example.com/b', stolenFrom: 'w9' }, { url: 'https://example.com/c' }], unclaimed: 0, stale: 1 });
    const plain = both(['- https://example.com/a (claimed by w0 at 2026-03-18T11:00:00Z)', '- https://example.com/b'], [], claim(2));
    expect(plain.result).toMatchObject({ claimed: [{ url: 'https://example.com/b' }], unclaimed: 0, stale: 1 });
  });

  it('matches the full parse on random queues of variant spellings', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const spell = (path: string): string =>
      [`https://example.com${path}`, `https://EXAMPLE.com${path}`, `https://example.com:443${path}`, `https://example.com${path}#f`, `https://example.com${path}/`][random(5)]!;
    const paths = ['/a', '/a/b', '/b', '/ab', '/a/b/c', '/c?x=1', '/c'];
    for (let round = 0; round < 30; round++) {
      const todo = Array.from({ length: 8 }, () => {
        const url = spell(paths[random(paths.length)]!);
        return [`- ${url}`, `- ${url} (claimed by w${random(3)} at 2026-03-${random(2) ? '20T11' : '17T11'}:00:00Z)`, `- ${url} (note)`][random(3)]!;
      });
      const done = Array.from({ length: 3 }, () => `- ${spell(paths[random(paths.length)]!)} (completed 2026-03-19)`);
      both(todo, done, claim(1 + random(4), random(2) === 1));
    }
  });
});

describe('done, release and add by token search', () => {
  it('decide like the full parse for URLs written in other spellings', () => {
    const todo = ['- https://example.com/a (claimed by w1 at 2026-03-20T11:00:00Z)', '- https://Example.com/a#copy', '- https://example.com/b (claimed by w2 at 2026-03-20T11:00:00Z)', '- https://example.com/c'];
    const done = ['- https://example.com:443/d (completed 2026-03-19)'];
    const completed = both(todo, done, (root) => completeUrls(root, config, { urls: ['https://EXAMPLE.com/a', 'https://example.com/d#x', 'https://example.com/e'], agent: 'w1', now }));
    expect(completed.todo).not.toContain('/a');
    expect(completed.done).toContain('- https://example.com/a (completed 2026-03-20, by w1)\n');
    expect(completed.done).toContain('- https://example.com/e (completed 2026-03-20, by w1)\n');
    both(todo, done, (root) => releaseUrls(root, config, { urls: ['https://example.com:443/a', 'https://example.com/b', 'https://example.com/c', 'https://example.com/zz'], all: false, agent: 'w1', force: false }));
    both(todo, done, (root) => releaseUrls(root, config, { urls: [], all: true, agent: 'w1', force: false }));
    const added = both(todo, done, (root) => addUrls(root, config, { urls: ['https://example.com/c#top', 'https://EXAMPLE.com/d', 'https://example.com/a/b', 'https://example.com/'] }));
    expect(added.result).toMatchObject({ added: ['https://example.com/a/b', 'https://example.com/'] });
  });

  it('keeps CRLF line endings and a missing final newline', () => {
    const root = tempDir();
    writeFileSync(join(root, 'urls_todo.md'), '# Pending URLs\r\n\r\n- https://example.com/a\r\n- https://example.com/b');
    writeFileSync(join(root, 'urls_done.md'), '# Completed URLs\r\n\r\n- https://example.com/z (completed 2026-03-19)');
    expect(claimUrls(root, config, { count: 5, agent: 'w1', now, ttlHours: 24, stealStale: false })).toMatchObject({ ok: true });
    expect(readFileSync(join(root, 'urls_todo.md'), 'utf8')).toBe(
      '# Pending URLs\r\n\r\n- https://example.com/a (claimed by w1 at 2026-03-20T12:00:00Z)\r\n- https://example.com/b (claimed by w1 at 2026-03-20T12:00:00Z)',
    );
    completeUrls(root, config, { urls: ['https://example.com/b'], agent: 'w1', now });
    expect(readFileSync(join(root, 'urls_todo.md'), 'utf8')).toBe('# Pending URLs\r\n\r\n- https://example.com/a (claimed by w1 at 2026-03-20T12:00:00Z)\r\n');
    expect(readFileSync(join(root, 'urls_done.md'), 'utf8')).toBe(
      '# Completed URLs\r\n\r\n- https://example.com/z (completed 2026-03-19)\r\n- https://example.com/b (completed 2026-03-20, by w1)\r\n',
    );
  });
});
