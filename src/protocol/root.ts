/**
 * Where a state tree's root is. Kept apart from config.ts (and its schema validator) because
 * `protocol-lint --staged` finds the root before anything else loads, to start git at once.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The configuration file's name. */
export const CONFIG_FILE = '.protocol-lint.json';

/** Finds the root for a directory: nearest config file, else the git work-tree root, else the directory itself. */
export function resolveRoot(startDir: string): string {
  const start = resolve(startDir);
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, CONFIG_FILE))) return dir;
    if (dirname(dir) === dir) break;
  }
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) break;
  }
  return start;
}

/** Whether a directory is a root of its own (holds a config file). */
export function isOwnRoot(dir: string): boolean {
  return existsSync(join(dir, CONFIG_FILE));
}
