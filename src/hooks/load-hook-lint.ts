/**
 * Loads the hooks' lint engine once a hook has something to lint. From the built plugin it is
 * the CommonJS bundle `dist/cjs/hook-lint.cjs` run through V8's code cache
 * (src/cli/cached-bundle.ts, the same cache protocol-lint uses, variant `hook`): importing the
 * engine's ES module chunks compiled them on every run, the largest part of a PostToolUse hook
 * after an edit. From the sources (the tests) it is imported as usual.
 */
import { fileURLToPath } from 'node:url';
import { loadBundle } from '../cli/cached-bundle.js';

/** Set by the build for the bundled hooks (scripts/build.mjs). */
declare const __HOOK_LINT_BUNDLED__: boolean | undefined;

type HookLint = typeof import('./hook-lint.js');

export function loadHookLint(): Promise<HookLint> {
  return loadHookBundle('hook-lint', () => import('./hook-lint.js'));
}

/**
 * A hook's CommonJS bundle `dist/cjs/<name>.cjs` through the code cache (variant `hook`) when
 * run from the built plugin; `fromSources` (an import) when run from the sources.
 */
export async function loadHookBundle<T>(name: string, fromSources: () => Promise<T>): Promise<T> {
  if (typeof __HOOK_LINT_BUNDLED__ === 'boolean') {
    // dist/hooks/ and dist/chunks/ are both beside dist/cjs/.
    return loadBundle(fileURLToPath(new URL(`../cjs/${name}.cjs`, import.meta.url)), 'hook') as T;
  }
  return fromSources();
}
