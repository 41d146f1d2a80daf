/**
 * Where a state tree's root is, and its config file's JSON. Kept apart from config.ts (and its
 * schema validator) because `protocol-lint --staged` finds the root before anything else
 * loads, to start git at once.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
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

/** A config file read as JSON, not yet validated; `file` undefined when the root has none. */
export type ConfigJson = { ok: true; file?: string; data?: unknown } | { ok: false; error: string };

/** Reads the config file of a root (or an explicit file) as JSON. config.ts validates it. */
export function readConfigJson(root: string, explicitFile?: string): ConfigJson {
  const file = explicitFile ? resolve(explicitFile) : join(root, CONFIG_FILE);
  if (!explicitFile && !existsSync(file)) return { ok: true };
  let text: string;
  try {
    if (statSync(file).size > 1024 * 1024) return { ok: false, error: `${file}: the config file is larger than 1 MB` };
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { ok: false, error: `${file}: cannot read the config file (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return { ok: true, file, data: JSON.parse(text) };
  } catch (error) {
    return { ok: false, error: `${file}: the config file is not valid JSON (${(error as Error).message})` };
  }
}
