/**
 * A lock holder for the lock tests, built into its own bundle and run as a real process:
 * `node lock-holder.mjs ROOT MODE`. It takes the queue lock, prints `held`, and keeps the lock
 * until `ROOT/go` exists. MODE `hold` then just releases; MODE `claim` has already read
 * urls_todo.md and decided to claim its first unclaimed URL (as `relay claim` does, before it
 * writes), and after `go` writes that claim and prints the URL. Pausing it (SIGSTOP) while it
 * waits is a holder paused between its read and its write.
 */
import { existsSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/state/atomic.js';
import { withLock } from '../../src/state/lock.js';

const [root, mode] = process.argv.slice(2) as [string, 'hold' | 'claim'];
const todo = join(root, 'urls_todo.md');
const cell = new Int32Array(new SharedArrayBuffer(4));

const result = withLock(root, 'queue', () => {
  let text = '';
  let url: string | undefined;
  if (mode === 'claim') {
    const lines = readFileSync(todo, 'utf8').split('\n');
    const index = lines.findIndex((line) => line.startsWith('- ') && !line.includes('(claimed'));
    url = lines[index]!.slice(2);
    lines[index] = `- ${url} (claimed by paused at 2026-01-01T00:00:00Z)`;
    text = lines.join('\n');
  }
  writeSync(1, 'held\n');
  while (!existsSync(join(root, 'go'))) Atomics.wait(cell, 0, 0, 20);
  if (url !== undefined) {
    writeFileAtomic(todo, text);
    writeSync(1, `${url}\n`);
  }
});
if (!result.ok) {
  writeSync(2, `relay: ${result.error}\n`);
  process.exitCode = 1;
}
