/**
 * What a run shows while it goes: on a terminal, one status line redrawn in place (running /
 * done / failed sessions, queue left, cost, elapsed, ETA) with event lines scrolling above it;
 * otherwise plain event lines only. Everything goes through one writer as whole lines, so
 * many sessions ending at once never interleave.
 */

/** The numbers of the status line. */
export interface ProgressCounts {
  running: number;
  succeeded: number;
  failed: number;
  /** Work not started yet (pending URLs, or wave sessions), when known. */
  left?: number;
  costUsd: number;
  elapsedMs: number;
  /** Estimated time to the end, when it can be estimated. */
  etaMs?: number;
}

/** Formats milliseconds as `1h02m`, `3m05s` or `42s`. */
export function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
  if (seconds >= 60) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${seconds}s`;
}

/** The status line's text. */
export function statusLine(counts: ProgressCounts): string {
  const parts = [`running ${counts.running}`, `done ${counts.succeeded}`, `failed ${counts.failed}`];
  if (counts.left !== undefined) parts.push(`left ${counts.left}`);
  parts.push(`$${counts.costUsd.toFixed(2)} est.`, duration(counts.elapsedMs));
  if (counts.etaMs !== undefined) parts.push(`ETA ${duration(counts.etaMs)}`);
  return `relay run: ${parts.join(' · ')}`;
}

/** The progress writer of one run. */
export class Progress {
  private shown = '';

  constructor(
    private readonly write: (text: string) => void,
    private readonly terminal: boolean,
  ) {}

  /** One event line (`launched …`, `failed …`). */
  event(line: string): void {
    if (!this.terminal) {
      this.write(`${line}\n`);
      return;
    }
    // Clear the status line, print the event, draw the status line again: one write.
    this.write(`\r\x1b[K${line}\n${this.shown}`);
  }

  /** Redraws the status line (a terminal only). */
  status(counts: ProgressCounts): void {
    if (!this.terminal) return;
    const line = statusLine(counts);
    const width = process.stderr.columns ?? 0;
    this.shown = width > 10 && line.length >= width ? `${line.slice(0, width - 2)}…` : line;
    this.write(`\r\x1b[K${this.shown}`);
  }

  /** Leaves the terminal on a fresh line. */
  end(): void {
    if (this.terminal && this.shown !== '') this.write('\r\x1b[K');
    this.shown = '';
  }
}
