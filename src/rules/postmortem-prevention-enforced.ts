import type { ProjectFile } from '../lint/project.js';
import type { Rule } from '../lint/types.js';
import { HOOK_NAMES, RELAY_COMMANDS } from '../protocol/enforcers.js';
import { trackFence } from '../protocol/markdown.js';
import { bodyStartLine, postmortemOf, targetsOfKind } from './util.js';

/** A top-level list item: up to three spaces, a marker, a space. */
const BULLET = /^( {0,3})([-*+]|\d{1,9}[.)])[ \t]+/;
const QUOTE = /"([^"\n]+)"|\u201C([^\u201D\n]+)\u201D/g;
const CODE_SPAN = /(`+)([^`]+?)\1/g;
const KEBAB_WORD = /[a-z]+(?:-[a-z]+)+/g;
const HOOK_PATTERN = new RegExp(`(?:\`(${HOOK_NAMES.join('|')})\`|\\b(${HOOK_NAMES.join('|')})\\s+hooks?\\b)`);
const RELAY_WORD = /\brelay[ \t]+([a-z][a-z-]*)/g;

/** One Prevention bullet: its text (continuation lines included) and where it starts. */
interface Bullet {
  text: string;
  line: number;
  column: number;
}

/** The top-level bullets of a postmortem's first Prevention section. */
function preventionBullets(file: ProjectFile): Bullet[] {
  const postmortem = postmortemOf(file);
  const section = postmortem.sections.find((candidate) => candidate.index === 2);
  if (!section) return [];
  const { lines, headings } = file.scan;
  const firstLine = bodyStartLine(file);
  const end = headings.find((heading) => heading.line > section.line && heading.depth <= 2)?.line ?? postmortem.lastLine + 1;
  const bullets: Bullet[] = [];
  let fence: string | undefined;
  let inComment = false;
  for (let number = section.line + 1; number < end; number++) {
    const line = lines[number - firstLine] ?? '';
    const tracked = trackFence(fence, line);
    const wasFenced = fence !== undefined || tracked.fenced;
    fence = tracked.open;
    if (!wasFenced) {
      // A list written inside an HTML comment (a template's hint) is not a lesson.
      if (inComment || line.trimStart().startsWith('<!--')) {
        inComment = !line.includes('-->');
        continue;
      }
      const bullet = BULLET.exec(line);
      if (bullet) {
        bullets.push({ text: line.slice(bullet[0].length), line: number, column: bullet[1]!.length + 1 });
        continue;
      }
    }
    const current = bullets[bullets.length - 1];
    if (current) current.text += '\n' + line;
  }
  return bullets;
}

