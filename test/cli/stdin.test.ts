/**
 * URLs read from standard input (`relay done … -`) arrive even when stdin is a pipe left
 * non-blocking and still empty when relay first reads it: `readFileSync(0)` threw EAGAIN there
 * ("internal error"), seen with 104 `relay done -` processes fed at once by one parent. The pipe
 * is made non-blocking by python3 (fcntl) before it execs relay; the URL is written 1.5 s later, well after relay first reads.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTree } from '../helpers/tree.js';

const RELAY = resolve(__dirname, '../../bin/relay');
const NONBLOCKING = 'import fcntl, os, sys; fcntl.fcntl(0, fcntl.F_SETFL, fcntl.fcntl(0, fcntl.F_GETFL) | os.O_NONBLOCK); os.execvp(sys.argv[1], sys.argv[1:])';

describe('stdin', () => {
  it('reads URLs from a non-blocking pipe that is empty at first', async () => {
    const at = new Date(Date.now() - 60_000).toISOString().slice(0, 19) + 'Z';
    const root = writeTree({
      '.protocol-lint.json': '{}\n',
      'urls_todo.md': `# Pending URLs\n- https://example.com/a (claimed by writer-1 at ${at})\n`,
      'urls_done.md': '# Completed URLs\n',
    });
    const child = spawn('python3', ['-c', NONBLOCKING, process.execPath, RELAY, 'done', '--agent', 'writer-1', '-'], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    setTimeout(() => child.stdin.end('https://example.com/a\n'), 1500);
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(readFileSync(join(root, 'urls_done.md'), 'utf8')).toContain('- https://example.com/a (completed ');
  });
});
