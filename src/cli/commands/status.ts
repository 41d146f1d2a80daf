/** `relay status`: counts of the queues, read without the lock. */
import type { Config } from '../../protocol/config.js';
import { currentTime } from '../../state/identity.js';
import { queueStatus, type QueueStatus } from '../../state/queue-operations.js';
import { failure, JSON_OPTION, TTL_OPTION, ttlOf, type CommandDefinition } from './command.js';

/** `relay status`. */
export const status: CommandDefinition = {
  name: 'status',
  summary: 'counts, claims per agent, stale claims',
  positionals: '',
  options: { ...JSON_OPTION, ...TTL_OPTION },
  help: `Usage: relay status [--ttl-hours H] [--json]

Counts pending (claimed, unclaimed) and done URLs, claims per agent, and stale claims.
Reads without the lock.
`,
  details: `Counts distinct pending URLs (claimed / unclaimed), done URLs, claims per agent, stale claims
(with file and line), the next URLs \`claim\` would take, and problems (URLs in both files,
duplicate lines, lines that are not items). Reads without the lock: it reads \`urls_todo.md\`
before \`urls_done.md\`, and writers write done before todo, so a URL being completed is never
missed (it may be counted in both, as overlap).
`,
  run(context) {
    const ttlHours = ttlOf(context, 'status');
    if (typeof ttlHours !== 'number') return ttlHours;
    const result = queueStatus(context.root, context.config, { now: currentTime(context.io.env), ttlHours });
    if (!result.ok) return failure(result, 'status');
    if (context.values.json) {
      const { ok: _ok, ...data } = result;
      return { code: 0, stdout: JSON.stringify(data, null, 2) + '\n' };
    }
    return { code: 0, stdout: formatStatus(result, context.config) };
  },
};

function formatStatus(result: QueueStatus, config: Config): string {
  const lines: string[] = [];
  if (!result.todoExists) lines.push(`no \`${config.layout.todo}\` yet; run \`relay init\``);
  lines.push(`pending  ${result.pending} (${result.claimed} claimed, ${result.unclaimed} unclaimed)`);
  lines.push(`done     ${result.done}`);
  const agents = Object.entries(result.claimsByAgent).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (agents.length > 0) lines.push(`claims   ${agents.map(([agent, count]) => `${agent} ${count}`).join(', ')}`);
  if (result.staleClaims.length > 0) {
    lines.push(`stale    ${count(result.staleClaims.length, 'claim', 'claims')} older than ${result.ttlHours} h (\`relay claim --steal-stale\` or \`relay release --force URL\`):`);
    for (const claim of result.staleClaims.slice(0, 20)) {
      lines.push(`  ${config.layout.todo}:${claim.line}  ${claim.url}  ${claim.agent}${claim.at ? ` at ${claim.at}` : ' (no time)'}`);
    }
    if (result.staleClaims.length > 20) lines.push(`  … and ${result.staleClaims.length - 20} more (\`relay status --json\` lists all)`);
  }
  if (result.next.length > 0) lines.push(`next     ${result.next.join('\n         ')}`);
  // `--fix` removes overlap and duplicate lines; lines that are not items need a person.
  const fixable: string[] = [];
  if (result.overlap > 0) fixable.push(`${count(result.overlap, 'URL', 'URLs')} in both queues (done wins)`);
  if (result.duplicates > 0) fixable.push(count(result.duplicates, 'duplicate line', 'duplicate lines'));
  if (fixable.length > 0) lines.push(`problems ${fixable.join(', ')}; run \`protocol-lint --fix\``);
  if (result.syntaxProblems > 0) {
    const what = count(result.syntaxProblems, 'line that is not a queue item', 'lines that are not queue items');
    lines.push(`${fixable.length > 0 ? '        ' : 'problems'} ${what}; \`protocol-lint\` shows where, fix by hand`);
  }
  return lines.join('\n') + '\n';
}

/** `1 line`, `2 lines`. */
function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
