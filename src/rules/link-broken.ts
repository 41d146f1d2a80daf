import type { Rule } from '../lint/types.js';
import { documentLinks, lintedDocuments, resolveLinkTarget } from './util.js';

/** A relative link to a missing file, or one that leaves the root. */
export const linkBroken: Rule = {
  id: 'link-broken',
  description: 'A relative link to a missing file, or one that leaves the root',
  severity: 'error',
  docs: {
    rationale:
      'Sessions follow links between state files (a draft to its task, a wave to the one before), so a link that points at nothing is lost context, and one that leaves the root points at something other clones do not have. Checked in every protocol document except the two queue files: Markdown links and images, reference definitions, and HTML `href` / `src` attributes. Absolute URLs (`https:`, `mailto:`, any `scheme:`), `//host` links and pure `#anchors` are not checked; a `?query` or `#fragment` is ignored, `%20`-style escapes are decoded, a link starting with `/` is taken from the root (as GitHub does), and a link to an existing folder is fine. Fix the path, or create the file.',
    examples: [
      {
        title: 'Missing targets and a link out of the root',
        files: {
          'plan/task-001.md': '# Task\n\nSee [task 9](task-009.md#goal) and ![chart](../img/chart%201.png).\n',
          'review/draft-001.mdx': '# Draft\n\n<a href="../../secrets.md">secrets</a>\n\n[plan][p]\n\n[p]: ../plan/task-002.md\n',
        },
        messages: [
          'plan/task-001.md:3:5 Unexpected link to missing `task-009.md#goal`, expected an existing file (there is no `plan/task-009.md`); fix the path or create the file',
          'plan/task-001.md:3:36 Unexpected link to missing `../img/chart%201.png`, expected an existing file (there is no `img/chart 1.png`); fix the path or create the file',
          'review/draft-001.mdx:3:4 Unexpected link `../../secrets.md` leaving the root, expected a path inside the root; link to a file in the tree, or use an absolute URL',
          'review/draft-001.mdx:7:1 Unexpected link to missing `../plan/task-002.md`, expected an existing file (there is no `plan/task-002.md`); fix the path or create the file',
        ],
      },
      {
        title: 'Links that resolve, and links not checked',
        files: {
          'plan/task-001.md': '# Task\n\n[Source](https://example.com/a), [mail](mailto:a@example.com), [top](#task), [plan folder](../plan/), [me](/plan/task-001.md?raw=1).\n\n`[not a link](missing.md)`\n',
          'review/draft-001.mdx': '# Draft\n\nFor [the task](../plan/task-001.md#goal).\n\n<img src="../plan/task-001.md">\n',
        },
        messages: [],
      },
    ],
  },
  async check(context) {
    for (const file of lintedDocuments(context)) {
      const links = await documentLinks(file);
      for (const link of links) {
        const resolved = resolveLinkTarget(file.path, link.target);
        if (resolved === undefined) continue;
        if ('outside' in resolved) {
          context.report({
            file: file.path,
            line: link.line,
            column: link.column,
            message: `Unexpected link \`${link.target}\` leaving the root, expected a path inside the root; link to a file in the tree, or use an absolute URL`,
          });
        } else if (!context.project.pathExists(resolved.path)) {
          context.report({
            file: file.path,
            line: link.line,
            column: link.column,
            message: `Unexpected link to missing \`${link.target}\`, expected an existing file (there is no \`${resolved.path}\`); fix the path or create the file`,
          });
        }
      }
    }
  },
};
