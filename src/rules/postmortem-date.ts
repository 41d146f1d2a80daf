import type { ProjectFile } from '../lint/project.js';
import type { Rule, RuleContext } from '../lint/types.js';
import { bodyStartLine, frontMatterData, frontMatterPosition, isFutureDate, isRealDate, postmortemOf, targetsOfKind } from './util.js';

/** A postmortem without a valid `**Date**` (or front matter `date`) matching its file name. */
export const postmortemDate: Rule = {
  id: 'postmortem-date',
  description: 'A postmortem without a valid `**Date**: YYYY-MM-DD` (or front matter `date`) matching its file name',
  severity: 'error',
  docs: {
    rationale:
      'A postmortem says when the problem happened, as `**Date**: YYYY-MM-DD` under the title (`**Date:**` is accepted too) or as `date` in YAML front matter: a real calendar day, not in the future (today is taken in the earliest time zone, UTC+14), and the same day as the file name `postmortems/YYYY-MM-DD-slug.md`, so sorting by name sorts by date. An optional `**Session ID**: …` line may follow. `relay postmortem new` writes both.',
    examples: [
      {
        title: 'Missing, impossible, future and mismatched dates',
        files: {
          'postmortems/2026-03-10-no-date.md': '# Postmortem: No date\n\n## What Went Wrong\nx\n',
          'postmortems/2026-02-28-bad-date.md': '# Postmortem: Bad date\n\n**Date**: 2026-02-30\n',
          'postmortems/2026-03-11-future.md': '# Postmortem: Future\n\n**Date:** 2999-01-01\n',
          'postmortems/2026-03-12-mismatch.md': '---\ntitle: Mismatch\ndate: 2026-03-13\n---\n# Postmortem: Mismatch\n',
        },
        messages: [
          'postmortems/2026-02-28-bad-date.md:3:11 Unexpected date `2026-02-30`, expected a real calendar day as YYYY-MM-DD; write the day it happened',
          'postmortems/2026-03-10-no-date.md:1:1 Unexpected postmortem without a date, expected `**Date**: YYYY-MM-DD` under the title (or `date` in the front matter); add the day it happened',
          'postmortems/2026-03-11-future.md:3:11 Unexpected date `2999-01-01` in the future, expected today or earlier; write the day it happened',
          'postmortems/2026-03-12-mismatch.md:3:1 Unexpected date `2026-03-13`, expected `2026-03-12` as in the file name; fix the date or rename the file',
        ],
      },
      {
        title: 'The seed form',
        files: { 'postmortems/2026-03-15-failed-api-integration.md': '# Postmortem: Failed API Integration\n\n**Date**: 2026-03-15\n**Session ID**: 4f1c…\n' },
        messages: [],
      },
    ],
  },
  check(context) {
    for (const file of targetsOfKind(context, 'postmortem')) {
      const postmortem = postmortemOf(file);
      const fromFrontMatter = frontMatterData(file)?.date;
      let found = false;
      if (typeof fromFrontMatter === 'string') {
        found = true;
        checkDate(context, file, fromFrontMatter, frontMatterPosition(file, 'date'));
      }
      if (postmortem.date) {
        found = true;
        checkDate(context, file, postmortem.date.value, postmortem.date);
      }
      // A non-string front matter date is the schema rule's to report.
      if (!found && fromFrontMatter === undefined) {
        context.report({
          file: file.path,
          line: postmortem.title?.line ?? bodyStartLine(file),
          column: 1,
          message: 'Unexpected postmortem without a date, expected `**Date**: YYYY-MM-DD` under the title (or `date` in the front matter); add the day it happened',
        });
      }
    }
  },
};

function checkDate(context: RuleContext, file: ProjectFile, value: string, position: { line: number; column: number }): void {
  const expected = file.classification.type === 'protocol' ? file.classification.date : undefined;
  let message: string | undefined;
  if (value === '') message = 'Unexpected empty date, expected `YYYY-MM-DD`; write the day it happened';
  else if (!isRealDate(value)) message = `Unexpected date \`${value}\`, expected a real calendar day as YYYY-MM-DD; write the day it happened`;
  else if (isFutureDate(value, context.now)) message = `Unexpected date \`${value}\` in the future, expected today or earlier; write the day it happened`;
  else if (expected !== undefined && value !== expected) message = `Unexpected date \`${value}\`, expected \`${expected}\` as in the file name; fix the date or rename the file`;
  if (message) context.report({ file: file.path, line: position.line, column: position.column, message });
}
