/** `relay done`: moves URLs to urls_done.md. */
import { resolveInsideRoot } from '../../protocol/inside-root.js';
import { currentTime } from '../../state/identity.js';
import { completeUrls } from '../../state/queue-operations.js';
import { AGENT_OPTION, agentOf, failure, JSON_OPTION, rejections, urlArguments, usage, type CommandDefinition } from './command.js';

/** `relay done`. */
export const done: CommandDefinition = {
  name: 'done',
  summary: 'move URLs to urls_done.md with today\'s date',
  positionals: 'URL... | -',
  options: { ...AGENT_OPTION, ...JSON_OPTION, output: { type: 'string' } },
  help: `Usage: relay done URL... [--agent ID] [--output PATH] [--json]
       relay done - < urls.txt

Moves each URL from urls_todo.md to urls_done.md as
"(completed YYYY-MM-DD, by ID, output PATH)". A URL that was not pending is recorded as done
too; one already done is left alone (and removed from urls_todo.md if still there).
Rejected URLs (not a URL, listed twice) are listed on stderr and give exit 1.
With "-", reads URLs from stdin: one per line, "- URL" list lines accepted, "#" lines skipped.

  --agent ID        who completed them (default as for claim)
  --output PATH     the file the work produced, inside the root (no spaces, commas, semicolons or parentheses)
  --json            print {"completed":[...],"rejected":[...]}
`,
  details: `Moves each URL from \`urls_todo.md\` to the end of \`urls_done.md\` as
\`- URL (completed YYYY-MM-DD, by ID, output PATH)\`, in one locked step. The date is today in
UTC (claims are UTC timestamps; \`protocol-lint\` accepts any date not after today in UTC+14).
Free-text notes of the pending line travel with it; the claim does not.
- A URL **not pending** is still recorded as done (the work happened), with a note.
- A URL **already done** is left as it is, with a note; any copy of it still in
  \`urls_todo.md\` is removed (done wins).
- A URL claimed by another agent is completed anyway, with a note naming the claimant.
- Invalid URLs and URLs listed twice are rejected (stderr, exit 1); the rest are processed.
- \`relay done -\` reads URLs from stdin (one per line; \`- URL\` list lines accepted; \`#\` lines
  skipped). Empty stdin is a no-op, exit 0, so \`relay claim | … | relay done -\` is safe.

stdout lists the URLs moved; \`--json\` prints \`{"completed":[{url,status,claimedBy?}],"rejected":[{url,reason}]}\`
with \`status\` one of \`completed\`, \`completed-not-pending\`, \`already-done\`.

**Crash order.** \`done\` writes \`urls_done.md\` first, then \`urls_todo.md\`. A writer killed
between the two leaves the URL in both files — never in neither. Every \`relay\` command treats
such a URL as done (it is never claimed again), \`relay status\` counts it under "problems", and
\`protocol-lint --fix\` removes it from \`urls_todo.md\` (rule \`queue-overlap\`: done wins).
`,
  run(context) {
    const agent = agentOf(context, 'done');
    if (typeof agent !== 'string') return agent;
    const output = context.values.output;
    if (typeof output === 'string' && !/^[^\s,;()]+$/.test(output)) {
      return usage('done', `Unexpected output path \`${output}\`, expected a path without spaces, commas, semicolons or parentheses`);
    }
    if (typeof output === 'string') {
      // The record points a reader at this file: it must be one of the tree's own.
      const inside = resolveInsideRoot(context.root, output);
      if (!inside.ok) return failure({ ok: false, error: `Unexpected \`--output ${output}\` outside the root (symbolic links resolved), expected a path inside it; give the file's path relative to the root` });
    }
    if (context.positionals.length === 0) return usage('done', 'Missing URLs, expected `relay done URL...` or `relay done -` with URLs on stdin');
    const urls = urlArguments(context);
    // `relay claim | relay done -` with nothing claimed is a no-op, not a mistake.
    if (urls.length === 0) return { code: 0, stderr: 'relay done: no URLs on stdin; nothing to do\n' };
    const options: Parameters<typeof completeUrls>[2] = { urls, agent, now: currentTime(context.io.env) };
    if (typeof output === 'string') options.output = output;
    const result = completeUrls(context.root, context.config, options);
    if (!result.ok) return failure(result);
    let stderr = '';
    for (const item of result.completed) {
      if (item.status === 'already-done') stderr += `relay done: \`${item.url}\` was already done; left as it is\n`;
      if (item.status === 'completed-not-pending') stderr += `relay done: \`${item.url}\` was not pending; recorded as done\n`;
      if (item.claimedBy !== undefined) stderr += `relay done: \`${item.url}\` was claimed by \`${item.claimedBy}\`, not \`${agent}\`\n`;
    }
    stderr += rejections('done', result.rejected);
    const code = result.rejected.length > 0 ? 1 : 0;
    if (context.values.json) {
      return { code, stdout: JSON.stringify({ completed: result.completed.map(({ key: _key, ...item }) => item), rejected: result.rejected }) + '\n', stderr };
    }
    const stdout = result.completed.filter((item) => item.status !== 'already-done').map((item) => `${item.url}\n`).join('');
    return { code, stdout, stderr };
  },
};
