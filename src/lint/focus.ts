/**
 * Focused runs: lint only some lines of the queue files, plus the lines of either queue
 * that could be the same URL. The PostToolUse hook and `--staged` use this after a change
 * to a queue file: checking the changed lines against 100,000 others costs a few byte
 * searches instead of parsing every item. Lines outside the focus are blanked (line numbers
 * are kept), so the ordinary rules run unchanged and say exactly what a full run would say
 * about the changed lines and their twins.
 */
import { debug } from '../debug.js';
import { countNewlines, everyChunk, linesAt, skipLines, type ByteSource } from '../protocol/byte-source.js';
import { lineContent, parseQueueLine } from '../protocol/queue.js';
import { endsPath, lineStartOf, searchable, searchToken } from '../protocol/queue-search.js';
import type { Project } from './project.js';

const NEWLINE = 10;

/** The text of the wanted lines (with their line endings), in one walk that stops after the last. */
function linesOf(source: ByteSource, wanted: number[]): Map<number, string> {
  const found = new Map<number, string>();
  const sorted = [...new Set(wanted)].sort((a, b) => a - b);
  let next = 0;
  // The line at the start of the current chunk.
  let line = 1;
  source.forEachChunk((chunk, base) => {
    if (next >= sorted.length) return false;
    // A chunk holding none of the wanted lines is skipped by its (remembered) count.
    const inChunk = source.newlinesIn(chunk, base);
    if (sorted[next]! > line + inChunk) {
      line += inChunk;
      return true;
    }
    let start = 0;
    while (next < sorted.length) {
      const at = skipLines(chunk, start, sorted[next]! - line);
      if (at === -1 || at >= chunk.length) break;
      line = sorted[next]!;
      const newline = chunk.indexOf(NEWLINE, at);
      const end = newline === -1 ? chunk.length : newline + 1;
      found.set(line, chunk.toString('latin1', at, end));
      next++;
      start = at;
    }
    // Chunks end at line ends: count the rest of this one and go on.
    line += countNewlines(chunk, start, chunk.length);
    return next < sorted.length;
  });
  return found;
}

/** Sources found `searchable` throughout (see `prepareSearch`). */
const prepared = new WeakSet<ByteSource>();

/**
 * Checks that a queue is `searchable` throughout, so that a focused search of it later only
 * searches. `--staged` does this while git is still writing HEAD's copies. True when the
 * whole file is searchable. Lines are not counted here: only a twin found needs its number.
 */
export function prepareSearch(source: ByteSource): boolean {
  if (prepared.has(source)) return true;
  const ok = everyChunk(source, (chunk) => searchable(chunk));
  if (ok) prepared.add(source);
  return ok;
}

/**
 * The check `prepareSearch` makes, fed chunk by chunk (whole lines) by a caller that reads the
 * file anyway: `--staged` hashes each staged queue, and checks it in the same walk.
 */
export function searchCheck(source: ByteSource): { chunk(chunk: Buffer): void; finish(): void } {
  let ok = true;
  return {
    chunk(chunk) {
      if (ok && !searchable(chunk)) ok = false;
    },
    finish() {
      if (ok) prepared.add(source);
    },
  };
}

/**
 * Adds every line holding a token that ends a URL path there, by line number, in one walk that
 * also checks that the whole file is `searchable`. False when a chunk is not searchable. Lines
 * are counted afterwards and only up to the last line found: most changes have no twin, and
 * counting a queue's 50,000 lines is what a search costs most.
 */
