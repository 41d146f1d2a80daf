/**
 * The one newline counter (src/protocol/byte-source.ts) against a plain loop, over Buffers at
 * any range and over strings; and `searchable`'s verdicts on the bytes it looks for.
 */
import { describe, expect, it } from 'vitest';
import { countNewlines } from '../../src/protocol/byte-source.js';
import { searchable } from '../../src/protocol/queue-search.js';

/** A small deterministic generator, so a failure can be reproduced. */
function random(seed: number) {
  let state = seed;
  return (below: number) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % below;
  };
}

const QUEUE = Buffer.from('- https://example.com/guides/a-b (completed 2026-01-01)\n'.repeat(3000), 'latin1');

describe('countNewlines', () => {
  it('counts line feeds as a plain loop does, at any offset and length', () => {
    const next = random(3);
    for (let round = 0; round < 60; round++) {
      const bytes = Buffer.alloc(next(20_000) + 1);
      for (let index = 0; index < bytes.length; index++) bytes[index] = next(8) === 0 ? 10 : 97;
      const from = next(bytes.length);
      const to = from + next(bytes.length - from + 1);
      let expected = 0;
      for (let index = from; index < to; index++) if (bytes[index] === 10) expected++;
      expect(countNewlines(bytes, from, to)).toBe(expected);
    }
  });

  it('counts the line feeds of a string, and none in an empty range', () => {
    expect(countNewlines('a\nb\n\nc')).toBe(3);
    expect(countNewlines('é\n€\n')).toBe(2);
    expect(countNewlines('no line feed')).toBe(0);
    expect(countNewlines(QUEUE)).toBe(3000);
    expect(countNewlines(QUEUE, 10, 10)).toBe(0);
  });
});

describe('searchable', () => {
  it('vouches for a plain queue, and leaves the rest to its own checks', () => {
    expect(searchable(QUEUE)).toBe(true);
    expect(searchable(Buffer.from('- https://example.com/a%20b\n'))).toBe(true);
    expect(searchable(Buffer.from('- https://example.com/a/%2e%2e/b\n'))).toBe(false);
    expect(searchable(Buffer.from('- https://example.com/a/./b\n'))).toBe(false);
    expect(searchable(Buffer.from('- https://example.com/caf\u00e9\n'))).toBe(false);
    expect(searchable(Buffer.from('```\n- https://example.com/a\n```\n'))).toBe(false);
    expect(searchable(Buffer.from('<!-- a comment -->\n- https://example.com/a\n'))).toBe(true);
  });
});
