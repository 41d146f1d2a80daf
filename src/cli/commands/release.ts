/** `relay release`: gives claimed URLs back to the queue. */
import { releaseUrls } from '../../state/queue-operations.js';
import { AGENT_OPTION, agentOf, failure, JSON_OPTION, rejections, urlArguments, usage, type CommandDefinition } from './command.js';

/** `relay release`. */
export const release: CommandDefinition = {
  name: 'release',
  summary: 'give claimed URLs back to the queue',
  positionals: 'URL... | - | --all',
  options: { ...AGENT_OPTION, ...JSON_OPTION, all: { type: 'boolean' }, force: { type: 'boolean' } },
  help: `Usage: relay release URL... [--agent ID] [--force] [--json]
       relay release - < urls.txt
       relay release --all [--agent ID]

Removes the claim from pending URLs so they can be claimed again. Another agent's claim is
refused unless --force. --all releases every claim the agent holds.
With "-", reads URLs from stdin: one per line, "- URL" list lines accepted, "#" lines skipped.
`,
  details: `Removes the claim from pending URLs so they can be claimed again. Releasing another agent's
claim is refused (exit 1, \`pass --force\`) unless \`--force\`. A URL that is pending but not
claimed is a no-op with a note; one that is not pending is rejected. \`--all\` releases every
claim the agent holds (for the end of a session). \`relay release -\` reads the URLs from stdin,
as \`relay done -\` does.
`,
  run(context) {
    const agent = agentOf(context, 'release');
    if (typeof agent !== 'string') return agent;
    const all = context.values.all === true;
    if (context.positionals.length === 0 && !all) return usage('release', 'Missing URLs, expected `relay release URL...`, `relay release -` with URLs on stdin, or `relay release --all`');
    const urls = urlArguments(context);
    if (urls.length === 0 && !all) return { code: 0, stderr: 'relay release: no URLs on stdin; nothing to do\n' };
    const result = releaseUrls(context.root, context.config, { urls, all, agent, force: context.values.force === true });
    if (!result.ok) return failure(result, 'release');
    let stderr = '';
    for (const item of result.released) {
      if (item.status === 'not-claimed') stderr += `relay release: \`${item.url}\` was not claimed; left as it is\n`;
    }
    if (all && result.released.length === 0) stderr += `relay release: \`${agent}\` holds no claims\n`;
    stderr += rejections('release', result.rejected);
    const code = result.rejected.length > 0 ? 1 : 0;
    if (context.values.json) {
      return { code, stdout: JSON.stringify({ released: result.released.map(({ key: _key, ...item }) => item), rejected: result.rejected }) + '\n', stderr };
    }
    const stdout = result.released.filter((item) => item.status === 'released').map((item) => `${item.url}\n`).join('');
    return { code, stdout, stderr };
  },
};
