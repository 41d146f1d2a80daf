/**
 * Reading all of standard input synchronously. `readFileSync(0)` throws EAGAIN when stdin is a
 * pipe left non-blocking by whoever made it (seen with 104 `relay done -` processes fed by one
 * parent at once): the read is then retried after a short wait, until the writer closes it.
 */
import { readSync } from 'node:fs';
import { debug } from '../debug.js';

/** How long to wait before reading a non-blocking pipe again that had nothing yet. */
const RETRY_MS = 5;

export function readStdinSync(fd = 0): string {
  const chunks: Buffer[] = [];
  const buffer = Buffer.allocUnsafe(64 * 1024);
  let waits = 0;
  for (;;) {
    let count: number;
    try {
      count = readSync(fd, buffer, 0, buffer.length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        if (waits++ === 0) debug('fs', 'stdin is a non-blocking pipe with nothing to read yet: waiting for the writer');
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, RETRY_MS);
        continue;
      }
      // Closed or not there (a detached process): the input ends here.
      if (code === 'EOF' || code === 'EBADF') break;
      throw error;
    }
    if (count === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, count)));
  }
  return Buffer.concat(chunks).toString('utf8');
}
