/** `relay postmortem new`: writes a postmortem in the protocol template. */
import { isRealDate } from '../../protocol/dates.js';
import { currentTime, utcDate } from '../../state/identity.js';
import { createPostmortem } from '../../state/postmortem.js';
import { JSON_OPTION, usage, type CommandDefinition } from './command.js';

const SECTION_NAMES = { what: 'What Went Wrong', fix: 'How It Was Fixed', prevention: 'Prevention' };

/** `relay postmortem`. */
export const postmortem: CommandDefinition = {
  name: 'postmortem',
  summary: 'write postmortems/YYYY-MM-DD-slug.md',
  positionals: 'new "TITLE"',
  options: { ...JSON_OPTION, date: { type: 'string' }, session: { type: 'string' }, what: { type: 'string' }, fix: { type: 'string' }, prevention: { type: 'string' } },
  help: `Usage: relay postmortem new "TITLE" [--date YYYY-MM-DD] [--session ID]
                              [--what TEXT] [--fix TEXT] [--prevention TEXT] [--json]

Writes postmortems/DATE-slug.md in the protocol template. Sections not given get
placeholders that protocol-lint reports (postmortem-placeholder) until they are written.
Refuses to overwrite an existing file (exit 1). Prints the new file's path.
  --date      default: today (UTC)
  --session   default: $CLAUDE_SESSION_ID when set, else no Session ID line
`,
  details: `Writes \`postmortems/DATE-slug.md\` (slug: lower-case ASCII words of the title joined by \`-\`,
at most 60 characters) in the protocol template:

\`\`\`
# Postmortem: TITLE

**Date**: 2026-03-15
**Session ID**: …            (only when --session or $CLAUDE_SESSION_ID is set)

## What Went Wrong
## How It Was Fixed
## Prevention
\`\`\`

Sections given with \`--what\`, \`--fix\`, \`--prevention\` are written as given. Sections not given
get the placeholders \`[Description of the issue]\`, \`[Description of the fix]\`,
\`[Prevention steps]\`, which \`protocol-lint\` reports (\`postmortem-placeholder\`) until someone
writes them — a postmortem is never silently empty; stderr says which sections to fill. The
date defaults to today (UTC). An existing file is never overwritten (exit 1). Prints the path.
`,
  run(context) {
    const [action, title, ...extra] = context.positionals;
    if (action !== 'new') return usage('postmortem', action === undefined ? 'Missing `new`, expected `relay postmortem new "TITLE"`' : `Unknown action \`${action}\`, expected \`new\``);
    if (title === undefined || title.trim() === '') return usage('postmortem', 'Missing a title, expected `relay postmortem new "TITLE"`');
    if (extra.length > 0) return usage('postmortem', `Unexpected argument \`${extra[0]}\`; quote a title with spaces`);
    if (/[\r\n]/.test(title)) return usage('postmortem', 'Unexpected line break in the title, expected one line');
    const date = typeof context.values.date === 'string' ? context.values.date : utcDate(currentTime(context.io.env));
    if (!isRealDate(date)) return usage('postmortem', `Unexpected \`--date ${date}\`, expected a real calendar day as YYYY-MM-DD`);
    const session = typeof context.values.session === 'string' ? context.values.session : context.io.env.CLAUDE_SESSION_ID;
    const input: Parameters<typeof createPostmortem>[2] = { title, date };
    if (session) input.session = session;
    for (const key of ['what', 'fix', 'prevention'] as const) {
      const value = context.values[key];
      if (typeof value === 'string') input[key] = value;
    }
    const result = createPostmortem(context.root, context.config, input);
    if (!result.ok) return { code: 1, stderr: `relay postmortem: ${result.error}\n` };
    const stderr = result.placeholders.length === 0
      ? ''
      : `relay postmortem: fill in ${result.placeholders.map((key) => `\`## ${SECTION_NAMES[key]}\``).join(', ')} in \`${result.path}\`; protocol-lint reports the placeholders until then\n`;
    if (context.values.json) return { code: 0, stdout: JSON.stringify({ path: result.path, placeholders: result.placeholders }) + '\n', stderr };
    return { code: 0, stdout: `${result.path}\n`, stderr };
  },
};
