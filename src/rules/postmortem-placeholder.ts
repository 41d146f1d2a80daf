import type { Rule } from '../lint/types.js';
import { bodyStartLine, targetsOfKind } from './util.js';
import { trackFence } from '../protocol/markdown.js';

/**
 * Template text left in a postmortem. Bracketed placeholders are matched ignoring case, and
 * not when they are link text (`[TODO](url)`, `[x][ref]`) or a definition (`[x]: url`).
 */
const BRACKETED =
  /\[(?:Issue Title|Title|Date|Session ID|Description(?: of [^\]]*)?|Steps taken|Prevention steps|Root cause|TODO|TBD|Insert [^\]]*|Describe [^\]]*|Add [^\]]*|Your [^\]]*|Fill in[^\]]*)\](?![(\[:])/gi;
/** Bare placeholders, matched with their case: `TODO` and `TBD` as words, the date template, angle-bracket fields. */
const BARE = /\bYYYY-MM-DD\b|\bTBD\b|\bTODO\b|<session[-_ ]?id>|<title>|<date>/g;
/** A line holding only an ellipsis, as in the template's section bodies. */
const ELLIPSIS = /^\s*(?:[-*+]\s+)?(?:\u2026|\.\.\.)\s*$/;
const CODE_SPAN = /(`+)[^`]*?\1/g;
/** Inline links and images: their text is the author's, not a placeholder. */
const INLINE_LINK = /!?\[[^\]]*\]\([^)]*\)/g;

/** Template placeholders left in a postmortem. */
export const postmortemPlaceholder: Rule = {
  id: 'postmortem-placeholder',
  description: 'A template placeholder (`[Issue Title]`, `[Description of the issue]`, `YYYY-MM-DD`, …) left in a postmortem',
  severity: 'error',
  docs: {
    rationale:
      'A postmortem written from the template is only memory once the template text is replaced. Reported, outside code spans and fenced code: bracketed template fields, matched ignoring case — `[Issue Title]`, `[Title]`, `[Date]`, `[Session ID]`, `[Description]`, `[Description of …]` (such as `[Description of the issue]`, `[Description of the fix]`), `[Steps taken]`, `[Prevention steps]`, `[Root cause]`, `[TODO]`, `[TBD]`, and `[Insert …]`, `[Describe …]`, `[Add …]`, `[Your …]`, `[Fill in …]`; the words `TODO` and `TBD` in capitals; `YYYY-MM-DD`; `<session-id>`, `<title>`, `<date>`; and a line holding only `…` or `...`. Link text (`[TODO](url)`), reference links, checkboxes (`- [ ]`, `- [x]`) and an ellipsis inside a value (`**Session ID**: 4f1c…`) are not placeholders. Front matter values are checked too.',
    examples: [
      {
        title: 'A template not filled in',
        files: {
          'postmortems/2026-03-15-outage.md':
            '# Postmortem: [Issue Title]\n\n**Date**: YYYY-MM-DD\n**Session ID**: <session-id>\n\n## What Went Wrong\n[Description of the issue]\n## How It Was Fixed\nTBD\n## Prevention\n…\n',
        },
        messages: [
          'postmortems/2026-03-15-outage.md:1:15 Unexpected template placeholder `[Issue Title]`, expected the real text; replace it',
          'postmortems/2026-03-15-outage.md:3:11 Unexpected template placeholder `YYYY-MM-DD`, expected the real text; replace it',
          'postmortems/2026-03-15-outage.md:4:17 Unexpected template placeholder `<session-id>`, expected the real text; replace it',
          'postmortems/2026-03-15-outage.md:7:1 Unexpected template placeholder `[Description of the issue]`, expected the real text; replace it',
          'postmortems/2026-03-15-outage.md:9:1 Unexpected template placeholder `TBD`, expected the real text; replace it',
          'postmortems/2026-03-15-outage.md:11:1 Unexpected template placeholder `…`, expected the real text; replace it',
        ],
      },
      {
        title: 'Links, checkboxes, code and the seed form',
        files: {
          'postmortems/2026-03-15-failed-api-integration.md':
            '# Postmortem: Failed API Integration\n\n**Date**: 2026-03-15\n**Session ID**: 4f1c…\n\n## What Went Wrong\nSee [TODO](https://example.com/todo) and the `YYYY-MM-DD` format.\n## How It Was Fixed\n- [x] Locked claims\n## Prevention\n- [ ] Add a hook\n```\n[Issue Title]\n```\n',
        },
        messages: [],
      },
    ],
  },
  check(context) {
    for (const file of targetsOfKind(context, 'postmortem')) {
      const text = file.text!;
      // Front matter lines are plain values; the body skips fenced code.
      const firstBodyLine = bodyStartLine(file);
      const lines = text.split('\n');
      let fence: string | undefined;
      for (let index = 0; index < lines.length; index++) {
        const lineNumber = index + 1;
        let line = lines[index]!;
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if (lineNumber >= firstBodyLine) {
          const step = trackFence(fence, line);
          fence = step.open;
          if (step.fenced) continue;
        }
        if (ELLIPSIS.test(line)) {
          report(file.path, lineNumber, line.search(/\u2026|\.\.\./) + 1, line.trim().replace(/^[-*+]\s+/, ''));
          continue;
        }
        const code = line.includes('`') ? line.replace(CODE_SPAN, (match) => ' '.repeat(match.length)) : line;
        if (code.includes('[')) {
          BRACKETED.lastIndex = 0;
          for (let match = BRACKETED.exec(code); match; match = BRACKETED.exec(code)) report(file.path, lineNumber, match.index + 1, match[0]);
        }
        const prose = code.includes('](') ? code.replace(INLINE_LINK, (match) => ' '.repeat(match.length)) : code;
        BARE.lastIndex = 0;
        for (let match = BARE.exec(prose); match; match = BARE.exec(prose)) report(file.path, lineNumber, match.index + 1, match[0]);
      }
    }

    function report(path: string, line: number, column: number, placeholder: string): void {
      context.report({ file: path, line, column, message: `Unexpected template placeholder \`${placeholder}\`, expected the real text; replace it` });
    }
  },
};
