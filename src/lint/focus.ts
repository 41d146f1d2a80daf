/**
 * Focused runs: after an edit of a queue file (the PostToolUse hook) or in a commit
 * (`--staged`), the queues are read only on the lines the change added or replaced, and on
 * every line of either queue that holds one of the URLs of those lines or of the lines it
 * removed (`candidateLines` in src/protocol/queue.ts finds them by text search; the one queue
 * reader reads them). The rules then run unchanged on those items, so they say exactly what
 * the full lint says about the changed lines and every line whose answer the change affects.
 *
 * Where a partial view could change an answer, the queues are read whole instead, and
 * `RELAY_DEBUG=focus` says why: a disable or enable comment in either copy (it governs lines
 * far from it), a change that opens or closes a fence or an HTML comment (it turns later lines
 * into items or out of them), a URL the text search cannot find in every spelling (no path, a
 * `%` in it), a change of more than `MAX_FOCUSED_ITEMS` item lines, or a file other than a queue.
 */
import { debug } from '../debug.js';
import { candidateLines, parseQueueLineAt } from '../protocol/queue.js';
import type { Project } from './project.js';

/** Changes touching more item lines than this are linted whole: a search per URL would cost more than the parse. */
export const MAX_FOCUSED_ITEMS = 1000;

/**
 * The lines of `after` that differ from `before`: `[from, afterEnd)` in `after` replaced
 * `[from, beforeEnd)` in `before`, both whole lines (the shared start and end are whole lines).
 */
export function changedRegion(before: string, after: string): { from: number; afterEnd: number; beforeEnd: number } | undefined {
  const shorter = Math.min(before.length, after.length);
  let prefix = 0;
  // Native comparisons of 4 KiB slices, then characters: a 50,000-line queue compares in a few milliseconds.
  while (prefix + 4096 <= shorter && before.startsWith(after.slice(prefix, prefix + 4096), prefix)) prefix += 4096;
  while (prefix < shorter && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  if (prefix === before.length && prefix === after.length) return undefined;
  const from = prefix === 0 ? 0 : after.lastIndexOf('\n', prefix - 1) + 1;
  let suffix = 0;
  const room = shorter - from;
  while (suffix + 4096 <= room && before.endsWith(after.slice(after.length - suffix - 4096, after.length - suffix), before.length - suffix)) suffix += 4096;
  while (suffix < room && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
  // The shared end starts at a line start in both: after the first line feed it holds, unless it already does.
  const tail = after.length - suffix;
  const lineStart = (text: string, at: number) => at === from || text.charCodeAt(at - 1) === 10;
  if (!lineStart(after, tail) || !lineStart(before, before.length - suffix)) {
    const newline = after.indexOf('\n', tail);
    suffix = newline === -1 ? 0 : after.length - newline - 1;
  }
  return { from, afterEnd: after.length - suffix, beforeEnd: before.length - suffix };
}

/** The normalised URLs (without trailing slash) of the item lines in `text[from, to)`, or undefined when there are too many. */
function urlsIn(text: string, from: number, to: number, into: Set<string>): boolean {
  for (let start = from; start < to; ) {
    const newline = text.indexOf('\n', start);
    const next = newline === -1 || newline >= to ? to : newline + 1;
    let end = next > start && text.charCodeAt(next - 1) === 10 ? next - 1 : next;
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    const parsed = parseQueueLineAt(text, start, end, 0);
    if (parsed !== undefined && 'key' in parsed) into.add(parsed.slashKey);
    if (into.size > MAX_FOCUSED_ITEMS) return false;
    start = next;
  }
  return true;
}

/** Says why a focused run reads the queues whole instead; false, for `applyFocus` to return. */
function unfocused(why: string): false {
  debug('focus', `the queues are linted whole: ${why}`);
  return false;
}

const STRUCTURE = /```|~~~|<!--|-->/;

/**
 * Narrows the queue files of a project to the changed lines and the lines of their URLs, given
 * each changed queue's previous text (by path). Returns false (and changes nothing) when a
 * partial view could change an answer; the files are then linted whole.
 */
export function applyFocus(project: Project, previous: Map<string, string>): boolean {
  const { todo, done } = project.config.layout;
  if (previous.size === 0 || [...previous.keys()].some((path) => path !== todo && path !== done)) return unfocused('a focused file is not a queue file');
  const urls = new Set<string>();
  const regions = new Map<string, { from: number; to: number }>();
  for (const [path, before] of previous) {
    const after = project.file(path).text;
    if (after === undefined) return unfocused(`\`${path}\` could not be read`);
    if (before.includes('protocol-lint-') || after.includes('protocol-lint-')) return unfocused(`\`${path}\` holds a disable or enable comment, which governs lines far from it`);
    const region = changedRegion(before, after);
    if (region === undefined) continue;
    if (STRUCTURE.test(after.slice(region.from, region.afterEnd)) || STRUCTURE.test(before.slice(region.from, region.beforeEnd))) {
      return unfocused(`the change of \`${path}\` opens or closes a fence or an HTML comment`);
    }
    if (!urlsIn(after, region.from, region.afterEnd, urls) || !urlsIn(before, region.from, region.beforeEnd, urls)) return unfocused(`the change of \`${path}\` touches more than ${MAX_FOCUSED_ITEMS} items`);
    regions.set(path, { from: region.from, to: region.afterEnd });
  }
  const files = [todo, done].map((path) => ({ path, file: project.file(path) })).filter(({ file }) => file.text !== undefined);
  const filters = files.map(({ file }) => (urls.size === 0 ? () => false : candidateLines(file.text!, urls)));
  if (filters.some((filter) => filter === undefined)) return unfocused('a changed line holds a URL a text search cannot find in every spelling (no path, or a `%` in it)');
  files.forEach(({ path, file }, index) => {
    const region = regions.get(path);
    const candidate = filters[index]!;
    file.only = region === undefined ? candidate : (start, end) => (start < region.to && end >= region.from) || candidate(start, end);
  });
  return true;
}
