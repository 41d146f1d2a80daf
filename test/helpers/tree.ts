/**
 * Temporary state trees on disk for tests.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { removeFolder, tempDir } from './temp.js';

/** Writes a tree of files into a fresh temporary directory (removed as `tempDir` says) and returns its path. */
export function writeTree(files: Record<string, string | Buffer>, latin1: Record<string, string> = {}): string {
  const root = tempDir('relay-test-');
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

/** Removes a temporary tree now (`writeTree`'s are removed anyway once their test is done). */
export const removeTree = removeFolder;
