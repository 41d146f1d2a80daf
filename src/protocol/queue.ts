/**
 * The queue files (urls_todo.md, urls_done.md) as data: the ONE reader of the queue format.
 * The lint, relay's writers, the focused lint, the briefing, `relay status` and the dashboard
 * all read queues through `walkQueue` (which lines can hold items: fences and HTML comments
 * are followed on every line) and `parseQueueLineAt` (what a line holds), so they cannot
 * disagree about what is an item or a claim.
 *
 * A linear, line-based reader: the fleet's queues hold 50,000+ items, and a Markdown tree
 * parser needs tens of seconds for one such list. Items keep their offsets in the text, so a
 * rewrite changes only the lines it means to change and keeps every other byte.
 */
import { debug } from '../debug.js';
import { printable } from './printable.js';
import { normalForm, normalizeUrl, normalUrlEnd } from './url.js';

/** One `- <url> (annotation)` line. */
export interface QueueItem {
  /** 1-based line number. */
  line: number;
  /** 1-based column of the URL. */
  column: number;
  /** Offset in the text of the line's first character. */
  start: number;
  /** Offset just past the line's content (before its `\n` or `\r\n`). */
  end: number;
  /** The URL as written. */
  url: string;
  /** The normalised URL: the item's identity. */
  key: string;
  /** The normalised URL without a trailing slash, to spot likely duplicates. */
  slashKey: string;
  /** Text inside the trailing parentheses, if any. */
  annotation?: string;
  /** `completed YYYY-MM-DD`, as written. */
  completed?: string;
  /** `claimed by AGENT at TIMESTAMP`. */
  claim?: { agent: string; at?: string };
  /** `by AGENT`: who completed it. */
  by?: string;
  /** `output PATH`: the file the work produced. */
  output?: string;
  /** Annotation fields this grammar does not know, kept as written. */
  notes: string[];
}

/** A list item that is not a queue item. */
export interface QueueSyntaxProblem {
  line: number;
  column: number;
  text: string;
  reason: string;
}

/** A parsed queue file. */
export interface QueueFile {
  /** The text it was parsed from. */
  readonly text: string;
  /** Every line with its own line ending; joining them gives the text back. Cut when first asked for. */
  readonly segments: string[];
  /** The number of lines (1 + the line feeds), counted once. */
  readonly lineCount: number;
  items: QueueItem[];
  problems: QueueSyntaxProblem[];
}

/** Queue files are read at any size up to this; larger ones are refused (by the lint) or left out (by the hooks). */
export const MAX_QUEUE_BYTES = 512 * 1024 * 1024;

/** Items without notes share one empty, frozen list (100,000 items need not own 100,000 arrays). */
const NO_NOTES: string[] = Object.freeze([]) as unknown as string[];

const ITEM = /^- (\S+)(?:[ \t]+\((.*)\))?[ \t]*$/;
const LOOSE_ITEM = /^(\s*)([-*+]|\d+[.)])(?:[ \t]|$)/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/** The annotation field of a claim, which claim and release replace. */
export const CLAIM_FIELD = /^claimed by\b/i;

/**
 * The note the merge driver adds when two clones claimed one URL for different agents
 * (`also claimed by AGENT at TIME`): the claim it could not keep, visible until someone
 * decides (rule `queue-claim-conflict`). `relay release` and `relay done` remove it.
 */
export const ALSO_CLAIMED_FIELD = /^also claimed by\s+(\S+)(?:\s+at\s+(\S+))?$/i;

/** Splits text into lines that keep their line endings. */
export function splitSegments(text: string): string[] {
  const segments: string[] = [];
  let start = 0;
  for (;;) {
    const newline = text.indexOf('\n', start);
    if (newline === -1) {
      if (start < text.length) segments.push(text.slice(start));
      return segments;
    }
    segments.push(text.slice(start, newline + 1));
    start = newline + 1;
  }
}

/** Strips the line ending from a segment. */
export function lineContent(segment: string): string {
  let end = segment.length;
  if (end > 0 && segment.charCodeAt(end - 1) === 10) end--;
  if (end > 0 && segment.charCodeAt(end - 1) === 13) end--;
  return end === segment.length ? segment : segment.slice(0, end);
}

