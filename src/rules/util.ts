/**
 * Small helpers the rules share.
 */
import { posix } from 'node:path';
import type { ProjectFile } from '../lint/project.js';
import type { RuleContext } from '../lint/types.js';
import type { Link, MarkdownScan } from '../protocol/markdown.js';
import { parsePostmortem, type Postmortem } from '../protocol/postmortem.js';

/** The two queue files when either is being linted (the checks between them need both). */
export function queuePair(context: RuleContext<any>): { todo: ProjectFile; done: ProjectFile } | undefined {
  const { layout } = context.project.config;
  const involved = context.targets.some((file) => file.kind === 'todo' || file.kind === 'done');
  if (!involved) return undefined;
  return { todo: context.project.file(layout.todo), done: context.project.file(layout.done) };
}

/** The queue files being linted, each with its parsed model. */
export function lintedQueues(context: RuleContext<any>) {
  return context.targets.filter((file) => (file.kind === 'todo' || file.kind === 'done') && file.queue !== undefined);
}

export { isFutureDate, isRealDate, latestToday } from '../protocol/dates.js';

/** The protocol files of the given kinds among the targets, readable ones only. */
export function targetsOfKind(context: RuleContext<any>, ...kinds: string[]): ProjectFile[] {
  return context.targets.filter((file) => file.kind !== undefined && kinds.includes(file.kind) && file.text !== undefined);
}

/** The documents among the targets (protocol files other than the two queues), readable ones only. */
export function lintedDocuments(context: RuleContext<any>): ProjectFile[] {
  return context.targets.filter((file) => file.isProtocol && file.kind !== 'todo' && file.kind !== 'done' && file.text !== undefined);
}

/** The line number of the first body line (after any front matter). */
export function bodyStartLine(file: ProjectFile): number {
  const frontMatter = file.frontMatter;
  return frontMatter.present ? frontMatter.bodyStartLine : 1;
}

/** The parsed front matter data, when the document has front matter that parsed. */
export function frontMatterData(file: ProjectFile): Record<string, unknown> | undefined {
  const frontMatter = file.frontMatter;
  return frontMatter.present && frontMatter.ok ? frontMatter.data : undefined;
}

/** The raw lines of a document's front matter block, with their 1-based line numbers (the `---` lines included). */
function frontMatterLines(file: ProjectFile): string[] {
  const end = bodyStartLine(file) - 1;
  const text = file.text ?? '';
  const lines: string[] = [];
  let start = 0;
  while (lines.length < end && start <= text.length) {
    const newline = text.indexOf('\n', start);
    const stop = newline === -1 ? text.length : newline;
    lines.push(text.slice(start, stop).replace(/\r$/, ''));
    if (newline === -1) break;
    start = newline + 1;
  }
  return lines;
}

/** Where a top-level front matter key is written (its first line when absent), and where `value` appears under it. */
export function frontMatterPosition(file: ProjectFile, key: string, value?: string): { line: number; column: number } {
  const lines = frontMatterLines(file);
  for (let index = 1; index < lines.length; index++) {
    const line = lines[index]!;
    if (!line.startsWith(key) || !/^\s*:/.test(line.slice(key.length))) continue;
    if (value === undefined) return { line: index + 1, column: 1 };
    // The value is on the key's line (a flow sequence) or on an indented line below it.
    const onKeyLine = line.indexOf(value, key.length);
    if (onKeyLine !== -1) return { line: index + 1, column: onKeyLine + 1 };
    for (let below = index + 1; below < lines.length; below++) {
      const next = lines[below]!;
      if (next !== '' && !/^[\s-]/.test(next)) break;
      const column = next.indexOf(value);
      if (column !== -1) return { line: below + 1, column: column + 1 };
    }
    return { line: index + 1, column: 1 };
  }
  return { line: 1, column: 1 };
}

/** Reports JSON Schema problems of a document's front matter, each at its key. */
export function reportSchemaProblems(
  context: RuleContext<any>,
  file: ProjectFile,
  data: Record<string, unknown>,
  problems: { key: string; reason: string }[],
  schemaFile: string,
): void {
  for (const { key, reason } of problems) {
    const path = key === '(top level)' ? [] : key.split('.');
    const topKey = path[0];
    let message: string;
    let value: unknown = data;
    for (const part of path) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
    const scalar = value === null || ['string', 'number', 'boolean'].includes(typeof value);
    if (reason === 'is not a known key') {
      message = `Unexpected front matter key \`${key}\`, expected only the keys of ${schemaFile}; remove or rename it`;
    } else if (reason === 'is required') {
      message = `Unexpected front matter without \`${key}\`, expected \`${key}\` (${schemaFile} requires it); add it`;
    } else {
      const shown = scalar ? ` \`${String(value)}\`` : '';
      const expected =
        reason === 'must match pattern "\\S"' ? 'text that is not blank' : reason.startsWith('must ') ? `it to ${reason.slice(5)}` : `a value that is valid (${reason})`;
      message = `Unexpected \`${key}\`${shown ? ` value${shown}` : ''} in the front matter, expected ${expected}; fix it (see ${schemaFile})`;
    }
    // An item of a list is found by its value under the key; anything else at the key.
    const position =
      topKey === undefined ? { line: 1, column: 1 } : frontMatterPosition(file, topKey, path.length > 1 && scalar && reason !== 'is required' ? String(value) : undefined);
    context.report({ file: file.path, ...position, message });
  }
}

/** Parsed postmortems, by the scan they were built from (a released file gets a new scan). */
const postmortems = new WeakMap<MarkdownScan, Postmortem>();

/** The postmortem model of a file, parsed once for the five postmortem rules. */
export function postmortemOf(file: ProjectFile): Postmortem {
  const scan = file.scan;
  let postmortem = postmortems.get(scan);
  if (!postmortem) postmortems.set(scan, (postmortem = parsePostmortem(scan, bodyStartLine(file))));
  return postmortem;
}

/** `scheme:` (http:, mailto:, data:, …) and `//host`: not files of the tree. */
const EXTERNAL = /^(?:[A-Za-z][A-Za-z0-9+.-]*:|\/\/)/;

/** What every link the scan or remark could find contains: `](`, a definition's `]:`, or an HTML `href=` / `src=`. */
const HTML_ATTRIBUTE = /\b(?:href|src)\s*=/;

/** `HTML_ATTRIBUTE`, behind plain substring checks: the expression alone cost 60 ms of a fleet run. */
function hasHtmlAttribute(text: string): boolean {
  // An attribute needs `=`: one scan of the text rules out most documents.
  return text.includes('=') && (text.includes('href') || text.includes('src')) && HTML_ATTRIBUTE.test(text);
}

/** Where a link target points inside the root, or why it does not; undefined for external links and pure anchors. */
export function resolveLinkTarget(from: string, target: string): { path: string } | { outside: true } | undefined {
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

/** Links by the scan they were found in: `link-broken` and `wave-inheritance` share one remark pass. */
const linksByScan = new WeakMap<MarkdownScan, Link[]>();

/**
 * The links of a readable document: Markdown links and images, reference definitions, and
 * HTML `href` / `src`. Documents that link nowhere are not scanned (a third of a fleet run's
 * parsing); remark is loaded only for those the linear scan cannot read for certain.
 */
export async function documentLinks(file: ProjectFile): Promise<Link[]> {
  const text = file.text!;
  if (!text.includes('](') && !text.includes(']:') && !hasHtmlAttribute(text)) return [];
  const scan = file.scan;
  const known = linksByScan.get(scan);
  if (known) return known;
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
  linksByScan.set(scan, links);
  return links;
}
