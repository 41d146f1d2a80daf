/** protocol-lint's options, read by the CLI (lint-cli.ts). */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveRoot } from '../protocol/root.js';

const OPTIONS = {
  format: { type: 'string', short: 'f', default: 'stylish' },
  fix: { type: 'boolean', default: false },
  staged: { type: 'boolean', default: false },
  'max-warnings': { type: 'string' },
  config: { type: 'string', short: 'c' },
  root: { type: 'string' },
  quiet: { type: 'boolean', short: 'q', default: false },
  now: { type: 'string' },
  'list-rules': { type: 'boolean', default: false },
  version: { type: 'boolean', short: 'v', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** The parsed command line; throws on an unknown option or a missing value. */
export function parseLintArgs(argv: string[]) {
  return parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
}

/** The root a `--staged` run lints: `--root`, else the root found from the working directory. */
export function stagedRoot(rootOption: string | undefined): string {
  return rootOption ? resolve(rootOption) : resolveRoot(process.cwd());
}
