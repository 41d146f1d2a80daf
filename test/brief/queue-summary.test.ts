/**
 * The briefing's queue counts: items are `- ` lines outside fences and HTML comments. The
 * byte scan for files with fences or comments is checked against the line-by-line reading it
 * replaced (decode each line, match it), on hand-written and generated queues.
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { countQueueBytes, countQueueFile, type QueueCount } from '../../src/brief/queue-summary.js';

const scratch = mkdtempSync(join(tmpdir(), 'relay-queue-count-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Counts `text` as the briefing counts a queue file: written to disk, read through a buffer of `bufferBytes`. */
function countFile(text: string, bufferBytes?: number, claims = true): QueueCount {
  const path = join(scratch, 'queue.md');
  writeFileSync(path, text);
  const fd = openSync(path, 'r');
  try {
    return countQueueFile(fd, { claims, hash: true, bufferBytes });
  } finally {
    closeSync(fd);
  }
}

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

/** The count of items, in memory; the same from a file read through small buffers (every line split across reads). */
function count(text: string): number {
  const items = countQueueBytes(Buffer.from(text), true).items;
  for (const bufferBytes of [3, 7, 64]) expect([text, bufferBytes, countFile(text, bufferBytes).items]).toEqual([text, bufferBytes, items]);
  return items;
}

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

describe('queue files read a stretch at a time', () => {
  it('counts claims, finds the next free URLs and hashes the bytes alike whatever the buffer', () => {
    const lines = ['# Pending URLs', ''];
    for (let index = 0; index < 400; index++) {
      const claim = index % 3 === 0 ? ` (claimed by writer-${index} at 2026-11-30T10:00:00Z)` : '';
      lines.push(index === 5 ? '- not-a-url' : `- https://example.com/page-${index}${'x'.repeat(index % 97)}${claim}`);
      if (index === 200) lines.push('<!--', '- https://example.com/hidden (claimed by nobody)', '-->', '```', '- https://example.com/fenced', '```');
    }
    const text = lines.join('\n');
    const whole = countQueueBytes(Buffer.from(text), true);
    expect(whole.items).toBe(400);
    expect(whole.claimed).toBe(134);
    expect(whole.next).toEqual(['https://example.com/page-1x', 'https://example.com/page-2xx', 'https://example.com/page-4xxxx', 'https://example.com/page-7xxxxxxx', 'https://example.com/page-8xxxxxxxx']);
    expect(whole.invalidSkipped).toBe(1);
    const sha256 = createHash('sha256').update(text).digest('hex');
    for (const bufferBytes of [5, 64, 1000, 4096, undefined]) {
      expect(countFile(text, bufferBytes)).toEqual({ ...whole, sha256 });
      expect(countFile(`${text}\n`, bufferBytes).items).toBe(400);
    }
    // The done queue: items only, no claims looked for.
    expect(countFile(text, 64, false)).toMatchObject({ items: 400, claimed: 0, next: [] });
  });

  it('reads an empty file and one with no newline', () => {
    expect(countFile('')).toMatchObject({ items: 0, sha256: createHash('sha256').update('').digest('hex') });
    expect(countFile('- https://example.com/only', 4)).toMatchObject({ items: 1, next: ['https://example.com/only'] });
  });
});
