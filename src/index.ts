/**
 * The public API of the relay toolkit: re-exports only.
 */
export { lint, DOCS_BASE, type LintOptions, type LintOutcome } from './lint/engine.js';
export type { FileResult, LintMessage, Rule, RuleContext, RuleExample, Severity } from './lint/types.js';
export { rules, ruleById } from './rules/index.js';
export { CONFIG_FILE, defaultConfig, loadConfig, resolveRoot, type Config } from './protocol/config.js';
export { DEFAULT_LAYOUT, classifyPath, type Layout } from './protocol/layout.js';
export { parseQueue, rewriteQueue, formatQueueItem, type QueueFile, type QueueItem } from './protocol/queue.js';
export { normalizeUrl } from './protocol/url.js';
export { formatClaude } from './report/claude.js';
export { formatGithub } from './report/github.js';
export { formatJson } from './report/json.js';
export { formatSarif } from './report/sarif.js';
export { formatStylish } from './report/stylish.js';
export { writeFileAtomic } from './state/atomic.js';
export { withLock } from './state/lock.js';
