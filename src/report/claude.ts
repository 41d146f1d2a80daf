import type { FileResult } from '../lint/types.js';

/**
 * Compact text for Claude (hooks and `--format claude`): every problem with file, line, rule
 * id and what to do, and nothing when there is nothing to do.
 */
export function formatClaude(results: FileResult[], options: { limit?: number } = {}): string {
  const limit = options.limit ?? 50;
  const problems = results.flatMap((result) => result.messages.map((message) => ({ file: result.filePath, ...message })));
  if (problems.length === 0) return '';
  const errors = problems.filter((problem) => problem.severity === 2).length;
  const warnings = problems.length - errors;
  const lines = [`protocol-lint found ${errors} error(s) and ${warnings} warning(s) in the relay state files. Fix them before you go on:`];
  for (const problem of problems.slice(0, limit)) {
    lines.push(`- ${problem.file}:${problem.line}:${problem.column} ${problem.ruleId === null ? '' : `[${problem.ruleId}] `}${problem.severity === 2 ? 'error' : 'warning'}: ${problem.message}`);
  }
  if (problems.length > limit) lines.push(`- … and ${problems.length - limit} more; run \`protocol-lint --format claude\` to see them all`);
  if (problems.some((problem) => problem.fixable)) {
    lines.push('Problems from fixable rules (queue-overlap, queue-duplicate) are repaired by running `protocol-lint --fix`; never fix queue files by hand-editing lines, use `relay done` / `relay release`.');
  }
  lines.push('Each rule is explained in docs/rules/<rule-id>.md of the relay plugin.');
  return lines.join('\n');
}
