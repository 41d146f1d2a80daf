/**
 * Focused runs: lint only some lines of the queue files, plus the lines of either queue
 * that could be the same URL. The PostToolUse hook and `--staged` use this after a change
 * to a queue file: checking the changed lines against 100,000 others costs a few byte
 * searches instead of parsing every item. Lines outside the focus are blanked (line numbers
 * are kept), so the ordinary rules run unchanged and say exactly what a full run would say
 * about the changed lines and their twins.
 */
import { lineContent, parseQueueLine } from '../protocol/queue.js';
import { endsPath, lineStartOf, searchable, searchToken } from '../protocol/queue-search.js';
import type { Project } from './project.js';

/** An ASCII file's bytes with line positions found on demand (a handful of lines, not all 100,000). */
class Lines {
  constructor(readonly bytes: Buffer) {}

  /** The 1-based line holding an offset, counting on from an earlier position. */
  lineAt(offset: number, from = { offset: 0, line: 1 }): number {
    let line = from.line;
    for (let index = this.bytes.indexOf(10, from.offset); index !== -1 && index < offset; index = this.bytes.indexOf(10, index + 1)) line++;
    return line;
  }

  /** The start offset of a 1-based line, or undefined past the end. */
  startOf(line: number): number | undefined {
    let start = 0;
    for (let current = 1; current < line; current++) {
      const newline = this.bytes.indexOf(10, start);
      if (newline === -1) return undefined;
      start = newline + 1;
    }
    return start <= this.bytes.length ? start : undefined;
  }

  /** The line (with its ending) starting at an offset, as text. */
  segmentAt(start: number): string {
    const newline = this.bytes.indexOf(10, start);
    return this.bytes.toString('latin1', start, newline === -1 ? this.bytes.length : newline + 1);
  }

  /** The text with only the given lines kept; the others are empty lines, so numbers stay. */
  sparse(keep: Map<number, number>): string {
    const parts: string[] = [];
    let previous = 0;
    for (const [line, start] of [...keep].sort((a, b) => a[0] - b[0])) {
      parts.push('\n'.repeat(line - previous - 1), this.segmentAt(start));
      previous = line;
    }
    return parts.join('');
  }
}

/**
 * Narrows the queue files of a project to the focused lines and their possible twins.
 * Returns false (and changes nothing) when a focused file is not a queue file, or when a
 * byte search could miss a twin (see `searchable` in queue-search.ts), and the files are then
 * linted whole.
 */
export function applyFocus(project: Project, focus: Record<string, number[]>): boolean {
  const { todo, done } = project.config.layout;
  const paths = Object.keys(focus);
  if (paths.length === 0 || paths.some((path) => path !== todo && path !== done)) return false;
  const queues = [todo, done].map((path) => ({ path, file: project.file(path) })).filter(({ file }) => project.exists(file.path));
  const views = new Map<string, { lines: Lines; keep: Map<number, number> }>();
  for (const { path, file } of queues) {
    const bytes = file.asciiBytes();
    if (bytes === undefined || !searchable(bytes)) return false;
    views.set(path, { lines: new Lines(bytes), keep: new Map() });
  }
  const tokens = new Set<string>();
  for (const [path, lines] of Object.entries(focus)) {
    const view = views.get(path);
    if (!view) continue;
    for (const line of lines) {
      const start = view.lines.startOf(line);
      if (start === undefined) continue;
      view.keep.set(line, start);
      const parsed = parseQueueLine(lineContent(view.lines.segmentAt(start)), line);
      if (!parsed || !('key' in parsed)) continue;
      const token = searchToken(parsed.slashKey);
      if (token === undefined) return false;
      tokens.add(token);
    }
  }
  for (const view of views.values()) {
    const { bytes } = view.lines;
    for (const token of tokens) {
      // Matches come in order, so line numbers are counted on from the previous match.
      const position = { offset: 0, line: 1 };
      for (let offset = bytes.indexOf(token); offset !== -1; offset = bytes.indexOf(token, offset + 1)) {
        if (!endsPath(bytes, offset + token.length)) continue;
        const lineStart = lineStartOf(bytes, offset);
        const line = view.lines.lineAt(lineStart, position);
        position.offset = lineStart;
        position.line = line;
        view.keep.set(line, lineStart);
      }
    }
  }
  for (const { path, file } of queues) {
    const view = views.get(path);
    if (view) file.focus(view.lines.sparse(view.keep));
  }
  return true;
}
