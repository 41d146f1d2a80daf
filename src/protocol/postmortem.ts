/**
 * The postmortem document model (PROTOCOL §2): a `# Postmortem: <title>` heading, the
 * `**Date**` and optional `**Session ID**` field lines under it, and the three `##` sections.
 * Built from the linear Markdown scan; no tree is needed.
 */
import type { MarkdownScan } from './markdown.js';

/** The sections every postmortem has, in this order. */
export const POSTMORTEM_SECTIONS = ['What Went Wrong', 'How It Was Fixed', 'Prevention'] as const;

/**
 * The non-empty lines of a postmortem's `## Prevention` section, read line by line from its
 * text (the briefing and the dashboard show them; the rules use the scan's sections).
 */
export function preventionLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((line) => /^##\s+Prevention\s*$/i.test(line.trim()));
  if (start === -1) return [];
  const found: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^#{1,2}\s/.test(line)) break;
    if (line.trim() !== '') found.push(line.trim());
  }
  return found;
}

/** A `**Name**: value` field line. */
export interface PostmortemField {
  value: string;
  line: number;
  /** Column of the value. */
  column: number;
}

/** A `##` section of a postmortem. */
export interface PostmortemSection {
  /** Index into POSTMORTEM_SECTIONS, or -1 for another section. */
  index: number;
  text: string;
  line: number;
  /** Whether the section has any content besides blank lines, headings and comments. */
  empty: boolean;
}

/** What a postmortem says, with positions. */
export interface Postmortem {
  /** The first `#` heading. */
  title?: { text: string; line: number };
  date?: PostmortemField;
  sessionId?: PostmortemField;
  sections: PostmortemSection[];
  /** The last line of the document. */
  lastLine: number;
}

// `**Date**: …` and `**Date:** …`, optionally as a list item.
const FIELD = /^ {0,3}(?:[-*+][ \t]+)?\*\*(Date|Session[ _-]?ID)(?::\*\*|\*\*[ \t]*:)[ \t]*/i;

/** Normalises a section heading for comparison: case, spacing and a trailing colon do not matter. */
function sectionKey(text: string): string {
  return text.replace(/:\s*$/, '').trim().replace(/\s+/g, ' ').toLowerCase();
}

const SECTION_KEYS = POSTMORTEM_SECTIONS.map(sectionKey);

/** Reads a postmortem from the scan of its body; `firstLine` is the body's first line number. */
export function parsePostmortem(scan: MarkdownScan, firstLine: number): Postmortem {
  const { lines, headings } = scan;
  const lastLine = firstLine + Math.max(lines.length, 1) - 1;
  const postmortem: Postmortem = { sections: [], lastLine };
  const firstTitle = headings.find((heading) => heading.depth === 1);
  if (firstTitle) postmortem.title = { text: firstTitle.text, line: firstTitle.line };

  // Field lines sit between the top and the first section.
  const firstSection = headings.find((heading) => heading.depth >= 2);
  const fieldsEnd = Math.min((firstSection ? firstSection.line : lastLine + 1) - firstLine, lines.length);
  for (let index = 0; index < fieldsEnd; index++) {
    const line = lines[index]!;
    if (!line.includes('**')) continue;
    const match = FIELD.exec(line);
    if (!match) continue;
    const field: PostmortemField = { value: line.slice(match[0].length).trim(), line: index + firstLine, column: match[0].length + 1 };
    if (match[1]!.toLowerCase() === 'date') postmortem.date ??= field;
    else postmortem.sessionId ??= field;
  }

  const headingLines = new Set(headings.map((heading) => heading.line));
  for (let position = 0; position < headings.length; position++) {
    const heading = headings[position]!;
    if (heading.depth !== 2) continue;
    let end = lastLine + 1;
    for (let next = position + 1; next < headings.length; next++) {
      if (headings[next]!.depth <= 2) {
        end = headings[next]!.line;
        break;
      }
    }
    postmortem.sections.push({
      index: SECTION_KEYS.indexOf(sectionKey(heading.text)),
      text: heading.text,
      line: heading.line,
      empty: !hasContent(lines, heading.line + 1 - firstLine, end - firstLine, headingLines, firstLine),
    });
  }
  return postmortem;
}

/** Whether lines [from, to) hold anything but blank lines, headings, setext underlines and HTML comments. */
function hasContent(lines: string[], from: number, to: number, headingLines: Set<number>, firstLine: number): boolean {
  let inComment = false;
  for (let index = from; index < to && index < lines.length; index++) {
    let line = lines[index]!.trim();
    if (line === '' || headingLines.has(index + firstLine)) continue;
    if (inComment) {
      const close = line.indexOf('-->');
      if (close === -1) continue;
      inComment = false;
      line = line.slice(close + 3).trim();
    }
    while (line.startsWith('<!--')) {
      const close = line.indexOf('-->');
      if (close === -1) {
        inComment = true;
        line = '';
        break;
      }
      line = line.slice(close + 3).trim();
    }
    // A setext underline belongs to the heading above it.
    if (line === '' || (/^(=+|-+)$/.test(line) && headingLines.has(index + firstLine - 1))) continue;
    return true;
  }
  return false;
}
