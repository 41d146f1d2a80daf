/**
 * What the hooks lint with: the engine and the report for Claude. Built on its own into the
 * CommonJS bundle `dist/cjs/hook-lint.cjs` and loaded through V8's code cache
 * (load-hook-lint.ts), since compiling it was the largest part of a PostToolUse run.
 */
export { lint } from '../lint/engine.js';
export { formatClaude } from '../report/claude.js';
