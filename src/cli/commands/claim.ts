/** `relay claim`: takes the next pending URLs for one agent. */
import { currentTime } from '../../state/identity.js';
import { releaseUndelivered } from '../../state/queue-operations.js';
import { claim as claimThrough, openStore, releaseRefs } from '../../claims/claims.js';
import { AGENT_OPTION, agentOf, failure, JSON_OPTION, REMOTE_OPTION, remoteOf, TTL_OPTION, ttlOf, usage, type CommandDefinition } from './command.js';

/** `relay claim`. */
export const claim: CommandDefinition = {
  name: 'claim',
  summary: 'take the next N pending URLs (prints one per line)',
  positionals: '',
  options: { ...AGENT_OPTION, ...JSON_OPTION, ...TTL_OPTION, ...REMOTE_OPTION, count: { type: 'string', short: 'n' }, 'steal-stale': { type: 'boolean' } },
  help: `Usage: relay claim [-n N] [--agent ID] [--steal-stale] [--ttl-hours H] [--remote NAME | --local] [--json]

Gives back the URLs this agent already claims (first, in file order, their claim time
kept), then takes pending, unclaimed URLs in file order up to N (default 1) in all, marks
each "(claimed by ID at TIMESTAMP)" in urls_todo.md, and prints one URL per line.
Nothing to claim is not an error: exit 0 with no output and a note on stderr.

  -n, --count N     how many URLs to take (1-10000)
  --agent ID        who claims (default: $RELAY_AGENT, the Claude session id, else $USER@HOST)
  --steal-stale     also take URLs whose claim is older than the TTL
  --ttl-hours H     claim TTL (default: queue-stale-claim's ttlHours in the config, else 24)
  --remote NAME     claim through git remote NAME (default: $RELAY_REMOTE, else the
                    config's "remote"): exactly once across every clone of it; without
                    it, across every worktree of this repository (docs/sharing-through-git.md)
  --local           claim in this repository only, even with a "remote" in the config
  --json            print [{"url","agent","at","line","stolenFrom"?,"held"?}]
`,
  details: `Takes the next \`N\` (default 1, at most 10000) pending URLs in file order that are not claimed,
not already done (in \`urls_done.md\`), and not a second line of a URL already taken, and rewrites
each line as \`- URL (claimed by ID at 2026-03-19T10:00:00Z)\` (free-text notes on the line are
kept). Prints one URL per line; with \`--json\` an array of
\`{"url","agent","at","line","stolenFrom"?}\`.

- **Idempotent per agent**: URLs the agent already claims (and that are not done) come back
  first, in file order, up to \`N\`, printed like new claims; only the rest of \`N\` is taken new.
  A retried or resumed session asking again gets the same work. Their claim time is kept, not
  re-stamped, so a claim held too long still shows as stale; \`--json\` marks them \`"held": true\`.
- **Nothing to claim is exit 0** with empty stdout and a note on stderr, so
  \`while url=$(relay claim) && [ -n "$url" ]; do …; done\` works. A missing \`urls_todo.md\` is
  exit 1 (\`run relay init\`).
- **Stale claims** (older than the TTL) are *not* taken by default: a slow session must not
  lose its work to an impatient one. \`relay status\` lists them; \`--steal-stale\` takes them too
  (in file order with the unclaimed ones) and notes whose claim it took. A claim without a
  readable time cannot be aged and counts as stale. The TTL is \`--ttl-hours\`, else the config's
  \`"queue-stale-claim": ["warning", { "ttlHours": H }]\` (the same option the linter uses), else 24.
- **Agent id**: \`--agent\`, else \`$RELAY_AGENT\`, else \`$CLAUDE_SESSION_ID\` /
  \`$CLAUDE_CODE_SESSION_ID\`, else \`$USER@<host>\` (\`uid-<uid>@<host>\` without \`$USER\`): the
  same for every command of a shell, so \`u=$(relay claim); relay release "$u"\` needs no
  \`--agent\`. An id is one word without spaces, commas, semicolons or parentheses (the
  annotation grammar's separators).
- **Every worktree of the repository** (inside git, by default): each URL is claimed by creating
  the ref \`refs/relay/claims/<sha256 of the normalised URL>\` in the repository's own refs, which
  all its worktrees share (\`git update-ref\`, "must not exist"), so \`claude -w\` sessions, agent
  view and worktree tools never get the same URL; claimers take turns on a lock in the git common
  dir and keep file order. The URL is then marked claimed in this worktree's \`urls_todo.md\`. A
  URL claimed or completed in another worktree is skipped; a held claim comes back only while its
  ref is still this agent's, and one the refs give to another agent is released here with a note.
  Outside git, the queue file alone decides.
- **Through a git remote** (\`--remote NAME\`, or \`"remote": "NAME"\` in the config): the same
  refs, created on the remote with \`git push --force-with-lease=<ref>:\`, so of all the clones
  racing for a URL exactly one gets it, with no commit on any branch. URLs are picked at random
  among the first free ones (so claimers do not all fight for the first); a URL another clone won
  is replaced quietly; a URL already done on the remote's branch is skipped. The remote refusing
  the ref (a hook, a protected namespace, no access) is one line and exit 1. Candidates come
  from this \`urls_todo.md\`: \`relay sync\` brings the URLs others added. See
  [sharing-through-git.md](sharing-through-git.md).
- **A reader that goes away** (\`relay claim -n 100 | head -1\`): the URLs are written one line
  at a time, and the claims of those that could not be written are released; exit 0, quietly.
`,
  async run(context) {
    const agent = agentOf(context, 'claim');
    if (typeof agent !== 'string') return agent;
    const ttlHours = ttlOf(context, 'claim');
    if (typeof ttlHours !== 'number') return ttlHours;
    const countText = typeof context.values.count === 'string' ? context.values.count : '1';
    const count = Number(countText);
    if (!/^\d+$/.test(countText) || count < 1 || count > 10_000) {
      return usage('claim', `Unexpected \`-n ${countText}\`, expected a whole number from 1 to 10000`);
    }
    const now = currentTime(context.io.env);
    const remote = remoteOf(context);
    const stealStale = context.values['steal-stale'] === true;
    const result = claimThrough(context.root, context.config, { count, agent, now, ttlHours, stealStale, remote, run: context.io.env.RELAY_RUN || undefined });
    if (!result.ok) return failure(result, 'claim');
    let stderr = '';
    for (const item of result.givenUp) stderr += `relay: \`${item.url}\` is claimed ${remote === undefined ? 'in another worktree' : `on remote \`${remote}\``} by \`${item.holder}\`; released here\n`;
    for (const item of result.claimed) {
      if (item.stolenFrom !== undefined) stderr += `relay: took over \`${item.url}\` from \`${item.stolenFrom}\`, whose claim was older than ${ttlHours} h\n`;
    }
    const stale = result.stale ?? 0;
    if (result.claimed.length === 0) {
      stderr +=
        remote !== undefined
          ? `relay: nothing to claim through \`${remote}\`; every pending URL in \`${context.config.layout.todo}\` is claimed (here or on the remote) or done${stealStale ? '' : ' (`relay status --remote` shows stale claims)'}; \`relay sync\` brings URLs others added\n`
          : stale > 0
            ? `relay: nothing to claim; ${stale === 1 ? '1 pending URL has a claim' : `${stale} pending URLs have claims`} older than ${ttlHours} h, \`relay claim --steal-stale\` takes ${stale === 1 ? 'it' : 'them'}\n`
            : `relay: nothing to claim in \`${context.config.layout.todo}\`; every pending URL is claimed (here or in another worktree), done, or the queue is empty\n`;
    }
    const lines = context.values.json
      ? [JSON.stringify(result.claimed.map(({ key: _key, ...item }) => item)) + '\n']
      : result.claimed.map((item) => `${item.url}\n`);
    if (stderr) await context.io.stderr(stderr);
    // Line by line, so a reader that goes away (`relay claim -n 100 | head -1`) leaves the
    // claims it never got: those are released, and the command ends quietly.
    for (let index = 0; index < lines.length; index++) {
      try {
        await context.io.stdout(lines[index]!);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
        // A cut JSON array delivers nothing.
        const undelivered = context.values.json ? result.claimed : result.claimed.slice(index);
        const urls = undelivered.filter((item) => !item.held).map((item) => item.url);
        const store = urls.length > 0 ? openStore(context.root, remote) : undefined;
        if (store !== undefined) {
          const back = 'ok' in store ? store : releaseRefs(store, { urls, agent, force: false, all: false });
          if (!back.ok) return failure(back, 'claim');
        }
        const released = releaseUndelivered(context.root, context.config, { urls: undelivered.map((item) => item.url), agent, at: undelivered[0]!.at });
        if (!released.ok) return failure(released, 'claim');
        return { code: 0 };
      }
    }
    return { code: 0 };
  },
};
