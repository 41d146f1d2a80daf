/**
 * Temporary folders that remove themselves. The whole run also has one temporary folder of its
 * own (`TMPDIR`, set by test/global-setup.ts and removed at its end), so what a test leaves
 * behind never reaches the machine's; this keeps one test file's leftovers from piling up
 * during the run, and makes "tests clean up what they create" the default.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, onTestFinished } from 'vitest';

/** Folders made outside a test (a `beforeAll`, a describe body, a module's top level), removed after the file's tests. */
const fileFolders: string[] = [];

// Registered when a test file first imports this module, which is how vitest allows it: an
// `afterAll` registered later, from inside a `beforeAll`, would never run.
afterAll(() => {
  for (const folder of fileFolders.splice(0)) removeFolder(folder);
});

/** A fresh temporary folder, removed when the test that made it finishes (after the test file, when made outside a test). */
export function tempDir(prefix = 'relay-test-'): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  try {
    onTestFinished(() => removeFolder(folder));
  } catch {
    // Not inside a test: vitest says so by throwing.
    fileFolders.push(folder);
  }
  return folder;
}

/** Removes a temporary folder and everything in it. */
export function removeFolder(folder: string): void {
  rmSync(folder, { recursive: true, force: true, maxRetries: 3 });
}
