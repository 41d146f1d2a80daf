/**
 * A linear scan of a Markdown document for what the rules need: headings, links, conflict
 * markers and HTML comments, skipping fenced code. One pass, no tree: the fleet tree has
 * thousands of documents and a full Markdown parser costs milliseconds each. Documents whose
 * links the scan cannot read for certain (reference definitions, multi-line link text) are
 * handed to remark by `src/protocol/markdown-tree.ts`.
 */

/** An ATX or setext heading. */
export interface Heading {
  depth: number;
  text: string;
  line: number;
}

/** A link or image destination. */
export interface Link {
  target: string;
  line: number;
  column: number;
}

/** A conflict marker line. */
export interface ConflictMarker {
  marker: string;
  line: number;
}

/** What the scan found. */
export interface MarkdownScan {
  lines: string[];
  headings: Heading[];
  links: Link[];
  conflictMarkers: ConflictMarker[];
  /** Whether the document has constructs the scan does not resolve (reference links); remark decides those. */
  needsTree: boolean;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const CONFLICT = /^(<{7}|>{7}|\|{7})(?: |$)/;
const INLINE_LINK = /!?\[(?:[^\]\\]|\\.)*\]\(\s*(<[^>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g;
const HTML_LINK = /\b(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const REFERENCE_DEFINITION = /^ {0,3}\[[^\]]+\]:\s*(\S+)/;
const REFERENCE_USE = /\]\[[^\]]*\]|\[[^\]]+\](?!\(|:)/;

/**
 * Advances the fenced-code state over one line: the fence left open after it, and whether
 * the line is part of a fence (its opener, contents or closer).
 */
export function trackFence(open: string | undefined, line: string): { open: string | undefined; fenced: boolean } {
  const match = FENCE.exec(line);
  if (open !== undefined) {
    const closes = match !== null && match[1]![0] === open[0] && match[1]!.length >= open.length && line.trim() === match[0].trim();
    return { open: closes ? undefined : open, fenced: true };
  }
  return match ? { open: match[1]!, fenced: true } : { open: undefined, fenced: false };
}

/** Removes inline code spans so their contents are not read as links. */
function stripCode(line: string): string {
  if (!line.includes('`')) return line;
  return line.replace(/(`+)[^`]*?\1/g, (match) => ' '.repeat(match.length));
}

/**
 * A document's lines without their endings (`\n` or `\r\n`), as `splitSegments` and
 * `lineContent` would give them, in one native split: a fleet tree has hundreds of thousands
 * of lines, and two strings per line was a fifth of the lint's garbage.
 */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (text.includes('\r')) {
    for (let index = 0; index < lines.length; index++) {
      const line = lines[index]!;
      if (line.charCodeAt(line.length - 1) === 13) lines[index] = line.slice(0, -1);
    }
  }
  return lines;
}

/** A line that starts with a letter and holds no `[`, `<`, `=` or backtick: prose that no heading, fence, comment or link (not even `src="…"`) can be. */
const PLAIN_PROSE = /^[A-Za-z][^[<`=]*$/;

/**
 * Scans a document body; `firstLine` is the line number of its first line (after front matter).
 * `shortcut: false` reads plain prose the long way too (the tests compare the two).
 */
export function scanMarkdown(text: string, firstLine = 1, options: { shortcut?: boolean } = {}): MarkdownScan {
  const shortcut = options.shortcut ?? true;
  const lines = splitLines(text);
  const headings: Heading[] = [];
  const links: Link[] = [];
  const conflictMarkers: ConflictMarker[] = [];
  let needsTree = false;
  let fence: string | undefined;
  let inComment = false;
  let previousParagraph: { text: string; line: number } | undefined;
  let hasDefinitions = false;
  let hasReferenceUse = false;

  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const lineNumber = index + firstLine;
    // Most lines of a document: one native test instead of the ten below.
    if (shortcut && fence === undefined && !inComment && PLAIN_PROSE.test(line)) {
      previousParagraph = previousParagraph ?? { text: line, line: lineNumber };
      continue;
    }
    const conflict = CONFLICT.exec(line);
    if (conflict) {
      conflictMarkers.push({ marker: conflict[1]!, line: lineNumber });
      previousParagraph = undefined;
      continue;
    }
    const wasOpen = fence !== undefined;
    const step = trackFence(fence, line);
    fence = step.open;
    if (step.fenced) {
      if (!wasOpen) previousParagraph = undefined;
      continue;
    }
    if (inComment) {
      if (line.includes('-->')) inComment = false;
      continue;
    }
    if (line.trimStart().startsWith('<!--') && !line.includes('-->')) {
      inComment = true;
      continue;
    }
    if (line.trim() === '') {
      previousParagraph = undefined;
      continue;
    }
    if (/^( {4}|\t)/.test(line) && previousParagraph === undefined) continue; // indented code
    const atx = ATX.exec(line);
    if (atx) {
      headings.push({ depth: atx[1]!.length, text: (atx[2] ?? '').trim(), line: lineNumber });
      previousParagraph = undefined;
      continue;
    }
    const setext = SETEXT.exec(line);
    if (setext && previousParagraph) {
      headings.push({ depth: setext[1]![0] === '=' ? 1 : 2, text: previousParagraph.text.trim(), line: previousParagraph.line });
      previousParagraph = undefined;
      continue;
    }
    const definition = REFERENCE_DEFINITION.exec(line);
    if (definition) {
      hasDefinitions = true;
      continue;
    }
    const code = stripCode(line);
    if (code.includes('](')) {
      INLINE_LINK.lastIndex = 0;
      for (let match = INLINE_LINK.exec(code); match; match = INLINE_LINK.exec(code)) {
        let target = match[1]!;
        if (target.startsWith('<')) target = target.slice(1, -1);
        links.push({ target, line: lineNumber, column: match.index + 1 });
      }
    }
    if (code.includes('href') || code.includes('src')) {
      HTML_LINK.lastIndex = 0;
      for (let match = HTML_LINK.exec(code); match; match = HTML_LINK.exec(code)) {
        links.push({ target: match[1] ?? match[2] ?? '', line: lineNumber, column: match.index + 1 });
      }
    }
    if (!hasReferenceUse && code.includes('[') && REFERENCE_USE.test(code)) hasReferenceUse = true;
    // Link text that opens on this line and closes on a later one needs the real parser.
    if (code.includes('[') && code.lastIndexOf('[') > code.lastIndexOf(']')) needsTree = true;
    previousParagraph = previousParagraph ?? { text: line, line: lineNumber };
  }
  if (hasDefinitions && hasReferenceUse) needsTree = true;
  return { lines, headings, links, conflictMarkers, needsTree };
}
