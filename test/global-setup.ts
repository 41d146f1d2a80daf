/**
 * The CLI tests run the committed bundles (what a fresh clone runs). Build them first, so
 * the tests exercise the current sources. protocol-lint's code cache (src/cli/cached-bundle.ts)
 * goes to a folder of the test run's own, not the user's ~/.cache.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const cache = mkdtempSync(join(tmpdir(), 'relay-test-cache-'));
  process.env.RELAY_CACHE_DIR = cache;
  if (process.env.RELAY_SKIP_BUILD !== '1') execFileSync('npm', ['run', '--silent', 'build'], { cwd: join(__dirname, '..'), stdio: 'inherit' });
  return () => rmSync(cache, { recursive: true, force: true });
}
