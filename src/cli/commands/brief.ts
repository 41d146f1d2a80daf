/** `relay brief`: the session briefing, as the SessionStart hook shows it. */
import { buildBrief, DEFAULT_BRIEF_BUDGET } from '../../brief/brief.js';
import { join } from 'node:path';
import { closeSync } from 'node:fs';
import { openRegularFile } from '../../protocol/regular-file.js';
import { cannotRead } from '../../state/queue-files.js';
import { failure, usage, type CommandDefinition } from './command.js';

/** `relay brief`. */
export const brief: CommandDefinition = {
  name: 'brief',
  summary: 'the session briefing (the SessionStart hook shows the same)',
  positionals: '',
  options: { budget: { type: 'string' } },
  help: `Usage: relay brief [--budget CHARS]

Prints the session briefing: the same text the SessionStart hook injects
(default budget ${DEFAULT_BRIEF_BUDGET} characters).
`,
  details: `Prints the session briefing: \`buildBrief(root, config, { budget })\` from
\`src/brief/brief.ts\`, the same text the SessionStart hook injects (default budget 6000
characters, at least 200).
`,
  run(context) {
    const budgetText = typeof context.values.budget === 'string' ? context.values.budget : String(DEFAULT_BRIEF_BUDGET);
    const budget = Number(budgetText);
    if (!/^\d+$/.test(budgetText) || budget < 200) return usage('brief', `Unexpected \`--budget ${budgetText}\`, expected a whole number of characters, at least 200`);
    // A FIFO or device as a queue file would read as missing: say so instead (the hook checks the same first).
    for (const name of [context.config.layout.todo, context.config.layout.done]) {
      try {
        const fd = openRegularFile(join(context.root, name));
        if (fd !== undefined) closeSync(fd);
      } catch (error) {
        return failure(cannotRead(name, error), 'brief');
      }
    }
    // The same builder as the SessionStart hook, so both say the same thing.
    const text = buildBrief(context.root, context.config, { budget });
    return { code: 0, stdout: text.endsWith('\n') ? text : `${text}\n` };
  },
};
