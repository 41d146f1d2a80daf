/** `relay merge-driver`: the git merge driver for the queue files. */
import { runMergeDriver } from '../../state/merge-driver.js';
import { usage, type CommandDefinition } from './command.js';

/** `relay merge-driver`. */
export const mergeDriver: CommandDefinition = {
  name: 'merge-driver',
  summary: 'the git merge driver for the queue files (set up by init)',
  positionals: '%O %A %B %P',
  options: {},
  rawArguments: true,
  help: `Usage: relay merge-driver BASE OURS THEIRS PATH

Called by git as "merge.relay-queue.driver" (relay init sets it up). Merges the queue files
item by item into OURS and exits 0; exits 1 (a conflict git marks) only for binary or
non-UTF-8 input. See docs/sharing-through-git.md.
`,
  details: `The git merge driver for the queue files; \`relay init\` registers it. See
[sharing-through-git.md](sharing-through-git.md).
`,
  run(context) {
    const args = context.positionals;
    if (args.length !== 4) return usage('merge-driver', `Unexpected ${args.length} arguments, expected 4: \`%O %A %B %P\``);
    const [base, ours, theirs, pathname] = args as [string, string, string, string];
    const result = runMergeDriver({ base, ours, theirs, pathname }, context.io.cwd);
    if (!result.ok) return { code: 1, stderr: `relay merge-driver: ${result.reason}\n` };
    return { code: 0 };
  },
};
