/**
 * Queue counts for the briefing, counted in the raw bytes: 50,000 items take a few native
 * `indexOf` calls, with no text decoding and no URL parsing. Items are `- <something>` lines
 * outside fenced code and HTML comments, as in the queue parser; a file that has fences or
 * comments is counted line by line instead. `relay status` and protocol-lint are what check
 * the items themselves.
 */

/** What the briefing says about the queues. */
export interface QueueSummary {
  todoExists: boolean;
  doneExists: boolean;
  /** Items in the pending queue. */
  pending: number;
  /** Pending items carrying a `claimed by` annotation. */
  claimed: number;
  /** Items in the done queue. */
  done: number;
  /** The first few unclaimed pending URLs, in file order. */
  next: string[];
}

/** How many of the next free items the briefing lists. */
const NEXT_ITEMS = 5;

/** Summarises the two queue files' bytes (undefined when a file is missing). */
export function queueSummary(todo: Buffer | undefined, done: Buffer | undefined): QueueSummary {
  const summary: QueueSummary = { todoExists: todo !== undefined, doneExists: done !== undefined, pending: 0, claimed: 0, done: 0, next: [] };
  if (todo !== undefined) {
    // Latin-1 maps each byte to one character, so string offsets are byte offsets and V8's
    // string search does the counting; only the listed items are decoded as UTF-8.
    const text = todo.toString('latin1');
    const items = itemStarts(text, todo);
    summary.pending = items.length;
    // Claims are found in one pass, then matched to items in order: searching from each
    // item would scan on to the next claim, thousands of times over.
    let claimAt = text.indexOf('(claimed by');
    for (let index = 0; index < items.length; index++) {
      const start = items[index]!;
      const end = lineEnd(text, start);
      while (claimAt !== -1 && claimAt < start) claimAt = text.indexOf('(claimed by', claimAt + 1);
      if (claimAt !== -1 && claimAt < end) summary.claimed++;
      else if (summary.next.length < NEXT_ITEMS) summary.next.push(todo.toString('utf8', start + 2, end).trim());
    }
  }
  if (done !== undefined) summary.done = itemStarts(done.toString('latin1'), done).length;
  return summary;
}

/** Where each item line starts. */
function itemStarts(text: string, bytes: Buffer): number[] {
  if (hasBlockSyntax(text)) return itemStartsSlow(bytes);
  const starts: number[] = [];
  const isItem = (start: number) => text.charCodeAt(start + 2) !== 10 && text.charCodeAt(start + 2) !== 13 && start + 2 < text.length;
  if (text.startsWith('- ') && isItem(0)) starts.push(0);
  for (let at = text.indexOf('\n- '); at !== -1; at = text.indexOf('\n- ', at + 1)) if (isItem(at + 1)) starts.push(at + 1);
  return starts;
}

/** The end of the line starting at `start`, before any `\r\n` or `\n`. */
function lineEnd(text: string, start: number): number {
  let end = text.indexOf('\n', start);
  if (end === -1) end = text.length;
  return end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
}

/** Whether a file has fences or comments, inside which `- ` lines are not items. */
function hasBlockSyntax(text: string): boolean {
  return text.includes('```') || text.includes('~~~') || text.includes('<!--');
}

/** The line-by-line scan, for files with fences or comments. */
function itemStartsSlow(bytes: Buffer): number[] {
  const lines: number[] = [];
  let fence: string | undefined;
  let inComment = false;
  for (let start = 0; start < bytes.length; ) {
    const newline = bytes.indexOf(10, start);
    const next = newline === -1 ? bytes.length : newline + 1;
    let end = newline === -1 ? bytes.length : newline;
    if (end > start && bytes[end - 1] === 13) end--;
    const line = bytes.toString('utf8', start, end);
    if (inComment) {
      if (line.includes('-->')) inComment = false;
    } else {
      const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
      if (marker !== undefined) {
        if (fence === undefined) fence = marker;
        else if (marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      } else if (fence === undefined) {
        if (line.startsWith('<!--')) inComment = !line.includes('-->');
        else if (line.startsWith('- ') && line.length > 2) lines.push(start);
      }
    }
    start = next;
  }
  return lines;
}
