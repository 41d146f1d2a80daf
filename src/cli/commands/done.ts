/** `relay done`: moves URLs to urls_done.md. */
import { resolveInsideRoot } from '../../protocol/inside-root.js';
import { currentTime } from '../../state/identity.js';
import { finalApprovalProblem, isFinalOutput, type FinalProblem } from '../../state/final-approval.js';
import { completeUrls } from '../../state/queue-operations.js';
import { completeRemote } from '../../remote/claims.js';
import { AGENT_OPTION, agentOf, failure, JSON_OPTION, REMOTE_OPTION, rejections, remoteOf, urlArguments, usage, type CommandDefinition } from './command.js';

/** `relay done`. */
export const done: CommandDefinition = {
  name: 'done',
  summary: 'move URLs to urls_done.md with today\'s date',
  positionals: 'URL... | -',
  options: { ...AGENT_OPTION, ...JSON_OPTION, ...REMOTE_OPTION, output: { type: 'string' } },
  help: `Usage: relay done URL... [--agent ID] [--output PATH] [--remote NAME | --local] [--json]
       relay done - < urls.txt

Moves each URL from urls_todo.md to urls_done.md as
"(completed YYYY-MM-DD, by ID, output PATH)". A URL that was not pending is recorded as done
too; one already done is left alone (and removed from urls_todo.md if still there).
Rejected URLs (not a URL, listed twice) are listed on stderr and give exit 1.
With "-", reads URLs from stdin: one per line, "- URL" list lines accepted, "#" lines skipped.

  --agent ID        who completed them (default as for claim)
  --output PATH     the file the work produced, inside the root (no spaces, commas, semicolons
                    or parentheses); a final (review/final-NNN.mdx) must approve its draft as it is now
  --remote NAME     also mark the claims on git remote NAME completed (default: $RELAY_REMOTE,
                    else the config's "remote"); \`relay sync\` lands the completion and
                    removes them
  --local           this clone only, even with a "remote" in the config
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

**Reviewed finals only.** When \`--output\` names a final (\`review/final-NNN.mdx\`), nothing is
moved unless the final approves its draft as the draft is now: front matter
\`verdict: approved\`, \`reviewed\` (the draft's path from the root) and \`draft_sha256\` equal to
the SHA-256 of the draft's bytes. Otherwise it is exit 1 with one line saying which — no
verdict, \`changes-requested\`, a draft changed since the review (its path and both hashes), a
draft or final missing, over \`maxDocumentBytes\` (not read) or linked out of the root. It is the
check rule \`review-verdict\` makes in the tree. Outputs that
are not finals (a draft, a findings log) are not gated.

stdout lists the URLs moved; \`--json\` prints \`{"completed":[{url,status,claimedBy?}],"rejected":[{url,reason}]}\`
with \`status\` one of \`completed\`, \`completed-not-pending\`, \`already-done\`.

**Through a git remote** (\`--remote NAME\` or the config's \`"remote"\`): after the local move, each
URL's claim ref on the remote is replaced by a completion record (a lease on the commit it
read; a URL with no ref gets one), so no clone claims it again while the completion is only
here. \`relay sync\` pushes the branch and then removes the refs of every URL done on it. A
remote that refuses is one line and exit 1; the local completion stands either way.

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
      if (!inside.ok) return failure({ ok: false, error: `Unexpected \`--output ${output}\` outside the root (symbolic links resolved), expected a path inside it; give the file's path relative to the root` }, 'done');
    }
    if (typeof output === 'string' && isFinalOutput(output, context.config)) {
      const problem = finalApprovalProblem(context.root, context.config, output);
      if (problem) return { code: 1, stderr: `relay done: ${refusal(output, problem)}\n` };
    }
    if (context.positionals.length === 0) return usage('done', 'Missing URLs, expected `relay done URL...` or `relay done -` with URLs on stdin');
    const urls = urlArguments(context);
    // `relay claim | relay done -` with nothing claimed is a no-op, not a mistake.
    if (urls.length === 0) return { code: 0, stderr: 'relay done: no URLs on stdin; nothing to do\n' };
    const options: Parameters<typeof completeUrls>[2] = { urls, agent, now: currentTime(context.io.env) };
    if (typeof output === 'string') options.output = output;
    const result = completeUrls(context.root, context.config, options);
    if (!result.ok) return failure(result, 'done');
    let stderr = '';
    for (const item of result.completed) {
      if (item.status === 'already-done') stderr += `relay done: \`${item.url}\` was already done; left as it is\n`;
      if (item.status === 'completed-not-pending') stderr += `relay done: \`${item.url}\` was not pending; recorded as done\n`;
      if (item.claimedBy !== undefined) stderr += `relay done: \`${item.url}\` was claimed by \`${item.claimedBy}\`, not \`${agent}\`\n`;
    }
    stderr += rejections('done', result.rejected);
    let code: 0 | 1 = result.rejected.length > 0 ? 1 : 0;
    const remote = remoteOf(context);
    if (remote !== undefined && result.completed.length > 0) {
      const options: Parameters<typeof completeRemote>[2] = { remote, urls: result.completed.map((item) => item.url), agent, now: currentTime(context.io.env) };
      if (context.io.env.RELAY_RUN) options.run = context.io.env.RELAY_RUN;
      const marked = completeRemote(context.root, context.config, options);
      if (!marked.ok) {
        stderr += `relay done: completed here, but not on remote \`${remote}\`: ${marked.error}\n`;
        code = 1;
      }
    }
    if (context.values.json) {
      return { code, stdout: JSON.stringify({ completed: result.completed.map(({ key: _key, ...item }) => item), rejected: result.rejected }) + '\n', stderr };
    }
    const stdout = result.completed.filter((item) => item.status !== 'already-done').map((item) => `${item.url}\n`).join('');
    return { code, stdout, stderr };
  },
};

