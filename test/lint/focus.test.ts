/**
 * Focused runs (the PostToolUse fast path) say what a full run says about the edited lines.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/protocol/config.js';
import { lint } from '../../src/lint/engine.js';
import { removeTree, writeTree } from '../helpers/tree.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) removeTree(root);
});

function messages(results: Awaited<ReturnType<typeof lint>>['results']): string[] {
  return results.flatMap((result) => result.messages.map((message) => `${result.filePath}:${message.line} ${message.ruleId}`));
}

describe('focus', () => {
  const todo = [
    '# Pending URLs',
    '- https://example.com/a',
    '- https://example.com/b',
    '- HTTPS://EXAMPLE.com:443/c#x',
    '* https://example.com/d',
    '- https://example.com/e/',
    '- https://example.com/a',
    '- https://example.com/zz (claimed by w at 2020-01-01T00:00:00Z)',
  ].join('\n') + '\n';
  const done = ['# Completed URLs', '- https://example.com/c (completed 2026-03-19)', '- https://example.com/e (completed 2026-03-19)', '- https://example.com/b (completed 2026-03-19)'].join('\n') + '\n';

  it('reports the same problems on focused lines as a full run, and none elsewhere', async () => {
    const root = writeTree({ 'urls_todo.md': todo, 'urls_done.md': done });
    roots.push(root);
    const now = new Date('2026-03-20T00:00:00Z');
    const full = messages((await lint({ root, config: defaultConfig(), targets: ['urls_todo.md'], now })).results);
    for (const line of [2, 3, 4, 5, 6, 7, 8]) {
      const focused = messages((await lint({ root, config: defaultConfig(), targets: ['urls_todo.md'], now, focus: { 'urls_todo.md': [line] } })).results);
      const expected = full.filter((message) => message.startsWith(`urls_todo.md:${line} `));
      // A duplicate is reported on the later line; focusing the first copy finds the second.
      if (line === 2) expect(focused).toEqual(full.filter((message) => message.startsWith('urls_todo.md:7 ')));
      else expect(focused).toEqual(expected);
    }
    expect(full).toEqual([
      'urls_todo.md:3 queue-overlap',
      'urls_todo.md:4 queue-overlap',
      'urls_todo.md:5 queue-item-syntax',
      'urls_todo.md:6 queue-overlap',
      'urls_todo.md:7 queue-duplicate',
      'urls_todo.md:8 queue-stale-claim',
    ]);
  });

  it('checks an edited done line against the pending queue', async () => {
    const root = writeTree({ 'urls_todo.md': todo, 'urls_done.md': done });
    roots.push(root);
    const focused = messages((await lint({ root, config: defaultConfig(), targets: ['urls_done.md'], focus: { 'urls_done.md': [4] } })).results);
    expect(focused).toEqual(['urls_todo.md:3 queue-overlap']);
  });

  it('falls back to the whole files when a byte search could miss a twin', async () => {
    // `café` and `caf%C3%A9` are the same URL to the parser, but not the same bytes.
    const root = writeTree({
      'urls_todo.md': '# Pending URLs\n- https://example.com/caf%C3%A9\n- https://example.com/other\n',
      'urls_done.md': '# Completed URLs\n- https://example.com/café (completed 2026-03-19)\n',
    });
    roots.push(root);
    const focused = messages((await lint({ root, config: defaultConfig(), targets: ['urls_todo.md'], focus: { 'urls_todo.md': [3] } })).results);
    expect(focused).toEqual(['urls_todo.md:2 queue-overlap']);
  });

  it('numbers twins found chunks away from the edit as a full run does', async () => {
    // Queues of several 256 KB chunks; the twins of line 3 lie far down both files.
    const items = (prefix: string, count: number, suffix = '') => Array.from({ length: count }, (_, index) => `- https://example.com/${prefix}/${index}${suffix}`);
    const todoLines = ['# Pending URLs', ...items('todo', 20_000)];
    todoLines.splice(15_000, 0, '- https://example.com/todo/1');
    const doneLines = ['# Completed URLs', ...items('done', 20_000, ' (completed 2026-03-19)')];
    doneLines.splice(17_000, 0, '- https://example.com/todo/1 (completed 2026-03-19)');
    const root = writeTree({ 'urls_todo.md': todoLines.join('\n') + '\n', 'urls_done.md': doneLines.join('\n') + '\n' });
    roots.push(root);
    const now = new Date('2026-03-20T00:00:00Z');
    const full = messages((await lint({ root, config: defaultConfig(), targets: ['urls_todo.md', 'urls_done.md'], now })).results);
    expect(full).toEqual(['urls_todo.md:3 queue-overlap', 'urls_todo.md:15001 queue-duplicate', 'urls_todo.md:15001 queue-overlap']);
    const focused = messages((await lint({ root, config: defaultConfig(), targets: ['urls_todo.md'], now, focus: { 'urls_todo.md': [3] } })).results);
    expect(focused).toEqual(full);
  });

  it('finds the twin of an item appended to a long done queue, whose own line is not counted', async () => {
    const items = (prefix: string, count: number, suffix = '') => Array.from({ length: count }, (_, index) => `- https://example.com/${prefix}/${index}${suffix}`);
    const todoLines = ['# Pending URLs', ...items('todo', 20_000)];
    const doneLines = ['# Completed URLs', ...items('done', 20_000, ' (completed 2026-03-19)'), '- https://example.com/todo/7 (completed 2026-03-19)'];
    const root = writeTree({ 'urls_todo.md': todoLines.join('\n') + '\n', 'urls_done.md': doneLines.join('\n') + '\n' });
    roots.push(root);
    const now = new Date('2026-03-20T00:00:00Z');
    const full = messages((await lint({ root, config: defaultConfig(), targets: ['urls_todo.md', 'urls_done.md'], now })).results);
    expect(full).toEqual(['urls_todo.md:9 queue-overlap']);
    const last = doneLines.length;
    const focused = messages((await lint({ root, config: defaultConfig(), targets: ['urls_done.md'], now, focus: { 'urls_done.md': [last] } })).results);
    expect(focused).toEqual(full);
  });
});
