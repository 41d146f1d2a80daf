/**
 * The root of a state tree and its configuration file, `.protocol-lint.json`, validated
 * against `schemas/config.schema.json`.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_LAYOUT, type Layout } from './layout.js';
import { validateConfig } from '../generated/validate-config.js';
import { check } from './schema-errors.js';
import { CONFIG_FILE } from './root.js';
import { outsideRootReason } from './inside-root.js';
import { NotRegularFileError, readRegularFile } from './regular-file.js';

// Where a root is and what its config file is called live in root.ts (the CLI's first module
// loads it without the schema validator); re-exported for everyone else.
export { CONFIG_FILE, isOwnRoot, resolveRoot } from './root.js';

/** A rule's configured level. */
export type RuleLevel = 'off' | 'warning' | 'error';

/** A rule setting as written: a level, or a level with options. */
export type RuleSetting = RuleLevel | 'warn' | 0 | 1 | 2 | [RuleLevel | 'warn' | 0 | 1 | 2, Record<string, unknown>?];

/** The configuration after defaults are applied. */
export interface Config {
  /** The file it came from, or undefined for the defaults. */
  file?: string;
  layout: Layout;
  rules: Record<string, RuleSetting>;
  ignores: string[];
  /** Documents larger than this are skipped with a message; queue files are read at any size. */
  maxDocumentBytes: number;
  /** The git remote `relay claim`, `done`, `release`, `new` and `sync` work through (PROTOCOL §7); undefined: local only. */
  remote?: string;
}

/** Files and folders never walked. */
export const ALWAYS_IGNORED = ['**/node_modules/**', '**/.git/**'];

/** The defaults when no config file exists. */
export function defaultConfig(): Config {
  return { layout: { ...DEFAULT_LAYOUT }, rules: {}, ignores: [], maxDocumentBytes: 10 * 1024 * 1024 };
}

/** The outcome of loading a configuration. */
export type ConfigResult = { ok: true; config: Config } | { ok: false; error: string };

/** Loads and validates the config file of a root (or an explicit file). */
export function loadConfig(root: string, explicitFile?: string): ConfigResult {
  const file = explicitFile ? resolve(explicitFile) : join(root, CONFIG_FILE);
  if (!explicitFile && !existsSync(file)) return { ok: true, config: defaultConfig() };
  // The tree's own config file is the tree's: a link to a file elsewhere is not read (`--config` names one on purpose).
  const outside = explicitFile ? undefined : outsideRootReason(root, file, CONFIG_FILE);
  if (outside !== undefined) return { ok: false, error: `${file}: ${outside}` };
  let text: string;
  try {
    if (statSync(file).size > 1024 * 1024) return { ok: false, error: `${file}: the config file is larger than 1 MB` };
    // A FIFO or a device in its place would block the read or never end it.
    const bytes = readRegularFile(file);
    if (bytes === undefined) return { ok: false, error: `${file}: cannot read the config file (ENOENT)` };
    text = bytes.toString('utf8');
  } catch (error) {
    if (error instanceof NotRegularFileError) return { ok: false, error: `${file}: Unexpected ${error.kind} as the config file, expected a regular file` };
    return { ok: false, error: `${file}: cannot read the config file (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `${file}: the config file is not valid JSON (${(error as Error).message})` };
  }
  const problems = check(validateConfig, data).map((problem) => `\`${problem.key}\` ${problem.reason}`);
  if (problems.length > 0) {
    return { ok: false, error: problems.map((problem) => `${file}: ${problem}`).join('\n') };
  }
  const raw = data as { layout?: Partial<Layout>; rules?: Record<string, RuleSetting>; ignores?: string[]; maxDocumentBytes?: number; remote?: string };
  const config = defaultConfig();
  config.file = file;
  config.layout = { ...config.layout, ...raw.layout };
  config.rules = raw.rules ?? {};
  config.ignores = raw.ignores ?? [];
  if (raw.maxDocumentBytes !== undefined) config.maxDocumentBytes = raw.maxDocumentBytes;
  if (raw.remote !== undefined) config.remote = raw.remote;
  return { ok: true, config };
}

/** Turns a written level into a canonical one. */
export function normalizeLevel(level: RuleLevel | 'warn' | 0 | 1 | 2): RuleLevel {
  if (level === 'warn' || level === 1) return 'warning';
  if (level === 2) return 'error';
  if (level === 0) return 'off';
  return level;
}
