/** The runner's progress output: a status line redrawn in place on a terminal, whole event lines otherwise. */
import { describe, expect, it } from 'vitest';
import { duration, Progress, statusLine } from '../../src/run/progress.js';

const counts = { running: 3, succeeded: 5, failed: 1, left: 12, costUsd: 0.4712, elapsedMs: 370_000, etaMs: 840_000 };

describe('Progress', () => {
  it('on a terminal: each event clears the status line, prints the event whole, and draws the status line again, in one write', () => {
    const writes: string[] = [];
    const progress = new Progress((text) => writes.push(text), true);
    progress.status(counts);
    progress.event('relay run: succeeded writer-a1b2c3-2 in 41s');
    progress.event('relay run: failed writer-a1b2c3-3 (attempt 1)');
    progress.end();
    const line = 'relay run: running 3 · done 5 · failed 1 · left 12 · $0.47 est. · 6m10s · ETA 14m00s';
    expect(writes).toEqual([
      `\r\x1b[K${line}`,
      `\r\x1b[Krelay run: succeeded writer-a1b2c3-2 in 41s\n${line}`,
      `\r\x1b[Krelay run: failed writer-a1b2c3-3 (attempt 1)\n${line}`,
      '\r\x1b[K',
    ]);
  });

  it('otherwise: plain event lines only, no status line and no escapes', () => {
    const writes: string[] = [];
    const progress = new Progress((text) => writes.push(text), false);
    progress.status(counts);
    progress.event('relay run: launched writer-a1b2c3-4');
    progress.end();
    expect(writes).toEqual(['relay run: launched writer-a1b2c3-4\n']);
  });

  it('formats durations and leaves out what is not known', () => {
    expect([duration(42_000), duration(185_000), duration(3_720_000)]).toEqual(['42s', '3m05s', '1h02m']);
    expect(statusLine({ running: 0, succeeded: 0, failed: 0, costUsd: 0, elapsedMs: 1000 })).toBe('relay run: running 0 · done 0 · failed 0 · $0.00 est. · 1s');
  });
});
