/**
 * The WebAssembly SIMD helpers of src/protocol/byte-source.ts against plain JavaScript:
 * counting line feeds, and spotting bytes that could make a queue unsearchable, at every
 * alignment and across the 64 KiB spans the bytes are copied in by.
 */
import { describe, expect, it } from 'vitest';
import { countNewlines, maySuspect, simdCounter } from '../../src/protocol/byte-source.js';
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

describe('SIMD helpers', () => {
  it('run here (Node has WebAssembly SIMD), so the tests below test them', () => {
    expect(simdCounter()).not.toBeNull();
    expect(maySuspect(Buffer.from('x'))).toBe(false);
  });

  it('count line feeds as a plain loop does, at any offset and length', () => {
    const next = random(3);
    for (let round = 0; round < 60; round++) {
      const bytes = Buffer.alloc(next(200_000) + 1);
      for (let index = 0; index < bytes.length; index++) bytes[index] = next(8) === 0 ? 10 : 97;
      const from = next(Math.min(bytes.length, 70_000));
      const to = from + next(bytes.length - from + 1);
      let expected = 0;
      for (let index = from; index < to; index++) if (bytes[index] === 10) expected++;
      expect(countNewlines(bytes, from, to)).toBe(expected);
    }
  });

  it('spot every byte searchable looks for, anywhere, and nothing in a plain queue', () => {
    expect(maySuspect(QUEUE)).toBe(false);
    expect(searchable(QUEUE)).toBe(true);
    for (const needle of ['`', '~', '<', '%', '\\', '\u00e9', '/.']) {
      for (const at of [0, 15, 16, 17, 65_534, 65_535, 65_536, QUEUE.length - 2]) {
        const bytes = Buffer.from(QUEUE);
        bytes.write(needle, at, 'latin1');
        expect(maySuspect(bytes), `${needle} at ${at}`).toBe(true);
      }
    }
    // "/." across the boundary of two 64 KiB spans.
    const straddling = Buffer.from(QUEUE);
    straddling[65_535] = 0x2f;
    straddling[65_536] = 0x2e;
    expect(maySuspect(straddling)).toBe(true);
    // A "." or a "/" alone is ordinary.
    expect(maySuspect(Buffer.from('- https://example.com/a.b/c\n'))).toBe(false);
  });

  it('leave the verdict to searchable’s own checks when something is spotted', () => {
    expect(searchable(Buffer.from('- https://example.com/a%20b\n'))).toBe(true);
    expect(searchable(Buffer.from('- https://example.com/a/%2e%2e/b\n'))).toBe(false);
    expect(searchable(Buffer.from('```\n- https://example.com/a\n```\n'))).toBe(false);
    expect(searchable(Buffer.from('<!-- a comment -->\n- https://example.com/a\n'))).toBe(true);
  });
});