/**
 * Walks a queue's lines in order and calls `visit` with each line that can hold a list item:
 * outside fenced code and HTML comments, starting like a list item would. `start` and `end`
 * bound the line's content (without its line ending); `line` is its 1-based number. Stops
 * when `visit` returns false. Returns the number of lines walked.
 */
export function walkQueue(text: string, visit: (start: number, end: number, line: number) => boolean | void): number {
  let fence: string | undefined;
  let inComment = false;
  let lineNumber = 0;
  const length = text.length;
  for (let start = 0; start < length; ) {
    const newline = text.indexOf('\n', start);
    const next = newline === -1 ? length : newline + 1;
    let end = newline === -1 ? length : newline;
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    lineNumber++;
    const first = text.charCodeAt(start);
    if (fence === undefined && !inComment && (first === 45 /* - */ || first === 42 /* * */ || first === 43 /* + */ || first === 9 || (first >= 48 && first <= 57))) {
      if (visit(start, end, lineNumber) === false) return lineNumber;
    } else if (first === 96 || first === 126 || first === 32 || first === 60 || inComment || fence !== undefined) {
      // Only lines that can open or close a fence or comment are sliced.
      const content = text.slice(start, end);
      if (inComment) {
        if (content.includes('-->')) inComment = false;
      } else {
        const fenceMatch = FENCE.exec(content);
        if (fence !== undefined) {
          if (fenceMatch && fenceMatch[1]![0] === fence[0] && fenceMatch[1]!.length >= fence.length) fence = undefined;
        } else if (fenceMatch) {
          fence = fenceMatch[1]!;
        } else if (content.startsWith('<!--')) {
          if (!content.includes('-->')) inComment = true;
        } else if (first === 32 && visit(start, end, lineNumber) === false) {
          return lineNumber;
        }
      }
    }
    start = next;
  }
  return lineNumber;
}

/**
 * What the line of `text` between `start` and `end` (its content) holds: an item, a syntax
 * problem, or nothing (not a list item). Judges the line alone; `walkQueue` decides which
 * lines are judged.
 */
export function parseQueueLineAt(text: string, start: number, end: number, line: number): QueueItem | QueueSyntaxProblem | undefined {
  // The common case first: `- http…`, read without slicing the line.
  if (text.charCodeAt(start) === 45 && text.charCodeAt(start + 1) === 32) {
    const item = fastItem(text, start, end, line);
    if (item) return item;
  }
  const content = text.slice(start, end);
  const match = ITEM.exec(content);
  if (match) {
    const url = match[1]!;
    const normalized = normalizeUrl(url);
    if (!normalized.ok) return { line, column: 3, text: content, reason: `\`${printable(url)}\` is not a queue URL: ${normalized.reason}` };
    const item = newItem(line, start, end, url, normalized.key, normalized.slashKey);
    if (match[2] !== undefined) {
      item.annotation = match[2];
      const problem = parseAnnotation(item, match[2]);
      if (problem) return { line, column: content.indexOf('(') + 1, text: content, reason: problem };
    }
    return item;
  }
  const loose = LOOSE_ITEM.exec(content);
  if (!loose) return undefined;
  const [, indent, marker] = loose;
  if (indent!.length > 0) {
    return { line, column: 1, text: content, reason: 'a nested or indented list item is not a queue item; write `- <url>` at the start of the line' };
  }
  if (marker !== '-') return { line, column: 1, text: content, reason: `the list marker \`${marker}\` is not \`-\`; write \`- <url>\`` };
  const rest = content.slice(2).trim();
  if (rest === '') return { line, column: 1, text: content, reason: 'the item is empty; write `- <url>`' };
  const firstWord = rest.split(/\s+/)[0]!;
  if (/^<.*>$/.test(firstWord)) return { line, column: 3, text: content, reason: `\`${printable(firstWord)}\` is wrapped in angle brackets; write the bare URL` };
  const normalized = normalizeUrl(firstWord);
  if (normalized.ok) return { line, column: 3, text: content, reason: 'text after the URL must be one parenthesised annotation, like `(completed 2026-03-19)`' };
  return { line, column: 3, text: content, reason: `\`${printable(firstWord)}\` is not a queue URL: ${normalized.reason}` };
}

