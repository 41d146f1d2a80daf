/**
 * The briefing's queue counts: items are `- ` lines outside fences and HTML comments. The
 * byte scan for files with fences or comments is checked against the line-by-line reading it
 * replaced (decode each line, match it), on hand-written and generated queues.
 */
import { describe, expect, it } from 'vitest';
import { queueSummary } from '../../src/brief/queue-summary.js';

/** The reading the byte scan must agree with: each line decoded and matched as a string. */
function referenceItems(text: string): number {
  let count = 0;
  let fence: string | undefined;
  let inComment = false;
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (inComment) {
      if (line.includes('-->')) inComment = false;
      continue;
    }
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker !== undefined) {
      if (fence === undefined) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
    } else if (fence === undefined) {
      if (line.startsWith('<!--')) inComment = !line.includes('-->');
      else if (line.startsWith('- ') && line.length > 2) count++;
    }
  }
  return count;
}

const count = (text: string) => queueSummary(Buffer.from(text), undefined).pending;

describe('queue items in files with fences or comments', () => {
  it('skips items inside comments and fences, and counts the rest', () => {
    const text = [
      '# Pending URLs',
      '- https://example.com/a',
      '<!-- batch 2 -->',
      '- https://example.com/b',
      '<!--',
      '- https://example.com/hidden',
      '-->',
      '  ```',
      '- https://example.com/fenced',
      '~~~',
      '- https://example.com/still-fenced',
      '````',
      '- https://example.com/c',
      '<!-->',
      '- https://example.com/d\r',
      '- ',
      '-',
    ].join('\n');
    expect(count(text)).toBe(4);
    expect(count(text)).toBe(referenceItems(text));
  });

  it('agrees with the line-by-line reading on generated queues', () => {
    const pieces = ['- https://example.com/x', '<!-- c -->', '<!--', '-->', 'a --> b', '```', '````', '~~~', '   ```', '    ```', '- ', '-x', '<!-- a', 'text', '', '- é', '- item\r', '<!-->'];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 300; round++) {
      const lines = Array.from({ length: 1 + Math.floor(random() * 30) }, () => pieces[Math.floor(random() * pieces.length)]!);
      const text = lines.join(random() < 0.5 ? '\n' : '\r\n');
      expect([text, count(text)]).toEqual([text, referenceItems(text)]);
    }
  });
});
