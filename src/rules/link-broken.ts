import { posix } from 'node:path';
import type { Project } from '../lint/project.js';
import type { Link } from '../protocol/markdown.js';
import type { Rule } from '../lint/types.js';
import { bodyStartLine, lintedDocuments } from './util.js';

/** `scheme:` (http:, mailto:, data:, …) and `//host`: not files of the tree. */
const EXTERNAL = /^(?:[A-Za-z][A-Za-z0-9+.-]*:|\/\/)/;

/** What every link the scan or remark could find contains: `](`, a definition's `]:`, or an HTML `href=` / `src=`. */
const HTML_ATTRIBUTE = /\b(?:href|src)\s*=/;

/** `HTML_ATTRIBUTE`, behind plain substring checks: the expression alone cost 60 ms of a fleet run. */
function hasHtmlAttribute(text: string): boolean {
  // An attribute needs `=`: one scan of the text rules out most documents.
  return text.includes('=') && (text.includes('href') || text.includes('src')) && HTML_ATTRIBUTE.test(text);
}

/** Whether a root-relative path (no `..`, no trailing slash) exists. */
function pathExists(project: Project, path: string): boolean {
  return project.pathExists(path);
}

/** Where a link target points inside the root, or why it does not. */
function resolveTarget(from: string, target: string): { path: string } | { outside: true } | undefined {
  let reference = target.trim();
  if (reference === '' || reference.startsWith('#') || EXTERNAL.test(reference)) return undefined;
  const cut = reference.search(/[?#]/);
  if (cut !== -1) reference = reference.slice(0, cut);
  if (reference === '') return undefined;
  try {
    reference = decodeURIComponent(reference);
  } catch {
    // A stray `%` is a literal character in the file name.
  }
  // `/path` is taken from the root, as GitHub renders repository links.
  const joined = reference.startsWith('/') ? posix.normalize(reference.slice(1)) : posix.normalize(posix.join(posix.dirname(from), reference));
  const path = joined.replace(/\/+$/, '');
  if (path === '..' || path.startsWith('../')) return { outside: true };
  return { path: path === '.' ? '' : path };
}

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
      // Most documents link nowhere; they are not scanned for this rule (a third of a fleet run's parsing).
      const text = file.text!;
      if (!text.includes('](') && !text.includes(']:') && !hasHtmlAttribute(text)) continue;
      const scan = file.scan;
      let links: Link[] = scan.links;
      if (scan.needsTree) {
        // remark reads reference links and multi-line link text for certain, but sees HTML
        // only as raw nodes: its links plus the scan's (HTML `href`/`src`), once per position.
        const { treeLinks } = await import('../protocol/markdown-tree.js');
        const frontMatter = file.frontMatter;
        const fromTree = await treeLinks(frontMatter.present ? frontMatter.body : text, bodyStartLine(file));
        const seen = new Set(fromTree.map((link) => `${link.line}:${link.column}`));
        links = [...fromTree, ...scan.links.filter((link) => !seen.has(`${link.line}:${link.column}`))];
      }
      for (const link of links) {
        const resolved = resolveTarget(file.path, link.target);
        if (resolved === undefined) continue;
        if ('outside' in resolved) {
          context.report({
            file: file.path,
            line: link.line,
            column: link.column,
            message: `Unexpected link \`${link.target}\` leaving the root, expected a path inside the root; link to a file in the tree, or use an absolute URL`,
          });
        } else if (!pathExists(context.project, resolved.path)) {
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
