/**
 * Queue counts for the briefing, by a scan of line starts: 50,000 items are counted in a few
 * milliseconds because no URL is parsed. Items are `- <something>` lines outside fenced code
 * and HTML comments, as in the queue parser; `relay status` and protocol-lint are what check
 * them.
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

/** Summarises the two queue files' texts (undefined when a file is missing). */
export function queueSummary(todo: string | undefined, done: string | undefined): QueueSummary {
  const summary: QueueSummary = { todoExists: todo !== undefined, doneExists: done !== undefined, pending: 0, claimed: 0, done: 0, next: [] };
  if (todo !== undefined) {
    forEachItem(todo, (start, end) => {
      summary.pending++;
      const claimed = todo.lastIndexOf('(claimed by', end) >= start;
      if (claimed) summary.claimed++;
      else if (summary.next.length < NEXT_ITEMS) summary.next.push(todo.slice(start + 2, end).trim());
    });
  }
  if (done !== undefined) forEachItem(done, () => summary.done++);
  return summary;
}

/** Calls `visit(lineStart, lineEnd)` for each `- ` item line outside fences and comments. */
function forEachItem(text: string, visit: (start: number, end: number) => void): void {
  let fence: string | undefined;
  let inComment = false;
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf('\n', start);
    const next = newline === -1 ? text.length : newline + 1;
    let end = newline === -1 ? text.length : newline;
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    const first = text.charCodeAt(start);
    if (!inComment && fence === undefined && first === 45 /* - */ && text.charCodeAt(start + 1) === 32 && end > start + 2) {
      visit(start, end);
    } else if (inComment) {
      if (text.indexOf('-->', start) !== -1 && text.indexOf('-->', start) < end) inComment = false;
    } else if (first === 96 /* ` */ || first === 126 /* ~ */) {
      const marker = /^(`{3,}|~{3,})/.exec(text.slice(start, Math.min(end, start + 20)))?.[1];
      if (marker !== undefined) {
        if (fence === undefined) fence = marker;
        else if (marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      }
    } else if (fence === undefined && text.startsWith('<!--', start)) {
      const close = text.indexOf('-->', start);
      if (close === -1 || close >= end) inComment = true;
    }
    start = next;
  }
}
