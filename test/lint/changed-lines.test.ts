/**
 * Changed lines computed in chunks (files read through small buffers) agree with a plain
 * byte-by-byte computation, for changes anywhere, including across chunk boundaries.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { changedLines, changedLinesOf } from '../../src/lint/changed-lines.js';
import { FileSource } from '../../src/protocol/byte-source.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The reference: shared prefix and suffix byte by byte, then the whole lines between, with their text. */
function naive(previous: Buffer, current: Buffer): { lines: number[]; identical: boolean; texts?: Map<number, string> } {
  if (previous.equals(current)) return { lines: [], identical: true };
  let prefix = 0;
  while (prefix < previous.length && prefix < current.length && previous[prefix] === current[prefix]) prefix++;
  let suffix = 0;
  const limit = Math.min(previous.length, current.length) - prefix;
  while (suffix < limit && previous[previous.length - 1 - suffix] === current[current.length - 1 - suffix]) suffix++;
  const end = current.length - suffix;
  if (end <= prefix) return { lines: [], identical: false };
  const lineOf = (offset: number) => 1 + [...current.subarray(0, offset)].filter((byte) => byte === 10).length;
  const first = lineOf(prefix);
  const last = lineOf(Math.max(prefix, end - 1));
  const lines = Array.from({ length: last - first + 1 }, (_, index) => first + index);
  const all = current.toString('latin1').split(/(?<=\n)/);
  return { lines, identical: false, texts: new Map(lines.map((line) => [line, all[line - 1]!])) };
}

/** A small deterministic generator, so a failure can be reproduced. */
function random(seed: number) {
  let state = seed;
  return (below: number) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % below;
  };
}

describe('changed lines in chunks', () => {
  it('agrees with a byte-by-byte comparison for edits anywhere in a 300 KB queue', () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-changed-'));
    dirs.push(dir);
    const lines = Array.from({ length: 6000 }, (_, index) => `- https://example.com/article-${index}`);
    const base = Buffer.from(lines.join('\n') + '\n');
    const next = random(7);
    for (let round = 0; round < 60; round++) {
      // Replace, insert or remove a few bytes at a spot that often sits on a 64 KiB boundary.
      const at = round % 3 === 0 ? 65_536 * (1 + next(4)) - next(3) : next(base.length);
      const removed = next(3) === 0 ? 0 : next(40);
      const added = next(3) === 0 ? '' : ` (claimed by w-${round} at 2026-03-20T00:00:00Z)\n- https://example.com/new-${round}`.slice(0, next(60));
      const current = Buffer.concat([base.subarray(0, at), Buffer.from(added), base.subarray(Math.min(base.length, at + removed))]);
      const expected = naive(base, current);
      expect(changedLines(base, current, 1_000_000)).toEqual(expected);
      writeFileSync(join(dir, 'old'), base);
      writeFileSync(join(dir, 'new'), current);
      const previous = FileSource.open(join(dir, 'old'))!;
      const now = FileSource.open(join(dir, 'new'))!;
      try {
        expect(changedLinesOf(previous, now, 1_000_000)).toEqual(expected);
      } finally {
        previous.close();
        now.close();
      }
    }
  });

  it('says identical, only removed, and too many lines', () => {
    const text = Buffer.from('a\nb\nc\n');
    expect(changedLines(text, Buffer.from(text))).toEqual({ lines: [], identical: true });
    expect(changedLines(text, Buffer.from('a\nc\n'))).toEqual({ lines: [], identical: false });
    expect(changedLines(text, Buffer.from('a\nB\nC\n'), 1)).toEqual({ lines: undefined, identical: false });
    expect(changedLines(Buffer.alloc(0), text)).toEqual({ lines: [1, 2, 3], identical: false, texts: new Map([[1, 'a\n'], [2, 'b\n'], [3, 'c\n']]) });
    // The last line without a line ending; a region longer than the text limit comes without text.
    expect(changedLines(text, Buffer.from('a\nb\nc\nd'))).toEqual({ lines: [4], identical: false, texts: new Map([[4, 'd']]) });
    const long = Buffer.from('- https://example.com/' + 'x'.repeat(70_000) + '\n');
    expect(changedLines(text, Buffer.concat([text, long]))).toEqual({ lines: [4], identical: false });
  });
});
