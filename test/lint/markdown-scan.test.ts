/**
 * The Markdown scan's shortcuts (one native split for the lines, one test for plain prose)
 * give what the line-by-line reading gives: checked against the scan with the shortcut off,
 * on generated documents mixing prose with every construct the scan looks for.
 */
import { describe, expect, it } from 'vitest';
import { scanMarkdown, splitLines } from '../../src/protocol/markdown.js';
import { lineContent, splitSegments } from '../../src/protocol/queue.js';

const PIECES = [
  'Plain prose line with words.',
  'Prose with a [link](../plan/task-001.md) in it.',
  'Prose that sets src="images/a.png" without a tag.',
  'Prose with `code [x](y)` spans.',
  'Heading text',
  '===',
  '---',
  '# Heading',
  '   ## Indented heading ##',
  '```',
  '~~~~',
  '<!-- comment',
  'still comment -->',
  '<!-- one line -->',
  '<<<<<<< ours',
  '=======',
  '>>>>>>> theirs',
  '[ref]: https://example.com',
  'Prose [ref] use.',
  'Prose with <a href="x.md">a tag</a>.',
  '    indented code',
  '',
  'Émile starts with a non-ASCII letter [x](z.md).',
  'ends with cr\r',
];

describe('markdown scan', () => {
  it('splits lines as splitSegments and lineContent do', () => {
    for (const text of ['', '\n', 'a', 'a\n', 'a\r\nb', 'a\r\n\r\nb\r\n', 'a\rb\n', '\n\nx', 'x\r']) {
      expect([text, splitLines(text)]).toEqual([text, splitSegments(text).map(lineContent)]);
    }
  });

  it('finds the same headings, links and markers with the prose shortcut as without', () => {
    let seed = 11;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 300; round++) {
      const lines = Array.from({ length: 1 + Math.floor(random() * 40) }, () => PIECES[Math.floor(random() * PIECES.length)]!);
      const text = lines.join(random() < 0.7 ? '\n' : '\r\n');
      expect([text, scanMarkdown(text, 3)]).toEqual([text, scanMarkdown(text, 3, { shortcut: false })]);
    }
  });
});
