/**
 * The CLI tests run the committed bundles (what a fresh clone runs). Build them first, so
 * the tests exercise the current sources.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function setup(): void {
  if (process.env.RELAY_SKIP_BUILD !== '1') execFileSync('npm', ['run', '--silent', 'build'], { cwd: join(__dirname, '..'), stdio: 'inherit' });
}
