/**
 * The queue files (urls_todo.md, urls_done.md) as data. A linear, line-based parser: the
 * fleet's queues hold 50,000+ items, and a Markdown tree parser needs tens of seconds for
 * one such list. Every line is kept as written (with its own line ending), so a rewrite
 * changes only the lines it means to change and keeps the rest byte for byte.
 */
import { printable } from './printable.js';
import { normalizeUrl } from './url.js';

/** One `- <url> (annotation)` line. */
export interface QueueItem {
  /** 1-based line number. */
  line: number;
  /** 1-based column of the URL. */
  column: number;
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
  /** Every line with its own line ending; joining them gives the file back byte for byte. */
  readonly segments: string[];
  items: QueueItem[];
  problems: QueueSyntaxProblem[];
}

/** Items without notes share one empty, frozen list (100,000 items need not own 100,000 arrays). */
const NO_NOTES: string[] = Object.freeze([]) as unknown as string[];

const ITEM = /^- (\S+)(?:[ \t]+\((.*)\))?[ \t]*$/;
const LOOSE_ITEM = /^(\s*)([-*+]|\d+[.)])(?:[ \t]|$)/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

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

/** Parses one queue line (without its ending) into an item, a problem, or nothing (not a list item). */
export function parseQueueLine(content: string, lineNumber: number): QueueItem | QueueSyntaxProblem | undefined {
  const first = content.charCodeAt(0);
  // Fast exit for headings, blank lines and prose: only list-looking lines matter.
  if (first !== 45 /* - */ && first !== 42 /* * */ && first !== 43 /* + */ && first !== 32 && first !== 9 && !(first >= 48 && first <= 57)) {
    return undefined;
  }
  const match = ITEM.exec(content);
  if (match) {
    const url = match[1]!;
    const normalized = normalizeUrl(url);
    if (!normalized.ok) {
      return { line: lineNumber, column: 3, text: content, reason: `\`${printable(url)}\` is not a queue URL: ${normalized.reason}` };
    }
    const item: QueueItem = { line: lineNumber, column: 3, url, key: normalized.key, slashKey: normalized.slashKey, notes: NO_NOTES };
    if (match[2] !== undefined) {
      item.annotation = match[2];
      const problem = parseAnnotation(item, match[2]);
      if (problem) return { line: lineNumber, column: content.indexOf('(') + 1, text: content, reason: problem };
    }
    return item;
  }
  const loose = LOOSE_ITEM.exec(content);
  if (!loose) return undefined;
  const [, indent, marker] = loose;
  if (indent!.length > 0) {
    return { line: lineNumber, column: 1, text: content, reason: 'a nested or indented list item is not a queue item; write `- <url>` at the start of the line' };
  }
  if (marker !== '-') {
    return { line: lineNumber, column: 1, text: content, reason: `the list marker \`${marker}\` is not \`-\`; write \`- <url>\`` };
  }
  const rest = content.slice(2).trim();
  if (rest === '') return { line: lineNumber, column: 1, text: content, reason: 'the item is empty; write `- <url>`' };
  const firstWord = rest.split(/\s+/)[0]!;
  if (/^<.*>$/.test(firstWord)) {
    return { line: lineNumber, column: 3, text: content, reason: `\`${printable(firstWord)}\` is wrapped in angle brackets; write the bare URL` };
  }
  const normalized = normalizeUrl(firstWord);
  if (normalized.ok) {
    return { line: lineNumber, column: 3, text: content, reason: 'text after the URL must be one parenthesised annotation, like `(completed 2026-03-19)`' };
  }
  return { line: lineNumber, column: 3, text: content, reason: `\`${printable(firstWord)}\` is not a queue URL: ${normalized.reason}` };
}

/**
 * Reads the annotation grammar: fields separated by `;` or `,`, each one of
 * `completed YYYY-MM-DD`, `claimed by AGENT at TIMESTAMP`, `by AGENT`, `output PATH`, or free text.
 */