/** Every item's fields in one shape, so 100,000 items share one hidden class. */
function newItem(line: number, start: number, end: number, url: string, key: string, slashKey: string): QueueItem {
  return { line, column: 3, start, end, url, key, slashKey, annotation: undefined, completed: undefined, claim: undefined, by: undefined, output: undefined, notes: NO_NOTES };
}

/**
 * Reads `- <url>` or `- <url> (<annotation>)` without regular expressions; undefined for
 * anything unusual, which the full line reader then judges.
 */
function fastItem(text: string, start: number, end: number, line: number): QueueItem | undefined {
  const from = start + 2;
  if (!text.startsWith('http', from)) return undefined;
  // A URL in normal form is read and checked where it stands, in one pass.
  let urlEnd = normalUrlEnd(text, from, end);
  const normal = urlEnd !== -1;
  if (!normal) for (urlEnd = from; urlEnd < end && text.charCodeAt(urlEnd) !== 32 && text.charCodeAt(urlEnd) !== 9; urlEnd++);
  let annotation: string | undefined;
  if (urlEnd < end) {
    let last = end;
    while (last > urlEnd && (text.charCodeAt(last - 1) === 32 || text.charCodeAt(last - 1) === 9)) last--;
    let open = urlEnd;
    while (open < last && (text.charCodeAt(open) === 32 || text.charCodeAt(open) === 9)) open++;
    if (open < last) {
      if (text.charCodeAt(open) !== 40 /* ( */ || text.charCodeAt(last - 1) !== 41 /* ) */ || last - open < 2) return undefined;
      annotation = text.slice(open + 1, last - 1);
    }
  }
  const url = text.slice(from, urlEnd);
  const normalized = normal ? normalForm(url) : normalizeUrl(url);
  if (!normalized.ok) return undefined;
  const item = newItem(line, start, end, url, normalized.key, normalized.slashKey);
  if (annotation !== undefined) {
    item.annotation = annotation;
    parseAnnotation(item, annotation);
  }
  return item;
}

/**
 * Reads the annotation grammar: fields separated by `;` or `,`, each one of
 * `completed YYYY-MM-DD`, `claimed by AGENT at TIMESTAMP`, `by AGENT`, `output PATH`, or free text.
 */
function parseAnnotation(item: QueueItem, annotation: string): string | undefined {
  // The form relay itself writes for done items, read without splitting.
  if (annotation.length === 20 && annotation.startsWith('completed ')) {
    item.completed = annotation.slice(10);
    return undefined;
  }
  for (const rawField of annotation.split(/[;,]/)) {
    const field = rawField.trim();
    if (field === '') continue;
    let match: RegExpExecArray | null;
    if ((match = /^completed\b\s*(.*)$/i.exec(field))) {
      item.completed = match[1]!;
    } else if ((match = /^claimed by\s+(\S+)(?:\s+at\s+(\S+))?$/i.exec(field))) {
      item.claim = match[2] === undefined ? { agent: match[1]! } : { agent: match[1]!, at: match[2] };
    } else if ((match = /^by\s+(\S+)$/i.exec(field))) {
      item.by = match[1]!;
    } else if ((match = /^output\s+(\S+)$/i.exec(field))) {
      item.output = match[1]!;
    } else {
      if (item.notes === NO_NOTES) item.notes = [];
      item.notes.push(field);
    }
  }
  return undefined;
}

/** Splits an annotation into its trimmed, non-empty fields. */
export function annotationFields(item: QueueItem): string[] {
  if (item.annotation === undefined) return [];
  return item.annotation.split(/[;,]/).map((field) => field.trim()).filter((field) => field !== '');
}

/**
 * Parses a queue file's text. `only`, when given, picks the lines worth reading (see
 * `candidateLines`): the others are walked (fences and comments stay exact) but not read, and
 * hold no items or problems in the result.
 */