/** Collapses runs of white space, so a quote matches CLAUDE.md however either is wrapped. */
function squeeze(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** A Prevention bullet in a postmortem that names nothing enforcing it. */
export const postmortemPreventionEnforced: Rule = {
  id: 'postmortem-prevention-enforced',
  description: 'A Prevention bullet that names nothing enforcing it: no rule id, hook, `relay` command or CLAUDE.md rule',
  severity: 'warning',
  docs: {
    rationale:
      'A lesson nothing enforces is a lesson the next session repeats. Each top-level bullet of a postmortem\'s `## Prevention` section (with its continuation lines) names what makes it stick, and that thing must exist: a protocol-lint rule id (`queue-overlap`), a hook in backticks or followed by "hook" (`PostToolUse`, `SessionStart`, `Stop`, `PostToolUseFailure`, the plugin\'s `session-start` / `post-tool-use` / `stop`, or the `pre-commit` hook), a `relay` command that exists (`relay claim`, `relay done`, …), or a rule in CLAUDE.md quoted word for word in double quotes (white space and line breaks aside). When a bullet names nothing of the kind, write what enforces it, or add the rule, hook step or CLAUDE.md line that will and name it. A `relay` command in backticks that does not exist, or a quote that is not in CLAUDE.md, is named in the message.',
    examples: [
      {
        title: 'Lessons nothing enforces',
        files: {
          'CLAUDE.md': '# Project\n\n## Session Protocol\n\n- Claim before you work.\n',
          'postmortems/2026-03-15-outage.md':
            '# Postmortem: Outage\n\n**Date**: 2026-03-15\n\n## What Went Wrong\nTwo writers drafted one URL.\n\n## How It Was Fixed\nClaims take a lock.\n\n## Prevention\n- Be more careful with the queue.\n- Always run `relay claimall` first.\n- Follow "Claim before you start."\n',
        },
        messages: [
          'postmortems/2026-03-15-outage.md:12:1 Unexpected Prevention bullet that names nothing enforcing it, expected a rule id (like `queue-overlap`), a hook (like `PostToolUse`), a `relay` command (like `relay claim`) or a CLAUDE.md rule in double quotes; name what enforces it, or add the rule, hook or CLAUDE.md line that will',
          'postmortems/2026-03-15-outage.md:13:1 Unexpected `relay claimall` in a Prevention bullet, expected a `relay` command that exists (`init`, `status`, `claim`, `done`, `release`, `add`, `brief`, `postmortem`, `new`, `handoff`, `session`, `doctor`, `dashboard`, `run`, `sync`); name a real command or another enforcer',
          'postmortems/2026-03-15-outage.md:14:1 Unexpected quote "Claim before you start." in a Prevention bullet that is not in CLAUDE.md, expected a CLAUDE.md rule quoted word for word; fix the quote, or add the line to CLAUDE.md',
        ],
      },
      {
        title: 'Every lesson names its enforcer',
        files: {
          'CLAUDE.md': '# Project\n\n## Session Protocol\n\n- Claim before you work: never edit\n  the queue files by hand.\n',
          'postmortems/2026-03-15-outage.md':
            '# Postmortem: Outage\n\n**Date**: 2026-03-15\n\n## What Went Wrong\nTwo writers drafted one URL.\n\n## How It Was Fixed\nClaims take a lock.\n\n## Prevention\n- Claims go through `relay claim`.\n- `queue-duplicate` reports a URL listed twice,\n  and the `PostToolUse` hook runs it after every write.\n- CLAUDE.md says "Claim before you work: never edit the queue files by hand."\n* The Stop hook blocks a session that did not log.\n',
        },
        messages: [],
      },
    ],
  },
  check(context) {
    const postmortems = targetsOfKind(context, 'postmortem');
    if (postmortems.length === 0) return;
    const { ruleIds } = context;
    let claudeMd: string | undefined | null = null;
    const claudeMdText = (): string | undefined => {
      if (claudeMd === null) {
        const text = context.project.file(context.project.config.layout.claudeMd).text;
        claudeMd = text === undefined ? undefined : squeeze(text);
      }
      return claudeMd;
    };

    for (const file of postmortems) {
      for (const bullet of preventionBullets(file)) {
        const { text } = bullet;
        if ([...text.matchAll(KEBAB_WORD)].some((match) => ruleIds.has(match[0]))) continue;
        if (HOOK_PATTERN.test(text)) continue;
        const commands = [...text.matchAll(RELAY_WORD)].map((match) => match[1]!);
        if (commands.some((command) => RELAY_COMMANDS.includes(command))) continue;
        const quotes = [...text.matchAll(QUOTE)].map((match) => squeeze(match[1] ?? match[2]!)).filter((quote) => quote !== '');
        if (quotes.length > 0) {
          const claude = claudeMdText();
          if (claude !== undefined && quotes.some((quote) => claude.includes(quote))) continue;
        }
        // Say what the bullet tried to name, when it named something that is not there.
        const unknownCommand = [...text.matchAll(CODE_SPAN)].map((match) => /^relay[ \t]+([a-z][a-z-]*)/.exec(match[2]!.trim())?.[1]).find((command) => command !== undefined);
        let message: string;
        if (unknownCommand !== undefined) {
          message = `Unexpected \`relay ${unknownCommand}\` in a Prevention bullet, expected a \`relay\` command that exists (${RELAY_COMMANDS.map((command) => `\`${command}\``).join(', ')}); name a real command or another enforcer`;
        } else if (quotes.length > 0) {
          message = `Unexpected quote "${quotes[0]}" in a Prevention bullet that is not in ${context.project.config.layout.claudeMd}, expected a CLAUDE.md rule quoted word for word; fix the quote, or add the line to ${context.project.config.layout.claudeMd}`;
        } else {
          message =
            'Unexpected Prevention bullet that names nothing enforcing it, expected a rule id (like `queue-overlap`), a hook (like `PostToolUse`), a `relay` command (like `relay claim`) or a CLAUDE.md rule in double quotes; name what enforces it, or add the rule, hook or CLAUDE.md line that will';
        }
        context.report({ file: file.path, line: bullet.line, column: bullet.column, message });
      }
    }
  },
};
