/**
 * The SessionStart hook's entry (dist/hooks/session-start.mjs, which hooks.json runs). The
 * hook's work (session-start-hook.ts: the briefing, the ledger record) is loaded from the
 * CommonJS bundle `dist/cjs/session-start.cjs` through V8's code cache (src/cli/cached-bundle.ts,
 * the cache protocol-lint and the PostToolUse hook use, variant `hook`): importing its 18 ES
 * module files compiled them on every session start, about 40 ms of a ~300 ms hook on the
 * bench's fleet tree (docs/performance.md). From the sources (tsx) it is imported as usual.
 * Like every hook it fails open: a bundle that cannot be loaded is one line under
 * RELAY_DEBUG=hook, and exit 0.
 */
import { fileURLToPath } from 'node:url';
import { loadBundle } from '../cli/cached-bundle.js';
import { debug, reason } from '../debug.js';

/** Set by the build for the bundled hooks (scripts/build.mjs). */
declare const __HOOK_LINT_BUNDLED__: boolean | undefined;

type SessionStartHook = typeof import('./session-start-hook.js');

async function load(): Promise<SessionStartHook> {
  if (typeof __HOOK_LINT_BUNDLED__ === 'boolean') {
    // dist/hooks/ is beside dist/cjs/.
    return loadBundle(fileURLToPath(new URL('../cjs/session-start.cjs', import.meta.url)), 'hook') as SessionStartHook;
  }
  return import('./session-start-hook.js');
}

let hook: SessionStartHook | undefined;
try {
  hook = await load();
} catch (error) {
  debug('hook', `SessionStart: the hook could not be loaded (${reason(error)}): no briefing`);
}
if (hook) await hook.main();