function parseAnnotation(item: QueueItem, annotation: string): string | undefined {
  // The forms relay itself writes, read without splitting or regular expressions.
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

/** Parses a queue file's text. Lines inside fenced code blocks and HTML comments are not items. */
export function parseQueue(text: string): QueueFile {
  const items: QueueItem[] = [];
  const problems: QueueSyntaxProblem[] = [];
  let fence: string | undefined;
  let inComment = false;
  let lineNumber = 0;
  const length = text.length;
  for (let start = 0; start < length; ) {
    // A run of empty lines changes nothing (not even inside a fence or comment): step over it
    // in one tight loop. A focused view (src/lint/focus.ts) is 100,000 such lines and a few others.
    if (text.charCodeAt(start) === 10) {
      let after = start + 1;
      while (after < length && text.charCodeAt(after) === 10) after++;
      lineNumber += after - start;
      start = after;
      continue;
    }
    const newline = text.indexOf('\n', start);
    const next = newline === -1 ? length : newline + 1;
    let end = newline === -1 ? length : newline;
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    lineNumber++;
    const first = text.charCodeAt(start);
    // The common case first: `- http…` outside any fence or comment, read without slicing the line.
    if (first === 45 && fence === undefined && !inComment && text.charCodeAt(start + 1) === 32) {
      const item = fastItem(text, start + 2, end, lineNumber);
      if (item) {
        items.push(item);
        start = next;
        continue;
      }
    }
    // Only lines that can open or close a fence or comment, or look like list items, are sliced.
    if (first === 96 || first === 126 || first === 32 || first === 60 || inComment || fence !== undefined || first === 45 || first === 42 || first === 43 || first === 9 || (first >= 48 && first <= 57)) {
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
        } else {
          const parsed = parseQueueLine(content, lineNumber);
          if (parsed !== undefined) {
            if ('key' in parsed) items.push(parsed);
            else problems.push(parsed);
          }
        }
      }
    }
    start = next;
  }
  return new ParsedQueue(text, items, problems);
}

/**
 * Parses the line of `text` between `start` and `end` (its content, without the line ending)
 * exactly as `parseQueue` does for a line outside any fence or HTML comment, without slicing
 * the common `- http…` line. For callers that look at a few lines of a large queue.
 */
export function parseQueueLineAt(text: string, start: number, end: number, lineNumber: number): QueueItem | QueueSyntaxProblem | undefined {
  if (text.charCodeAt(start) === 45 && text.charCodeAt(start + 1) === 32) {
    const item = fastItem(text, start + 2, end, lineNumber);
    if (item) return item;
  }
  return parseQueueLine(text.slice(start, end), lineNumber);
}

/** A parsed queue whose line segments are cut only when a writer asks for them. */
class ParsedQueue implements QueueFile {
  private cachedSegments?: string[];

  constructor(
    private readonly text: string,
    readonly items: QueueItem[],
    readonly problems: QueueSyntaxProblem[],
  ) {}

  get segments(): string[] {
    this.cachedSegments ??= splitSegments(this.text);
    return this.cachedSegments;
  }
}

/**
 * Reads `<url>` or `<url> (<annotation>)` between `start` and `end` without regular
 * expressions; returns undefined for anything unusual, which the full parser then judges.
 */
function fastItem(text: string, start: number, end: number, lineNumber: number): QueueItem | undefined {
  if (!text.startsWith('http', start)) return undefined;
  let urlEnd = start;
  while (urlEnd < end) {
    const code = text.charCodeAt(urlEnd);
    if (code === 32 || code === 9) break;
    urlEnd++;
  }
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
  const url = text.slice(start, urlEnd);
  const normalized = normalizeUrl(url);
  if (!normalized.ok) return undefined;
  const item: QueueItem = { line: lineNumber, column: 3, url, key: normalized.key, slashKey: normalized.slashKey, notes: NO_NOTES };
  if (annotation !== undefined) {
    item.annotation = annotation;
    parseAnnotation(item, annotation);
  }
  return item;
}

/** Formats a queue item line (without line ending) from its parts. */
export function formatQueueItem(url: string, fields: string[]): string {
  return fields.length === 0 ? `- ${url}` : `- ${url} (${fields.join(', ')})`;
}

/** The line ending a file mostly uses, so new lines match the old ones. */
export function detectLineEnding(segments: string[]): string {
  for (const segment of segments) {
    if (segment.endsWith('\r\n')) return '\r\n';
    if (segment.endsWith('\n')) return '\n';
  }
  return '\n';
}

/**
 * Rewrites a queue file: drops the lines in `remove` (1-based), replaces those in `replace`
 * (content without line ending; the old ending is kept), and appends `append` items at the end
 * with the file's own line ending. Every other byte is kept.
 */
export function rewriteQueue(
  segments: string[],
  edits: { remove?: Iterable<number>; replace?: Map<number, string>; append?: string[] },
): string {
  const removed = new Set(edits.remove ?? []);
  const eol = detectLineEnding(segments);
  const out: string[] = [];
  for (let index = 0; index < segments.length; index++) {
    const lineNumber = index + 1;
    if (removed.has(lineNumber)) continue;
    const replacement = edits.replace?.get(lineNumber);
    if (replacement !== undefined) {
      const segment = segments[index]!;
      out.push(replacement + segment.slice(lineContent(segment).length));
    } else {
      out.push(segments[index]!);
    }
  }
  if (edits.append && edits.append.length > 0) {
    const last = out[out.length - 1];
    if (last !== undefined && !last.endsWith('\n')) out[out.length - 1] = last + eol;
    for (const line of edits.append) out.push(line + eol);
  }
  return out.join('');
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
