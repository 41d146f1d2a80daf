import type { Rule } from '../lint/types.js';
import { validatePostmortemFrontMatter } from '../protocol/schemas.js';
import { frontMatterData, reportSchemaProblems, targetsOfKind } from './util.js';

/** Postmortem front matter that does not match schemas/postmortem.schema.json. */
export const postmortemSchema: Rule = {
  id: 'postmortem-schema',
  description: 'Postmortem front matter that does not match `schemas/postmortem.schema.json`',
  severity: 'error',
  docs: {
    rationale:
      'YAML front matter is optional in a postmortem. When present it is checked against `schemas/postmortem.schema.json`, which ships with relay: `title`, `date` (YYYY-MM-DD), `session_id`, `severity` (low, medium, high, critical), `tags`, `authors`, `related` and `rules` (the lint rules, hooks or CLAUDE.md lines that now enforce the prevention). Other keys are refused, so a typo (`sesion_id`) does not silently drop a field. Front matter that does not parse is `frontmatter-syntax`\'s to report.',
    examples: [
      {
        title: 'Unknown key and wrong values',
        files: {
          'postmortems/2026-03-15-outage.md':
            '---\ntitle: Outage\ndate: 2026-03-15\nsesion_id: 4f1c\nseverity: urgent\ntags: outage\n---\n# Postmortem: Outage\n',
        },
        messages: [
          'postmortems/2026-03-15-outage.md:4:1 Unexpected front matter key `sesion_id`, expected only the keys of schemas/postmortem.schema.json; remove or rename it',
          'postmortems/2026-03-15-outage.md:5:1 Unexpected `severity` value `urgent` in the front matter, expected it to be one of `"low"`, `"medium"`, `"high"`, `"critical"`; fix it (see schemas/postmortem.schema.json)',
          'postmortems/2026-03-15-outage.md:6:1 Unexpected `tags` value `outage` in the front matter, expected it to be array; fix it (see schemas/postmortem.schema.json)',
        ],
      },
      {
        title: 'Front matter that matches the schema',
        files: {
          'postmortems/2026-03-15-outage.md':
            '---\ntitle: Outage\ndate: 2026-03-15\nsession_id: 4f1c…\nseverity: high\ntags: [locks, claims]\n---\n\n## What Went Wrong\nx\n',
        },
        messages: [],
      },
    ],
  },
  check(context) {
    for (const file of targetsOfKind(context, 'postmortem')) {
      const data = frontMatterData(file);
      if (data === undefined) continue;
      reportSchemaProblems(context, file, data, validatePostmortemFrontMatter(data), 'schemas/postmortem.schema.json');
    }
  },
};
