import type { Rule } from '../lint/types.js';
import { bodyStartLine, frontMatterData, postmortemOf, targetsOfKind } from './util.js';

const TITLE = /^Postmortem:[ \t]*(.*)$/;

/** A postmortem without a `# Postmortem: <title>` heading (or a front matter `title`). */
export const postmortemTitle: Rule = {
  id: 'postmortem-title',
  description: 'A postmortem without a `# Postmortem: <title>` heading (or a front matter `title`)',
  severity: 'error',
  docs: {
    rationale:
      'Postmortems are the fleet\'s memory, and sessions scan their titles to find the ones that matter to them. Each starts with `# Postmortem: <what went wrong, in a few words>`. With YAML front matter, a `title` key may carry the title instead, and the `#` heading is then free. `relay postmortem new` writes the title for you.',
    examples: [
      {
        title: 'Missing and malformed titles',
        files: {
          'postmortems/2026-03-15-lost-claims.md': '**Date**: 2026-03-15\n\n## What Went Wrong\nx\n## How It Was Fixed\nx\n## Prevention\nx\n',
          'postmortems/2026-03-16-double-drafts.md': '# Double drafts\n\n**Date**: 2026-03-16\n',
          'postmortems/2026-03-17-empty.md': '# Postmortem:\n\n**Date**: 2026-03-17\n',
        },
        messages: [
          'postmortems/2026-03-15-lost-claims.md:1:1 Unexpected postmortem without a title, expected `# Postmortem: <title>` as its first heading (or `title` in the front matter); add the title',
          'postmortems/2026-03-16-double-drafts.md:1:1 Unexpected title `Double drafts`, expected `# Postmortem: <title>`; start the heading with `Postmortem: `',
          'postmortems/2026-03-17-empty.md:1:1 Unexpected title `Postmortem:` with nothing after it, expected `# Postmortem: <title>`; say in a few words what went wrong',
        ],
      },
      {
        title: 'The seed form and a front matter title',
        files: {
          'postmortems/2026-03-15-failed-api-integration.md': '# Postmortem: Failed API Integration\n\n**Date**: 2026-03-15\n',
          'postmortems/2026-03-16-lost-claims.md': '---\ntitle: Lost claims\ndate: 2026-03-16\n---\n# What happened to the claims\n',
        },
        messages: [],
      },
    ],
  },
  check(context) {
    for (const file of targetsOfKind(context, 'postmortem')) {
      const title = frontMatterData(file)?.title;
      if (typeof title === 'string' && title.trim() !== '') continue;
      const heading = postmortemOf(file).title;
      if (!heading) {
        context.report({
          file: file.path,
          line: bodyStartLine(file),
          column: 1,
          message: 'Unexpected postmortem without a title, expected `# Postmortem: <title>` as its first heading (or `title` in the front matter); add the title',
        });
        continue;
      }
      const match = TITLE.exec(heading.text);
      if (!match) {
        context.report({
          file: file.path,
          line: heading.line,
          column: 1,
          message: `Unexpected title \`${heading.text}\`, expected \`# Postmortem: <title>\`; start the heading with \`Postmortem: \``,
        });
      } else if (match[1]!.trim() === '') {
        context.report({
          file: file.path,
          line: heading.line,
          column: 1,
          message: `Unexpected title \`${heading.text}\` with nothing after it, expected \`# Postmortem: <title>\`; say in a few words what went wrong`,
        });
      }
    }
  },
};
