/** `relay new task|findings`: the next numbered file, created under the ids lock. */
import { currentTime } from '../../state/identity.js';
import { newNumbered, type NumberedOptions } from '../../claims/ids.js';
import { AGENT_OPTION, agentOf, JSON_OPTION, REMOTE_OPTION, remoteOf, usage, type CommandDefinition } from './command.js';

/** `relay new`. */
export const newFile: CommandDefinition = {
  name: 'new',
  summary: 'create the next plan/task-NNN.md or review/findings-NNN.md (prints its path)',
  positionals: 'task|findings',
  options: { ...AGENT_OPTION, ...JSON_OPTION, ...REMOTE_OPTION, title: { type: 'string' } },
  help: `Usage: relay new task|findings [--title T] [--agent ID] [--remote NAME | --local] [--json]

Creates the next numbered file (plan/task-NNN.md or review/findings-NNN.md) with its
skeleton and prints its path from the root. Many sessions asking at once each get their
own file: the number is chosen under a lock and the file created exclusively.

  --title T    a task's title, or a findings log's (default: the date and the agent)
  --agent ID   named in a findings log's default title (default as for claim)
  --remote NAME  allocate the number on git remote NAME (default: $RELAY_REMOTE, else the
               config's "remote"), so no other clone creates the same number
  --local      number in this repository only, even with a "remote" in the config
  --json       print {"path","number","kind"}
`,
  details: `Creates the next numbered file — \`task\` in the plan folder, \`findings\` in the review folder —
and prints its root-relative path (\`--json\`: \`{"path","number","kind"}\`). The number is the
highest one in the folder under any spelling (\`task-7.md\`, \`task-0012.md\`) plus one, chosen
under the \`ids\` lock (apart from the queue's, so claims never wait for it), and the file is
created exclusively: a file another tool wrote meanwhile is skipped, never replaced. 200
sessions asking at once get 200 different files, so no prompt needs to compute a number.

A task starts as front matter (\`id: task-NNN\`, \`status: todo\`) and \`# Task NNN: TITLE\`; a
findings log as \`# Findings NNN: TITLE\` with the sections /log-this fills in (\`## Done\`,
\`## Found\`, \`## Open\`).

**Inside git**, the number is allocated by creating \`refs/relay/ids/<kind>/<number>\` ("must not
exist") above the highest number in the folder and in the id refs: in the repository's own refs,
so no two worktrees create the same \`findings-NNN.md\`; with \`--remote NAME\` (or the config's
\`"remote"\`) on the remote, also above its branch as last fetched, so no two clones do. A number
taken first is skipped; an id ref whose last part is not a plain number is ignored. Id refs stay as
the record of what was allocated. Without a remote, \`relay sync\` renumbers this side's new files
that collide with the remote's before it merges.
`,
  run(context) {
    const [kind, ...extra] = context.positionals;
    if (kind !== 'task' && kind !== 'findings') {
      return usage('new', kind === undefined ? 'Missing a kind, expected `relay new task` or `relay new findings`' : `Unknown kind \`${kind}\`, expected \`task\` or \`findings\``);
    }
    if (extra.length > 0) return usage('new', `Unexpected argument \`${extra[0]}\`; quote a title with spaces after \`--title\``);
    const agent = agentOf(context, 'new');
    if (typeof agent !== 'string') return agent;
    const options: NumberedOptions = { agent, now: currentTime(context.io.env), remote: remoteOf(context), run: context.io.env.RELAY_RUN || undefined };
    const title = context.values.title;
    if (typeof title === 'string') {
      if (/[\r\n]/.test(title)) return usage('new', 'Unexpected line break in `--title`, expected one line');
      options.title = title;
    }
    const made = newNumbered(context.root, context.config, kind, options);
    if (!made.ok) return { code: 1, stderr: `relay new: ${made.error}\n` };
    if (context.values.json) return { code: 0, stdout: JSON.stringify({ path: made.path, number: made.number, kind: made.kind }) + '\n' };
    return { code: 0, stdout: `${made.path}\n` };
  },
};
