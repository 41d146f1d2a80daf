/**
 * Focused runs (the PostToolUse hook and `--staged`) say what a full run says about the changed
 * lines and every line whose answer the change affects; where they cannot be sure, they lint the
 * queues whole. The seeded differential test (differential.test.ts) checks this on thousands of
 * edits; these are the cases worth naming.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/protocol/config.js';
import { lint } from '../../src/lint/engine.js';
import { changedRegion } from '../../src/lint/focus.js';
import { removeTree, writeTree } from '../helpers/tree.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) removeTree(root);
});

function messages(results: Awaited<ReturnType<typeof lint>>['results']): string[] {
  return results.flatMap((result) => result.messages.map((message) => `${result.filePath}:${message.line} ${message.ruleId}`));
}

const now = new Date('2026-03-20T00:00:00Z');

/** The full and the focused messages after `before` became `files[path]`. */
async function both(files: Record<string, string>, path: string, before: string) {
  const root = writeTree(files);
  roots.push(root);
  const full = messages((await lint({ root, config: defaultConfig(), targets: [path], now })).results);
  const focused = messages((await lint({ root, config: defaultConfig(), targets: [path], now, previous: new Map([[path, before]]) })).results);
  return { full, focused };
}

const without = (text: string, line: number) => text.split('\n').filter((_, index) => index !== line - 1).join('\n');

describe('focus', () => {
  const todo = ['# Pending URLs', '- https://example.com/a', '- https://example.com/b', '- https://example.com/c', '- https://example.com/a', ''].join('\n');
  const done = ['# Completed URLs', '- https://example.com/x (completed 2026-03-19)', ''].join('\n');

  it('reports the second copy of a URL whichever copy the change added', async () => {
    for (const line of [2, 5]) {
      const { full, focused } = await both({ 'urls_todo.md': todo, 'urls_done.md': done }, 'urls_todo.md', without(todo, line));
      expect(full).toEqual(['urls_todo.md:5 queue-duplicate']);
      expect(focused).toEqual(full);
    }
  });

  it('reads nothing of a line the change did not touch and whose URL it does not hold', async () => {
    // Line 4 is a new line; the duplicate pair on lines 2 and 5 is an earlier problem elsewhere.
    const { focused } = await both({ 'urls_todo.md': todo, 'urls_done.md': done }, 'urls_todo.md', without(todo, 4));
    expect(focused).toEqual([]);
  });

  it('checks a done line the change added against the pending queue', async () => {
    const after = done + '- https://example.com/b (completed 2026-03-19)\n';
    const { full, focused } = await both({ 'urls_todo.md': todo, 'urls_done.md': after }, 'urls_done.md', done);
    expect(full).toContain('urls_todo.md:3 queue-overlap');
    expect(focused).toEqual(['urls_todo.md:3 queue-overlap']);
  });

  it('finds twins spelled otherwise: host case, port, fragment, dot segments, non-ASCII', async () => {
    const after = '# Pending URLs\n- https://example.com/caf%C3%A9\n- https://example.com/d/e\n';
    const doneText = '# Completed URLs\n- https://example.com/café (completed 2026-03-19)\n- HTTPS://Example.com:443/d/./x/../e#top (completed 2026-03-19)\n';
    const { full, focused } = await both({ 'urls_todo.md': after, 'urls_done.md': doneText }, 'urls_todo.md', '# Pending URLs\n');
    expect(full).toEqual(['urls_todo.md:2 queue-overlap', 'urls_todo.md:3 queue-overlap']);
    expect(focused).toEqual(full);
  });

  it('numbers twins far from the change as a full run does', async () => {
    const items = (prefix: string, count: number, suffix = '') => Array.from({ length: count }, (_, index) => `- https://example.com/${prefix}/${index}${suffix}`);
    const todoLines = ['# Pending URLs', ...items('todo', 20_000)];
    todoLines.splice(15_000, 0, '- https://example.com/todo/1');
    const doneLines = ['# Completed URLs', ...items('done', 20_000, ' (completed 2026-03-19)')];
    doneLines.splice(17_000, 0, '- https://example.com/todo/1 (completed 2026-03-19)');
    const after = todoLines.join('\n') + '\n';
    const { full, focused } = await both({ 'urls_todo.md': after, 'urls_done.md': doneLines.join('\n') + '\n' }, 'urls_todo.md', without(after, 3));
    expect(full).toEqual(['urls_todo.md:3 queue-overlap', 'urls_todo.md:15001 queue-duplicate', 'urls_todo.md:15001 queue-overlap']);
    expect(focused).toEqual(full);
  });

  it('reads the queues whole around a disable comment, so a disabled problem is not reported', async () => {
    const after = '# Pending URLs\n<!-- protocol-lint-disable queue-duplicate -->\n- https://example.com/a\n- https://example.com/a\n';
    const { full, focused } = await both({ 'urls_todo.md': after }, 'urls_todo.md', without(after, 4));
    expect(full).toEqual([]);
    expect(focused).toEqual([]);
  });

  it('reads the queues whole when the change only removed a disable comment', async () => {
    const before = '# Pending URLs\n<!-- protocol-lint-disable queue-duplicate -->\n- https://example.com/a\n- https://example.com/a\n';
    const { full, focused } = await both({ 'urls_todo.md': without(before, 2) }, 'urls_todo.md', before);
    expect(full).toEqual(['urls_todo.md:3 queue-duplicate']);
    expect(focused).toEqual(full);
  });

  it('reads the queues whole when the change opens a fence', async () => {
    const after = '# Pending URLs\n```\n- https://example.com/a\n```\n- https://example.com/a\n- not a url\n';
    const { full, focused } = await both({ 'urls_todo.md': after }, 'urls_todo.md', without(without(after, 4), 2));
    expect(full).toEqual(['urls_todo.md:6 queue-item-syntax']);
    expect(focused).toEqual(full);
  });
});