export function parseQueue(text: string, only?: (start: number, end: number) => boolean): QueueFile {
  const items: QueueItem[] = [];
  const problems: QueueSyntaxProblem[] = [];
  walkQueue(text, (start, end, line) => {
    if (only !== undefined && !only(start, end)) return;
    const parsed = parseQueueLineAt(text, start, end, line);
    if (parsed === undefined) return;
    if ('key' in parsed) items.push(parsed);
    else problems.push(parsed);
  });
  return new ParsedQueue(text, items, problems);
}

/** A parsed queue whose line segments and line count are computed only when asked for, once. */
class ParsedQueue implements QueueFile {
  private cachedSegments?: string[];
  private cachedLineCount?: number;

  constructor(
    readonly text: string,
    readonly items: QueueItem[],
    readonly problems: QueueSyntaxProblem[],
  ) {}

  get segments(): string[] {
    this.cachedSegments ??= splitSegments(this.text);
    return this.cachedSegments;
  }

  get lineCount(): number {
    this.cachedLineCount ??= countLines(this.text);
    return this.cachedLineCount;
  }
}

/** 1 + the number of line feeds in `text`. */
export function countLines(text: string): number {
  let count = 1;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

/**
 * Strings whose presence in an item's URL can make the URL parser rewrite its path into one the
 * text does not hold: dot segments and backslashes (characters it percent-encodes need no
 * check: a wanted URL whose path holds a `%` reads every line, see `candidateLines`).
 */
const REWRITTEN_IN_URL = ['/.', '%2e', '%2E', '\\'];

/**
 * The lines worth reading to find every item whose URL is one of `slashKeys` (normalised,
 * without a trailing slash; twins by trailing slash included): a superset found by native text
 * search, each line then read and compared by `parseQueueLineAt`. Every spelling of a URL with
 * the same key holds the key's path, unless the parser rewrote it (dot segments, backslashes:
 * lines holding those are always read). Undefined when every line must be read (a URL without
 * a path, or with a `%` in it). The predicate must be asked in line order, as `parseQueue` does.
 */
export function candidateLines(text: string, slashKeys: Iterable<string>): LineFilter | undefined {
  const tokens = [...new Set(slashKeys)].map(pathToken);
  if (tokens.some((token) => token === undefined)) return undefined;
  return linesHolding(text, [...(tokens as string[]), ...REWRITTEN_IN_URL]);
}

/** A predicate for `parseQueue`: whether a line holds one of `needles` (asked in line order). */
export function linesHolding(text: string, needles: string[]): LineFilter {
  const hits: number[] = [];
  for (const needle of new Set(needles)) for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) hits.push(at);
  hits.sort((a, b) => a - b);
  let next = 0;
  const filter: LineFilter = (start, end) => {
    while (next < hits.length && hits[next]! < start) next++;
    return next < hits.length && hits[next]! < end;
  };
  filter.none = hits.length === 0;
  return filter;
}

/** A predicate on lines for `parseQueue`; `none` when it holds for no line at all. */
export type LineFilter = ((start: number, end: number) => boolean) & { none?: boolean };

/** A URL's path without a trailing slash; undefined for a bare host or a path holding a `%`. */
function pathToken(slashKey: string): string | undefined {
  const pathStart = slashKey.indexOf('/', slashKey.indexOf('//') + 2);
  if (pathStart === -1) return undefined;
  const query = slashKey.indexOf('?', pathStart);
  const path = slashKey.slice(pathStart, query === -1 ? slashKey.length : query);
  // A `%` may stand for a character another spelling writes raw (`{`, `"`, non-ASCII).
  return path === '/' || path.includes('%') ? undefined : path;
}

/** The items of `text` whose URL is one of `urls` (by key, or by trailing-slash twin with `slashTwins`), in file order. */
export function itemsOf(text: string, urls: { key: string; slashKey: string }[], slashTwins = false): QueueItem[] {
  if (urls.length === 0) return [];
  const keys = new Set(urls.map((url) => (slashTwins ? url.slashKey : url.key)));
  const only = candidateLines(text, urls.map((url) => url.slashKey));
  if (only === undefined) debug('queue', 'every line is read: a URL looked up has no path, or a `%` in it, which a text search cannot find in every spelling');
  // A line that matches nothing holds none of them: no walk at all.
  if (only?.none) return [];
  return parseQueue(text, only).items.filter((item) => keys.has(slashTwins ? item.slashKey : item.key));
}

