/** `relay sync`: the state tree and the remote's branch made one, with retries. */
import { probeRemote } from '../../remote/probe.js';
import { syncRemote } from '../../remote/sync.js';
import { AGENT_OPTION, agentOf, failure, givenRemote, JSON_OPTION, type CommandDefinition } from './command.js';

/** `relay sync`. */
export const sync: CommandDefinition = {
  name: 'sync',
  summary: 'commit the state, merge the remote branch (queue driver), push, retrying on a race',
  positionals: '',
  options: { ...AGENT_OPTION, ...JSON_OPTION, remote: { type: 'string' }, check: { type: 'boolean' } },
  help: `Usage: relay sync [--remote NAME] [--agent ID] [--json]
       relay sync --check [--remote NAME]

Commits the state tree's changes, fetches the current branch from the remote, renumbers this
side's new numbered files that collide with incoming ones, merges (the queue files through the
relay merge driver), and pushes; another clone pushing first makes it fetch, merge and push
again. Then removes the remote's claim refs of URLs done on the branch. Idempotent.

  --remote NAME   the git remote (default: $RELAY_REMOTE, else the config's "remote", else origin)
  --agent ID      named in the commit message (default as for claim)
  --check         check the host instead: it must accept refs under refs/relay/ and apply
                  leases as a compare-and-swap (a probe ref is created, then deleted)
  --json          print {"branch","committed","merged","pushes","renumbered","released"}
`,
  details: `What a clone runs to share its work: after \`relay done\`, at the end of a session, before claiming
when others may have added URLs. The branch is the current one, under the same name on the
remote. Step by step:

1. **Commit** the state tree's changes: the layout's paths (queue files, \`plan/\`, \`review/\`,
   \`discovery/\`, \`postmortems/\`, \`sessions/\`, CLAUDE.md) and nothing else; what else you
   staged stays staged. Nothing changed: no commit.
2. **Fetch** the remote's branch. When it has commits this clone lacks:
   - **renumber** this side's new tasks and findings (and a task's draft and final) that the
     remote's branch also added under the same number: each moves above the highest number on
     either side and every link to it is rewritten, as \`protocol-lint --fix\` does for
     \`layout-duplicate-id\` (committed as its own commit). So a team that did not use
     \`relay new --remote\` still never meets an add/add conflict on a findings log or a task;
   - **merge** it. The queue files merge item by item through the relay merge driver (no
     conflict, no completion lost; two clones' different claims of one URL are kept visible,
     see rule \`queue-claim-conflict\`). A conflict in another file aborts the merge and is
     exit 1 with the files named: the clone is as it was, commits included.
3. **Push** with a lease on the tip it merged. Another clone that pushed first: fetch, merge and
   push again, with a short random pause (up to 30 attempts).
4. **Release** the claim refs of every URL done on the branch as pushed: completions that
   \`relay done --remote\` recorded and strays (each with a lease on the commit read).

Exit 0 when the remote has this clone's work; 1 with one line otherwise (a conflict, the remote
refusing the push, no merge driver registered — run \`relay init\` — or no git identity).
A second run with nothing new makes no commit and no push.

**\`relay sync --check\`** asks the host whether claims through it will work, before a fleet
depends on it: it creates a probe ref \`refs/relay/probe/<random>\` with the "must not exist"
lease, creates it again (which must be rejected: the host honours leases), and deletes it.
One line per step; exit 0 when all three pass, 1 otherwise (a host that refuses custom refs
says so here, with the hook's or the host's message).
`,
  run(context) {
    const agent = agentOf(context, 'sync');
    if (typeof agent !== 'string') return agent;
    const remote = givenRemote(context) ?? context.config.remote ?? 'origin';
    if (context.values.check === true) {
      const probe = probeRemote(context.root, remote);
      if (!probe.ok) return failure(probe, 'sync');
      if (context.values.json) return { code: probe.healthy ? 0 : 1, stdout: JSON.stringify({ remote, healthy: probe.healthy, steps: probe.steps }) + '\n' };
      const text = probe.steps.map((step) => `${step.ok ? 'ok     ' : 'problem'} ${step.step}: ${step.detail}`).join('\n');
      const verdict = probe.healthy ? `\`${remote}\` can hold relay's claims` : `\`${remote}\` cannot hold relay's claims; see docs/sharing-through-git.md, "What the host must allow"`;
      return { code: probe.healthy ? 0 : 1, stdout: `${text}\n${verdict}\n` };
    }
    const result = syncRemote(context.root, context.config, { remote, agent });
    if (!result.ok) return failure(result, 'sync');
    const renumbered = result.renumbered.map((each) => ({ from: each.from, to: each.to }));
    if (context.values.json) {
      const { ok: _ok, ...data } = result;
      return { code: 0, stdout: JSON.stringify({ ...data, renumbered }) + '\n' };
    }
    const lines: string[] = [];
    for (const each of renumbered) lines.push(`renumbered ${each.from} -> ${each.to} (the number was taken on ${remote})`);
    const what: string[] = [];
    if (result.committed) what.push('committed the state');
    if (result.merged > 0) what.push(`merged ${remote}/${result.branch}${result.merged > 1 ? ` ${result.merged} times` : ''}`);
    what.push(result.pushes > 0 ? `pushed ${result.branch} to ${remote}${result.pushes > 1 ? ` (${result.pushes} attempts)` : ''}` : `${remote}/${result.branch} was up to date`);
    if (result.released > 0) what.push(`released ${result.released} claim ref${result.released === 1 ? '' : 's'} of done URLs`);
    lines.push(what.join('; '));
    return { code: 0, stdout: lines.join('\n') + '\n' };
  },
};