describe('changedRegion', () => {
  it('widens the change to whole lines in both copies', () => {
    expect(changedRegion('A\nB\n', 'A\nX\nB\n')).toEqual({ from: 2, afterEnd: 4, beforeEnd: 2 });
    expect(changedRegion('A\nX\nB\n', 'A\nB\n')).toEqual({ from: 2, afterEnd: 2, beforeEnd: 4 });
    expect(changedRegion('- a\n', '- ab\n')).toEqual({ from: 0, afterEnd: 5, beforeEnd: 4 });
    expect(changedRegion('- a', '- ab')).toEqual({ from: 0, afterEnd: 4, beforeEnd: 3 });
    expect(changedRegion('same\n', 'same\n')).toBeUndefined();
    const long = 'x'.repeat(10_000);
    expect(changedRegion(`${long}\nA\n${long}\n`, `${long}\nB\n${long}\n`)).toEqual({ from: 10_001, afterEnd: 10_003, beforeEnd: 10_003 });
  });
});

describe('changedRegion on random texts', () => {
  it('gives whole lines whose replacement turns one text into the other', () => {
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
    const line = () => ['- a', '- b', '- ab', 'x', '', '- a\r'][random(6)]!;
    for (let round = 0; round < 2000; round++) {
      const lines = Array.from({ length: random(6) }, line);
      const before = lines.join('\n') + (random(2) ? '\n' : '');
      const changed = [...lines];
      const at = random(changed.length + 1);
      if (random(2)) changed.splice(at, random(2), ...Array.from({ length: random(3) }, line));
      else changed[at] = (changed[at] ?? '') + ['', 'b', '- a'][random(3)];
      const after = changed.join('\n') + (random(2) ? '\n' : '');
      const region = changedRegion(before, after);
      if (region === undefined) {
        expect(after).toBe(before);
        continue;
      }
      const { from, afterEnd, beforeEnd } = region;
      expect(before.slice(0, from) + after.slice(from, afterEnd) + before.slice(beforeEnd)).toBe(after);
      for (const [text, at] of [[before, from], [after, from], [before, beforeEnd], [after, afterEnd]] as const) {
        expect(at === 0 || at === text.length || text[at - 1] === '\n').toBe(true);
      }
    }
  });
});