/** Formats a queue item line (without line ending) from its parts. */
export function formatQueueItem(url: string, fields: string[]): string {
  return fields.length === 0 ? `- ${url}` : `- ${url} (${fields.join(', ')})`;
}

/** The line ending a text mostly uses (that of its first line), so new lines match the old ones. */
export function lineEndingOf(text: string): string {
  const newline = text.indexOf('\n');
  return newline > 0 && text.charCodeAt(newline - 1) === 13 ? '\r\n' : '\n';
}

/** One change to a queue's text: replace a line's content (its ending kept), or remove the whole line (`content` undefined). */
export interface LineEdit {
  start: number;
  end: number;
  content?: string;
}

/**
 * Rewrites a queue's text: applies line edits (offsets from its items; two edits of one line:
 * the first wins) and appends lines with the file's own line ending. Every other byte is kept.
 */
export function rewriteQueue(text: string, edits: LineEdit[], append: string[] = []): string {
  const parts: string[] = [];
  let at = 0;
  for (const edit of [...edits].sort((a, b) => a.start - b.start)) {
    if (edit.start < at) continue;
    parts.push(text.slice(at, edit.start));
    if (edit.content === undefined) {
      const newline = text.indexOf('\n', edit.end);
      at = newline === -1 ? text.length : newline + 1;
    } else {
      parts.push(edit.content);
      at = edit.end;
    }
  }
  parts.push(text.slice(at));
  let out = parts.join('');
  if (append.length > 0) {
    const eol = lineEndingOf(text);
    if (out !== '' && !out.endsWith('\n')) out += eol;
    out += append.map((line) => line + eol).join('');
  }
  return out;
}

/** Whether a claim is older than the TTL; a claim with no readable time cannot be aged, so it counts as stale. */
export function isStaleClaim(item: QueueItem, now: Date, ttlHours: number): boolean {
  if (!item.claim) return false;
  const at = item.claim.at === undefined ? Number.NaN : Date.parse(item.claim.at);
  if (Number.isNaN(at)) return true;
  return now.getTime() - at > ttlHours * 3_600_000;
}

/** Lookups over a queue's items, built once and shared by every check. */
export interface QueueIndex {
  /** The first item of each normalised URL. */
  byKey: Map<string, QueueItem>;
  /** Items whose URL ends in a slash, by their URL without it (first of each). */
  slashVariants: Map<string, QueueItem>;
  /** Later items repeating an earlier URL, with that first item. */
  duplicates: { item: QueueItem; first: QueueItem }[];
  /** Items that differ from an earlier one only by a trailing slash, with that item. */
  likelyDuplicates: { item: QueueItem; first: QueueItem }[];
}

const indexes = new WeakMap<QueueFile, QueueIndex>();

/** The index of a parsed queue (cached per queue). */
export function queueIndex(queue: QueueFile): QueueIndex {
  let index = indexes.get(queue);
  if (index) return index;
  index = { byKey: new Map(), slashVariants: new Map(), duplicates: [], likelyDuplicates: [] };
  const { byKey, slashVariants, duplicates, likelyDuplicates } = index;
  for (const item of queue.items) {
    const first = byKey.get(item.key);
    if (first) {
      duplicates.push({ item, first });
      continue;
    }
    const similar = findSlashVariant(index, item);
    byKey.set(item.key, item);
    if (item.slashKey !== item.key && !slashVariants.has(item.slashKey)) slashVariants.set(item.slashKey, item);
    if (similar) likelyDuplicates.push({ item, first: similar });
  }
  indexes.set(queue, index);
  return index;
}

/** The item of an index that differs from `item` only by a trailing slash, if any. */
export function findSlashVariant(index: QueueIndex, item: QueueItem): QueueItem | undefined {
  if (item.slashKey !== item.key) return index.byKey.get(item.slashKey);
  return index.slashVariants.get(item.key);
}
