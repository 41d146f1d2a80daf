import type { Rule } from '../lint/types.js';
import { POSTMORTEM_SECTIONS } from '../protocol/postmortem.js';
import { postmortemOf, targetsOfKind } from './util.js';

const WHAT_TO_WRITE = ['what went wrong', 'how it was fixed', 'what stops it happening again'];
const ORDER = POSTMORTEM_SECTIONS.map((name) => `\`## ${name}\``).join(', ');

/** A postmortem whose three sections are missing, out of order, repeated or empty. */
export const postmortemSections: Rule = {
  id: 'postmortem-sections',
  description: 'A postmortem without the sections `What Went Wrong`, `How It Was Fixed`, `Prevention`, in this order and non-empty',
  severity: 'error',
  docs: {
    rationale:
      'Every postmortem answers three questions under three `##` headings, in this order: `## What Went Wrong`, `## How It Was Fixed`, `## Prevention`. Sessions read the Prevention sections at start-up (the briefing quotes them), so a missing or empty one is lost memory. Headings are matched ignoring case, extra spaces and a trailing colon; other `##` sections may sit anywhere around them. A section holding only blank lines, sub-headings or HTML comments is empty.',
    examples: [
      {
        title: 'Missing, out of order, repeated and empty sections',
        files: {
          'postmortems/2026-03-15-outage.md':
            '# Postmortem: Outage\n\n**Date**: 2026-03-15\n\n## How It Was Fixed\nRestarted.\n\n## What Went Wrong\nThe lock leaked.\n\n## What went wrong:\nAgain.\n',
          'postmortems/2026-03-16-stale.md':
            '# Postmortem: Stale claims\n\n**Date**: 2026-03-16\n\n## What Went Wrong\nClaims aged.\n\n## How It Was Fixed\n<!-- fill in -->\n\n## Prevention\n\n### Later\n',
        },
        messages: [
          'postmortems/2026-03-15-outage.md:8:1 Unexpected `## What Went Wrong` after `## How It Was Fixed`, expected the sections in the order `## What Went Wrong`, `## How It Was Fixed`, `## Prevention`; move it up',
          'postmortems/2026-03-15-outage.md:11:1 Unexpected second `## What went wrong:` section (first on line 8), expected each section once; merge them',
          'postmortems/2026-03-15-outage.md:12:1 Unexpected postmortem without a `## Prevention` section, expected `## What Went Wrong`, `## How It Was Fixed`, `## Prevention`; add it with what stops it happening again',
          'postmortems/2026-03-16-stale.md:8:1 Unexpected empty `## How It Was Fixed` section, expected how it was fixed; write it',
          'postmortems/2026-03-16-stale.md:11:1 Unexpected empty `## Prevention` section, expected what stops it happening again; write it',
        ],
      },
      {
        title: 'The seed form, with an extra section',
        files: {
          'postmortems/2026-03-15-failed-api-integration.md':
            '# Postmortem: Failed API Integration\n\n**Date**: 2026-03-15\n**Session ID**: 4f1c…\n\n## What Went Wrong\nTwo writers drafted one URL.\n## How It Was Fixed\nClaims take a lock.\n## Timeline\n- 10:00 both claimed\n## Prevention\n- `relay claim` only.\n',
        },
        messages: [],
      },
    ],
  },
  check(context) {
    for (const file of targetsOfKind(context, 'postmortem')) {
      const postmortem = postmortemOf(file);
      const firstOf = new Map<number, number>();
      let furthest: { index: number; text: string } | undefined;
      for (const section of postmortem.sections) {
        if (section.index === -1) continue;
        const first = firstOf.get(section.index);
        if (first !== undefined) {
          context.report({
            file: file.path,
            line: section.line,
            column: 1,
            message: `Unexpected second \`## ${section.text}\` section (first on line ${first}), expected each section once; merge them`,
          });
          continue;
        }
        firstOf.set(section.index, section.line);
        if (furthest && section.index < furthest.index) {
          context.report({
            file: file.path,
            line: section.line,
            column: 1,
            message: `Unexpected \`## ${section.text}\` after \`## ${furthest.text}\`, expected the sections in the order ${ORDER}; move it up`,
          });
        } else {
          furthest = { index: section.index, text: section.text };
        }
        if (section.empty) {
          context.report({
            file: file.path,
            line: section.line,
            column: 1,
            message: `Unexpected empty \`## ${section.text}\` section, expected ${WHAT_TO_WRITE[section.index]}; write it`,
          });
        }
      }
      for (let index = 0; index < POSTMORTEM_SECTIONS.length; index++) {
        if (firstOf.has(index)) continue;
        // Point at where the section belongs: the next required section present, else the end.
        let line = postmortem.lastLine;
        for (let next = index + 1; next < POSTMORTEM_SECTIONS.length; next++) {
          const found = firstOf.get(next);
          if (found !== undefined) {
            line = found;
            break;
          }
        }
        context.report({
          file: file.path,
          line,
          column: 1,
          message: `Unexpected postmortem without a \`## ${POSTMORTEM_SECTIONS[index]}\` section, expected ${ORDER}; add it with ${WHAT_TO_WRITE[index]}`,
        });
      }
    }
  },
};
