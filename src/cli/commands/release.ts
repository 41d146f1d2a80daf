/** `relay release`: gives claimed URLs back to the queue. */
import { release as releaseClaims } from '../../claims/claims.js';
import { AGENT_OPTION, agentOf, failure, JSON_OPTION, REMOTE_OPTION, rejections, remoteOf, urlArguments, usage, type CommandDefinition } from './command.js';

/** `relay release`. */
export const release: CommandDefinition = {
  name: 'release',
  summary: 'give claimed URLs back to the queue',
  positionals: 'URL... | - | --all',
  options: { ...AGENT_OPTION, ...JSON_OPTION, ...REMOTE_OPTION, all: { type: 'boolean' }, force: { type: 'boolean' } },
  help: `Usage: relay release URL... [--agent ID] [--force] [--remote NAME | --local] [--json]
       relay release - < urls.txt
       relay release --all [--agent ID]

Removes the claim from pending URLs so they can be claimed again. Another agent's claim is
refused unless --force. --all releases every claim the agent holds.
With "-", reads URLs from stdin: one per line, "- URL" list lines accepted, "#" lines skipped.
With a remote (--remote NAME, $RELAY_REMOTE or the config's "remote"), the claim refs there
are deleted first.
`,
  details: `Removes the claim from pending URLs so they can be claimed again. Releasing another agent's
claim is refused (exit 1, \`pass --force\`) unless \`--force\`. A URL that is pending but not
claimed is a no-op with a note; one that is not pending is rejected. \`--all\` releases every
claim the agent holds (for the end of a session). \`relay release -\` reads the URLs from stdin,
as \`relay done -\` does.

**In the claim refs** (inside git: the repository's own, which every worktree shares; with
\`--remote NAME\` or the config's \`"remote"\`, the remote's): each URL's claim ref is deleted
first, with a lease on the commit read, then the claim in \`urls_todo.md\`. Another agent's
ref, or a completion still waiting for \`relay sync\`, is refused unless \`--force\`; a ref that
changed meanwhile (stolen, completed) is refused and the local claim kept. \`--all\` also
releases refs of this agent that have no line here. A URL released in the refs but not
pending here is not an error.
`,
  run(context) {
    const agent = agentOf(context, 'release');
    if (typeof agent !== 'string') return agent;
    const all = context.values.all === true;
    if (context.positionals.length === 0 && !all) return usage('release', 'Missing URLs, expected `relay release URL...`, `relay release -` with URLs on stdin, or `relay release --all`');
    const urls = urlArguments(context);
    if (urls.length === 0 && !all) return { code: 0, stderr: 'relay release: no URLs on stdin; nothing to do\n' };
    const result = releaseClaims(context.root, context.config, { urls, agent, force: context.values.force === true, all, remote: remoteOf(context) });
    if (!result.ok) return failure(result, 'release');
    let stderr = '';
    for (const item of result.released) {
      if (item.status === 'not-claimed') stderr += `relay release: \`${item.url}\` was not claimed; left as it is\n`;
    }
    if (all && result.released.length === 0) stderr += `relay release: \`${agent}\` holds no claims\n`;
    stderr += rejections('release', result.rejected);
    const code = result.rejected.length > 0 ? 1 : 0;
    if (context.values.json) {
      return { code, stdout: JSON.stringify({ released: result.released, rejected: result.rejected }) + '\n', stderr };
    }
    const stdout = result.released.filter((item) => item.status === 'released').map((item) => `${item.url}\n`).join('');
    return { code, stdout, stderr };
  },
};