function twinsOf(source: ByteSource, tokens: Set<string>, keep: Map<number, string>): boolean {
  let ok = true;
  const checked = prepared.has(source);
  const found: Array<{ offset: number; text: string }> = [];
  source.forEachChunk((chunk, base) => {
    if (!checked && !searchable(chunk)) return (ok = false);
    // Chunks end at line ends, so each match's line lies whole in its chunk.
    const starts = new Set<number>();
    for (const token of tokens) {
      for (let offset = chunk.indexOf(token); offset !== -1; offset = chunk.indexOf(token, offset + 1)) {
        if (endsPath(chunk, offset + token.length)) starts.add(lineStartOf(chunk, offset));
      }
    }
    for (const start of [...starts].sort((a, b) => a - b)) {
      const newline = chunk.indexOf(NEWLINE, start);
      found.push({ offset: base + start, text: chunk.toString('latin1', start, newline === -1 ? chunk.length : newline + 1) });
    }
    return true;
  });
  if (!ok) return false;
  // A match that is a focused line itself (its text found once, and kept once) needs no number:
  // an item appended to urls_done.md is found at the end of the file, and numbering it would
  // count every line before it.
  const keptTexts = new Map<string, number>();
  for (const text of keep.values()) keptTexts.set(text, (keptTexts.get(text) ?? 0) + 1);
  const foundTexts = new Map<string, number>();
  for (const { text } of found) foundTexts.set(text, (foundTexts.get(text) ?? 0) + 1);
  const twins = found.filter(({ text }) => !(keptTexts.get(text) === 1 && foundTexts.get(text) === 1));
  const lines = linesAt(source, twins.map(({ offset }) => offset));
  twins.forEach(({ text }, index) => {
    if (!keep.has(lines[index]!)) keep.set(lines[index]!, text);
  });
  return true;
}

/** The text with only the given lines kept; the others are empty lines, so numbers stay. */
function sparse(keep: Map<number, string>): string {
  const parts: string[] = [];
  let previous = 0;
  for (const [line, text] of [...keep].sort((a, b) => a[0] - b[0])) {
    parts.push('\n'.repeat(line - previous - 1), text);
    previous = line;
  }
  return parts.join('');
}

/** Says why a focused run lints the queues whole instead; false, for `applyFocus` to return. */
function unfocused(why: string): false {
  debug('focus', `the queues are linted whole: ${why}`);
  return false;
}

/** The lines to focus on in a queue file: their numbers, or their numbers with their text (then nothing is read to find them). */
export type FocusLines = number[] | Map<number, string>;

/**
 * Narrows the queue files of a project to the focused lines and their possible twins.
 * Returns false (and changes nothing) when a focused file is not a queue file, or when a
 * byte search could miss a twin (see `searchable` in queue-search.ts), and the files are then
 * linted whole. The queues are read in chunks (src/protocol/byte-source.ts), never whole.
 */
export function applyFocus(project: Project, focus: Record<string, FocusLines>): boolean {
  const { todo, done } = project.config.layout;
  const paths = Object.keys(focus);
  if (paths.length === 0 || paths.some((path) => path !== todo && path !== done)) return unfocused('a focused file is not a queue file');
  const queues = [todo, done].map((path) => ({ path, file: project.file(path) })).filter(({ file }) => project.exists(file.path));
  const views = new Map<string, { source: ByteSource; keep: Map<number, string> }>();
  for (const { path, file } of queues) {
    const source = file.byteSource();
    if (source === undefined) return unfocused(`\`${path}\` could not be read in chunks`);
    views.set(path, { source, keep: new Map() });
  }
  const tokens = new Set<string>();
  for (const [path, lines] of Object.entries(focus)) {
    const view = views.get(path);
    if (!view) continue;
    for (const [line, text] of lines instanceof Map ? lines : linesOf(view.source, lines)) {
      view.keep.set(line, text);
      const parsed = parseQueueLine(lineContent(text), line);
      if (!parsed || !('key' in parsed)) continue;
      const token = searchToken(parsed.slashKey);
      if (token === undefined) return unfocused(`line ${line} of \`${path}\` holds a URL a byte search cannot find (a \`%\` in its path)`);
      tokens.add(token);
    }
  }
  // Each queue is walked once: the search for twins checks that it is searchable on its way.
  for (const view of views.values()) {
    if (!(tokens.size > 0 ? twinsOf(view.source, tokens, view.keep) : prepareSearch(view.source))) return unfocused('a queue holds text a byte search cannot vouch for (non-ASCII, dot segments, fences or multi-line comments)');
  }
  for (const { path, file } of queues) {
    const view = views.get(path);
    if (view) file.focus(sparse(view.keep));
  }
  return true;
}