/** The one line saying why a final is refused. */
function refusal(final: string, problem: FinalProblem): string {
  const again = 'then run `relay done` again';
  switch (problem.kind) {
    case 'final-missing':
      return `Unexpected missing final \`${final}\`, expected the reviewed final inside the root; write it, or fix \`--output\``;
    case 'final-unreadable':
      return problem.error;
    case 'front-matter':
      return `Unexpected front matter in \`${final}\`: ${problem.reason}; fix it, ${again}`;
    case 'no-verdict':
      return `Unexpected final \`${final}\` with no \`verdict\`, expected \`verdict: approved\` on the draft as it is now; have a reviewer approve it, ${again}`;
    case 'changes-requested':
      return `Unexpected final \`${final}\` with \`verdict: changes-requested\`, expected \`verdict: approved\`; revise the draft and have it reviewed again`;
    case 'unknown-verdict':
      return `Unexpected final \`${final}\` with \`verdict: ${problem.verdict}\`, expected \`verdict: approved\`; have a reviewer approve the draft, ${again}`;
    case 'incomplete':
      return `Unexpected final \`${final}\` approving without ${problem.missing.map((key) => `\`${key}\``).join(' and ')}, expected the reviewed draft's path and SHA-256; add them, ${again}`;
    case 'outside-root':
      return `Unexpected \`reviewed: ${problem.reviewed}\` in \`${final}\`, expected the draft's path from the root (like \`review/draft-001.mdx\`); fix it, ${again}`;
    case 'draft-missing':
      return `Unexpected \`reviewed: ${problem.reviewed}\` in \`${final}\`, which does not exist, expected the reviewed draft; fix \`reviewed\` or restore the draft`;
    case 'draft-unreadable':
      return `${problem.error} (the draft \`${final}\` approves)`;
    case 'stale':
      return `Unexpected draft \`${problem.reviewed}\` changed since \`${final}\` approved it (\`${problem.recorded.slice(0, 12)}…\`, now \`${problem.actual.slice(0, 12)}…\`), expected an approval of the draft as it is now; have it reviewed again and update \`draft_sha256\``;
  }
}
