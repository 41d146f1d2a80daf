/**
 * Temporary state trees on disk for tests.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Writes a tree of files into a fresh temporary directory and returns its path. */
export function writeTree(files: Record<string, string | Buffer>, latin1: Record<string, string> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'relay-test-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  for (const [path, content] of Object.entries(latin1)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), Buffer.from(content, 'latin1'));
  }
  return root;
}

/** Removes a temporary tree. */
export function removeTree(root: string): void {
  rmSync(root, { recursive: true, force: true });
}
