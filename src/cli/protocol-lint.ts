/**
 * `protocol-lint`'s first module, kept small on purpose. For `--staged` (a pre-commit check,
 * where every millisecond shows) it starts git before anything else loads: a process starts
 * fastest from a small Node, and git then works on the other core while the rest loads. Then
 * it runs the CLI (lint-cli.ts), built as one CommonJS bundle (dist/cjs/lint-cli.cjs),
 * through V8's code cache (cached-bundle.ts). Built as CommonJS itself (dist/protocol-lint.cjs,
 * run by bin/protocol-lint): a CommonJS entry starts ~8 ms sooner than an ES module. See
 * docs/performance.md.
 */
import { join } from 'node:path';
import { debug, reason } from '../debug.js';
import { startStagedGit, type StagedGit } from '../lint/staged-git.js';
import { loadBundle } from './cached-bundle.js';
import { parseLintArgs, stagedRoot, wantsStagedLint } from './lint-args.js';

/** Set by scripts/build.mjs in the built module; absent when run from source. */
declare const __LINT_CLI_BUNDLED__: boolean | undefined;

/** git started for a `--staged` run; undefined when not asked for or the command line is wrong (the CLI then says so). */
function startEarly(argv: string[]): StagedGit | undefined {
  try {
    const { values } = parseLintArgs(argv);
    return wantsStagedLint(values) ? startStagedGit(stagedRoot(values.root)) : undefined;
  } catch (error) {
    debug('git', `git not started early (${reason(error)}): the CLI starts it, or reports the command line`);
    return undefined;
  }
}

const argv = process.argv.slice(2);
const early = startEarly(argv);
if (typeof __LINT_CLI_BUNDLED__ === 'boolean') {
  // Built (scripts/build.mjs makes this module dist/protocol-lint.cjs, beside dist/cjs/).
  const cli = loadBundle(join(__dirname, 'cjs', 'lint-cli.cjs'), early ? 'staged' : 'tree') as typeof import('./lint-cli.js');
  void cli.run(argv, early);
} else {
  // Run from source (tsx).
  void import('./lint-cli.js').then((cli) => cli.run(argv, early));
}
