/**
 * The CLI tests run the committed bundles (what a fresh clone runs). Build them first, so
 * the tests exercise the current sources. The run gets a temporary folder of its own: `TMPDIR`
 * names it for every worker and every process they start, so what the tests (and the relay
 * processes they run) make in the temporary folder goes with it at the end, whatever a test
 * forgot.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const run = mkdtempSync(join(tmpdir(), 'relay-test-run-'));
  // Open like /tmp itself: some tests run relay as an unprivileged user, in folders made here.
  chmodSync(run, 0o1777);
  process.env.TMPDIR = run;
  const remove = (): void => rmSync(run, { recursive: true, force: true, maxRetries: 3 });
  try {
    if (process.env.RELAY_SKIP_BUILD !== '1') execFileSync('npm', ['run', '--silent', 'build'], { cwd: join(__dirname, '..'), stdio: 'inherit' });
  } catch (error) {
    remove();
    throw error;
  }
  return remove;
}
