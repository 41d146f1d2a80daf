/**
 * What can enforce a postmortem's lesson besides a lint rule (PROTOCOL §8): the hooks the
 * plugin runs and the `relay` commands. Kept as plain lists so `postmortem-prevention-enforced`
 * stays out of the CLI's modules; a test should hold `RELAY_COMMANDS` to the command registry.
 */

/**
 * The `relay` commands (first word after `relay`), as of protocol v2: PROTOCOL §5 and its
 * additions, with `sync`, `run` and `dashboard`.
 */
export const RELAY_COMMANDS: readonly string[] = ['init', 'status', 'claim', 'done', 'release', 'add', 'brief', 'postmortem', 'new', 'handoff', 'session', 'doctor', 'dashboard', 'run', 'sync'];

/**
 * Hooks that enforce something: the Claude Code events the plugin handles (plugin/hooks/hooks.json),
 * the plugin's hook scripts by name, and the git pre-commit hook that runs `protocol-lint --staged`.
 */
export const HOOK_NAMES: readonly string[] = ['SessionStart', 'PostToolUse', 'PostToolUseFailure', 'Stop', 'session-start', 'post-tool-use', 'stop', 'pre-commit'];
