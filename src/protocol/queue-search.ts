/**
 * Finding the lines of a queue that could hold a given URL, by byte search instead of
 * parsing: every spelling of a URL (host case, default port, fragment, trailing slash)
 * contains its path, so a search for the path finds every candidate line, and the caller
 * parses only those. Shared by the focused lint runs (`src/lint/focus.ts`) and the writes
 * under the queue lock (`src/state/queue-scan.ts`).
 *
 * The search is exact only for text where no item URL is one the URL parser rewrites in its
 * path, and where every line is judged on its own: `searchable` refuses non-ASCII bytes
 * (percent-encoded by the parser), dot segments (`/.`, `%2e`) or backslashes in an item's URL,
 * fences and multi-line HTML comments; the caller then parses the whole file.
 */
import { isAscii } from 'node:buffer';

const NEWLINE = 10;

/**
 * Strings whose presence in an item's URL makes the parser rewrite its path into one that is not
 * in the text. (Characters it percent-encodes need no check: a URL whose path holds a `%` is not
 * searched for, see `searchToken`, and the stripped control characters end a path in `isEnd`.)
 */
const REWRITTEN_IN_URL = ['/.', '%2e', '%2E', '\\'];

/** The search token of a URL: its path without a trailing slash; undefined for a bare host. */
export function searchToken(slashKey: string): string | undefined {
  const pathStart = slashKey.indexOf('/', slashKey.indexOf('//') + 2);
  if (pathStart === -1) return undefined;
  let pathEnd = slashKey.length;
  const query = slashKey.indexOf('?', pathStart);
  if (query !== -1) pathEnd = query;
  const hash = slashKey.indexOf('#', pathStart);
  if (hash !== -1 && hash < pathEnd) pathEnd = hash;
  const path = slashKey.slice(pathStart, pathEnd);
  // A `%` may stand for a character another spelling writes raw (`{`, `"`, a control character).
  if (path === '/' || path === '' || path.includes('%')) return undefined;
  return path;
}

/** Whether the byte at `offset` ends a URL's path (or the bytes end). */
function isEnd(bytes: Buffer, offset: number): boolean {
  if (offset >= bytes.length) return true;
  const code = bytes[offset]!;
  // Spaces and control characters (which the parser strips from a URL's end), `?`, `#`, `)`.
  return code <= 32 || code === 63 || code === 35 || code === 41;
}

/** Whether a token ending at `end` ends the path there (`/a` finds `/a`, `/a/`, `/a?q`, not `/about` or `/a/b`). */
export function endsPath(bytes: Buffer, end: number): boolean {
  return isEnd(bytes, end) || (bytes[end] === 47 && isEnd(bytes, end + 1));
}

/** The offset of the start of the line holding `offset`. */
export function lineStartOf(bytes: Buffer, offset: number): number {
  return offset === 0 ? 0 : bytes.lastIndexOf(NEWLINE, offset - 1) + 1;
}

/** Whether `offset` lies inside the URL of a `- URL` line. */
function inItemUrl(bytes: Buffer, offset: number): boolean {
  const start = lineStartOf(bytes, offset);
  if (bytes[start] !== 45 || bytes[start + 1] !== 32 || offset < start + 2) return false;
  for (let index = start + 2; index < offset; index++) {
    const code = bytes[index];
    if (code === 32 || code === 9) return false;
  }
  return true;
}

/** Whether the token search can vouch for these whole lines (see the module comment). */
export function searchable(bytes: Buffer): boolean {
  if (!isAscii(bytes)) return false;
  if (bytes.includes('```') || bytes.includes('~~~')) return false;
  // A comment that opens a line and does not close on it hides the lines after it.
  for (let index = bytes.indexOf('<!--'); index !== -1; index = bytes.indexOf('<!--', index + 4)) {
    if (index !== 0 && bytes[index - 1] !== NEWLINE) continue;
    const newline = bytes.indexOf(NEWLINE, index);
    const close = bytes.indexOf('-->', index);
    if (close === -1 || (newline !== -1 && close > newline)) return false;
  }
  for (const needle of REWRITTEN_IN_URL) {
    for (let index = bytes.indexOf(needle); index !== -1; index = bytes.indexOf(needle, index + 1)) {
      if (inItemUrl(bytes, index)) return false;
    }
  }
  return true;
}

