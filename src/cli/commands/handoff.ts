/** `relay handoff`: moves claims to another agent (writer → reviewer). */
import { currentTime, isValidAgentId } from '../../state/identity.js';
import { handoffUrls } from '../../state/queue-handoff.js';
import { recordInRefs } from '../../claims/claims.js';
import { AGENT_OPTION, agentOf, failure, JSON_OPTION, REMOTE_OPTION, rejections, remoteOf, urlArguments, usage, type CommandDefinition } from './command.js';

/** `relay handoff`. */
export const handoff: CommandDefinition = {
  name: 'handoff',
  summary: 'move claimed URLs to another agent (writer → reviewer) in one locked step',
  positionals: 'URL... | - --to AGENT',
  options: { ...AGENT_OPTION, ...JSON_OPTION, ...REMOTE_OPTION, to: { type: 'string' }, force: { type: 'boolean' } },
  help: `Usage: relay handoff URL... --to AGENT [--agent FROM] [--force] [--remote NAME | --local] [--json]
       relay handoff - --to AGENT < urls.txt

Moves the claim of each URL from FROM (default: this agent, as for claim) to AGENT, stamped
with the time of the handoff. A URL not claimed by FROM is refused (one line each, exit 1)
unless --force. With "-", reads URLs from stdin as relay done does.

  --to AGENT     who takes the claims over
  --agent FROM   who must hold them now (default as for claim)
  --force        take them from whoever holds them
  --remote NAME  move the claims on git remote NAME (default: $RELAY_REMOTE, else the
                 config's "remote")
  --local        this clone only, even with a "remote" in the config
  --json         print {"handed":[{url,from,to,at}],"rejected":[{url,reason}]}
`,
  details: `Moves the claim of each URL from its holder to \`--to AGENT\` in one locked step — the URL is
never unclaimed in between, where another session could take it, and of two handoffs of one URL
at once exactly one wins (the other finds the claim no longer \`FROM\`'s). The new claim is
stamped with the handoff's time, so the reviewer's TTL starts when it gets the work.

The claims must be held by \`--agent FROM\` (default: this agent's id, as for \`claim\`); a URL that
is claimed by someone else, not claimed, not pending, or already done is refused with one line
on stderr (exit 1), and the rest are handed over. \`--force\` takes a claim from whoever holds
it. stdout lists the URLs handed over; \`relay handoff -\` reads them from stdin.

Inside git, the claim refs of the URLs handed over (the repository's own, which every worktree
shares; with \`--remote NAME\` or the config's \`"remote"\`, the remote's) are rewritten to records
naming \`AGENT\`, so every worktree sees the new holder, and \`AGENT\`'s \`relay claim\` here gets
them back as its own. A ref that cannot be written is one line, exit 1; the handoff here stands.
`,
  run(context) {
    const from = agentOf(context, 'handoff');
    if (typeof from !== 'string') return from;
    const to = context.values.to;
    if (typeof to !== 'string') return usage('handoff', 'Missing `--to AGENT`, expected the agent that takes the claims over');
    if (!isValidAgentId(to)) return usage('handoff', `Unexpected agent id \`${to}\`, expected one word without spaces, commas, semicolons or parentheses`);
    if (context.positionals.length === 0) return usage('handoff', 'Missing URLs, expected `relay handoff URL... --to AGENT` or `relay handoff - --to AGENT` with URLs on stdin');
    const urls = urlArguments(context);
    if (urls.length === 0) return { code: 0, stderr: 'relay handoff: no URLs on stdin; nothing to do\n' };
    const result = handoffUrls(context.root, context.config, { urls, from, to, now: currentTime(context.io.env), force: context.values.force === true });
    if (!result.ok) return failure(result, 'handoff');
    let code: 0 | 1 = result.rejected.length > 0 ? 1 : 0;
    let stderr = rejections('handoff', result.rejected);
    const remote = remoteOf(context);
    const unrecorded = recordInRefs(context.root, { urls: result.handed.map((item) => item.url), state: 'claim', agent: to, now: currentTime(context.io.env), remote, run: context.io.env.RELAY_RUN || undefined });
    if (unrecorded !== undefined) {
      stderr += `relay handoff: handed over here, but not ${remote === undefined ? 'in the refs every worktree shares' : `on remote \`${remote}\``}: ${unrecorded}\n`;
      code = 1;
    }
    if (context.values.json) {
      return { code, stdout: JSON.stringify({ handed: result.handed.map(({ key: _key, ...item }) => item), rejected: result.rejected }) + '\n', stderr };
    }
    return { code, stdout: result.handed.map((item) => `${item.url}\n`).join(''), stderr };
  },
};
