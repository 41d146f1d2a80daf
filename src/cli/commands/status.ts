/** `relay status`: counts of the queues, read without the lock. */
import type { Config } from '../../protocol/config.js';
import { currentTime } from '../../state/identity.js';
import { queueStatus, type QueueStatus } from '../../state/queue-operations.js';
import { remoteStatus, type RemoteStatus } from '../../remote/claims.js';
import { failure, JSON_OPTION, REMOTE_OPTION, remoteOf, TTL_OPTION, ttlOf, type CommandDefinition } from './command.js';

/** `relay status`. */
export const status: CommandDefinition = {
  name: 'status',
  summary: 'counts, claims per agent, stale claims',
  positionals: '',
  options: { ...JSON_OPTION, ...TTL_OPTION, ...REMOTE_OPTION },
  help: `Usage: relay status [--ttl-hours H] [--remote NAME | --local] [--json]

Counts pending (claimed, unclaimed) and done URLs, claims per agent, and stale claims.
Reads without the lock. With a remote (--remote NAME, $RELAY_REMOTE or the config's "remote"),
also the claims on it: per agent, stale ones, completions waiting for relay sync, refs left behind.
`,
  details: `Counts distinct pending URLs (claimed / unclaimed), done URLs, claims per agent (one agent
per line, most claims first; past 20 agents one line says how many more, and \`--json\` lists them
all), stale claims (with file and line), the next URLs \`claim\` would take, and problems (URLs in
both files, duplicate lines, lines that are not items). Reads without the lock: it reads \`urls_todo.md\`
before \`urls_done.md\`, and writers write done before todo, so a URL being completed is never
missed (it may be counted in both, as overlap).

With a remote (\`--remote NAME\`, or the config's \`"remote"\` unless \`--local\`), it also reads every
claim ref on the remote (\`refs/relay/claims/*\`, fetching the record commits it lacks): claims
per agent, stale claims (older than the TTL, with agent, host and time; \`relay claim --remote NAME
--steal-stale\` takes them), completions waiting for a \`relay sync\`, and refs of URLs already
done on the remote's branch (left behind; the next claim or sync removes them). \`--json\` adds
\`"remote": {"remote","branch","claims":[{url,agent,host,run,at,state,stale,landed,ref}],"claimsByAgent","unreadable"}\`.
`,
  run(context) {
    const ttlHours = ttlOf(context, 'status');
    if (typeof ttlHours !== 'number') return ttlHours;
    const now = currentTime(context.io.env);
    const result = queueStatus(context.root, context.config, { now, ttlHours });
    if (!result.ok) return failure(result, 'status');
    const remote = remoteOf(context);
    let remoteResult: RemoteStatus | undefined;
    if (remote !== undefined) {
      const read = remoteStatus(context.root, context.config, { remote, now, ttlHours });
      if (!read.ok) return failure(read, 'status');
      remoteResult = read;
    }
    if (context.values.json) {
      const { ok: _ok, ...data } = result;
      const output: Record<string, unknown> = { ...data };
      if (remoteResult) {
        const { ok: _remoteOk, ...remoteData } = remoteResult;
        output.remote = remoteData;
      }
      return { code: 0, stdout: JSON.stringify(output, null, 2) + '\n' };
    }
    return { code: 0, stdout: formatStatus(result, context.config) + (remoteResult ? formatRemote(remoteResult) : '') };
  },
};

function formatRemote(status: RemoteStatus): string {
  const lines: string[] = [];
  const held = status.claims.filter((claim) => claim.state === 'claim' && !claim.landed);
  const waiting = status.claims.filter((claim) => claim.state === 'done' && !claim.landed);
  const landed = status.claims.filter((claim) => claim.landed);
  const stale = held.filter((claim) => claim.stale);
  lines.push(`remote   ${status.remote} (${status.branch}): ${count(held.length, 'claim', 'claims')}, ${count(waiting.length, 'completion', 'completions')} waiting for \`relay sync\`, ${count(landed.length, 'ref', 'refs')} left behind`);
  lines.push(...claimLines(status.claimsByAgent, '  claims ', `relay status --remote ${status.remote} --json`));
  if (stale.length > 0) {
    lines.push(`  stale  ${count(stale.length, 'claim', 'claims')} (\`relay claim --remote ${status.remote} --steal-stale\` takes them):`);
    for (const claim of stale.slice(0, 20)) lines.push(`    ${claim.url}  ${claim.agent}${claim.host ? `@${claim.host}` : ''} at ${claim.at || '(no time)'}`);
    if (stale.length > 20) lines.push(`    … and ${stale.length - 20} more (\`relay status --remote ${status.remote} --json\` lists all)`);
  }
  if (waiting.length > 0) lines.push(`  done   ${waiting.map((claim) => `${claim.agent}: ${claim.url}`).slice(0, 5).join(', ')}${waiting.length > 5 ? ', …' : ''} (its clone runs \`relay sync\`)`);
  if (status.unreadable.length > 0) lines.push(`  ${count(status.unreadable.length, 'ref', 'refs')} under refs/relay/claims/ not written by relay: ${status.unreadable.slice(0, 3).join(', ')}`);
  return lines.join('\n') + '\n';
}

function formatStatus(result: QueueStatus, config: Config): string {
  const lines: string[] = [];
  if (!result.todoExists) lines.push(`no \`${config.layout.todo}\` yet; run \`relay init\``);
  lines.push(`pending  ${result.pending} (${result.claimed} claimed, ${result.unclaimed} unclaimed)`);
  lines.push(`done     ${result.done}`);
  lines.push(...claimLines(result.claimsByAgent, 'claims   ', 'relay status --json'));
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

/** Claims per agent, most first, one agent per line (a fleet has hundreds), the first after `label`; past 20, how many more. */
function claimLines(claimsByAgent: Record<string, number>, label: string, listsAll: string): string[] {
  const agents = Object.entries(claimsByAgent).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const indent = ' '.repeat(label.length);
  const lines = agents.slice(0, 20).map(([agent, n], index) => `${index === 0 ? label : indent}${agent} ${n}`);
  if (agents.length > 20) lines.push(`${indent}… ${agents.length - 20} more agents (\`${listsAll}\` lists all)`);
  return lines;
}

/** `1 line`, `2 lines`. */
function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
