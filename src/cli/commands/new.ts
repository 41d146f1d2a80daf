/** `relay new task|findings`: the next numbered file, created under the ids lock. */
import { currentTime } from '../../state/identity.js';
import { createNumberedFile, type NewFileOptions } from '../../state/new-file.js';
import { AGENT_OPTION, agentOf, JSON_OPTION, usage, type CommandDefinition } from './command.js';

/** `relay new`. */
export const newFile: CommandDefinition = {
  name: 'new',
  summary: 'create the next plan/task-NNN.md or review/findings-NNN.md (prints its path)',
  positionals: 'task|findings',
  options: { ...AGENT_OPTION, ...JSON_OPTION, title: { type: 'string' } },
  help: `Usage: relay new task|findings [--title T] [--agent ID] [--json]

Creates the next numbered file (plan/task-NNN.md or review/findings-NNN.md) with its
skeleton and prints its path from the root. Many sessions asking at once each get their
own file: the number is chosen under a lock and the file created exclusively.

  --title T    a task's title, or a findings log's (default: the date and the agent)
  --agent ID   named in a findings log's default title (default as for claim)
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
`,
  run(context) {
    const [kind, ...extra] = context.positionals;
    if (kind !== 'task' && kind !== 'findings') {
      return usage('new', kind === undefined ? 'Missing a kind, expected `relay new task` or `relay new findings`' : `Unknown kind \`${kind}\`, expected \`task\` or \`findings\``);
    }
    if (extra.length > 0) return usage('new', `Unexpected argument \`${extra[0]}\`; quote a title with spaces after \`--title\``);
    const agent = agentOf(context, 'new');
    if (typeof agent !== 'string') return agent;
    const options: NewFileOptions = { agent, now: currentTime(context.io.env) };
    const title = context.values.title;
    if (typeof title === 'string') {
      if (/[\r\n]/.test(title)) return usage('new', 'Unexpected line break in `--title`, expected one line');
      options.title = title;
    }
    const result = createNumberedFile(context.root, context.config, kind, options);
    if (!result.ok) return { code: 1, stderr: `relay new: ${result.error}\n` };
    if (context.values.json) return { code: 0, stdout: JSON.stringify({ path: result.path, number: result.number, kind: result.kind }) + '\n' };
    return { code: 0, stdout: `${result.path}\n` };
  },
};
