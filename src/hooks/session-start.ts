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
import { debug, reason } from '../debug.js';
import { loadHookBundle } from './load-hook-lint.js';

let hook: typeof import('./session-start-hook.js') | undefined;
try {
  hook = await loadHookBundle('session-start', () => import('./session-start-hook.js'));
} catch (error) {
  debug('hook', `SessionStart: the hook could not be loaded (${reason(error)}): no briefing`);
}
if (hook) await hook.main();
