/**
 * URL identity for the queues: two items are the same work when their normalised forms
 * are equal. Normalising lower-cases the scheme and host, drops the default port and the
 * fragment (PROTOCOL §2). The WHATWG parser does the work; a fast path skips it for the
 * common case of an already-normal URL, because the fleet queues hold 100,000 items.
 *
 * Some URLs the parser would accept are refused, for lint and relay alike: agents copy
 * queue URLs from the briefing into shell commands, single-quoted (`relay done 'URL'`),
 * and a cloned repository's queue is untrusted. So a queue URL holds no control character
 * (C0, DEL, C1: they hide in a terminal and end lines), no whitespace (it splits a
 * command), no single quote (it ends the quoting), and no backtick or `$(` (a shell runs
 * what follows as a command even inside double quotes). Each has a percent-encoded
 * spelling, which the refusal names.
 */
import { codePointName } from './printable.js';

/** Characters allowed as they are in a path (RFC 3986 pchar plus `/`), by char code. */
const PATH_CHAR = new Uint8Array(128);
for (const char of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/%!$&()*+,;=:@") PATH_CHAR[char.charCodeAt(0)] = 1;
/** Characters the WHATWG parser would change in a query. */
const QUERY_CHANGED = new Set([' ', '#', '"', "'", '<', '>', '`', '\t', '\n', '\r']);

/**
 * Where the URL starting at `from` in `text` ends (at a space, a tab or `end`) when it is
 * already in normal form: lower-case http(s) host without port or user, then nothing or a
 * path of plain characters without dot segments, a query the parser keeps as is, no fragment;
 * -1 when it is not. A character loop over the text itself, because the queues hold 100,000
 * URLs and the queue reader checks each one where it stands.
 */
export function normalUrlEnd(text: string, from: number, end: number): number {
  let index: number;
  if (text.startsWith('https://', from)) index = from + 8;
  else if (text.startsWith('http://', from)) index = from + 7;
  else return -1;
  const hostStart = index;
  let lastLabel = index;
  let previous = 46; // a host may not start with a dot
  for (; index < end; index++) {
    const code = text.charCodeAt(index);
    if (code === 47 /* / */ || code === 63 /* ? */ || code === 32 || code === 9) break;
    const isLabel = (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 45;
    if (!isLabel && !(code === 46 && previous !== 46)) return -1;
    if (code === 46) lastLabel = index + 1;
    previous = code;
  }
  if (index === hostStart || previous === 46) return -1;
  // A host whose last label starts with a digit may be an IPv4 address the parser rewrites (`0x7f.1`).
  if (text.charCodeAt(lastLabel) >= 48 && text.charCodeAt(lastLabel) <= 57) return -1;
  // A query right after the host (`http://x.com?q`): the parser adds the path's slash.
  if (index < end && text.charCodeAt(index) === 63) return -1;
  for (; index < end; index++) {
    const code = text.charCodeAt(index);
    if (code === 63) break;
    if (code === 32 || code === 9) return index;
    if (code >= 128 || PATH_CHAR[code] === 0) return -1;
    // `/.` starts a dot segment (or a hidden name, which is rare enough to take the slow path).
    if (code === 46 && text.charCodeAt(index - 1) === 47) return -1;
    // `$(` is refused (see the module comment): the slow path says so.
    if (code === 40 && text.charCodeAt(index - 1) === 36) return -1;
  }
  for (; index < end; index++) {
    const code = text.charCodeAt(index);
    if (code === 32 || code === 9) return index;
    if (code < 33 || code >= 127 || QUERY_CHANGED.has(text[index]!)) return -1;
    if (code === 40 && text.charCodeAt(index - 1) === 36) return -1;
  }
  // What passed holds none of the refused characters: controls, spaces, `'` and `` ` `` fail above.
  return index;
}

/** The identity of a URL `normalUrlEnd` found in normal form: itself, with a slash when it has no path. */
export function normalForm(url: string): { ok: true; key: string; slashKey: string } {
  const key = url.indexOf('/', url.indexOf('//') + 2) === -1 ? url + '/' : url;
  return { ok: true, key, slashKey: stripTrailingSlash(key) };
}

/** Whitespace outside C0 (which counts as control): the characters JavaScript's `\s` knows. */
const WIDE_SPACE = /[\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/;

/** A character as percent-encoded UTF-8 bytes: `%20`, `%C2%A0`. */
function percentEncoded(char: string): string {
  return [...new TextEncoder().encode(char)].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

/** Why a URL cannot be a queue URL whatever the parser says of it, or undefined (see the module comment). */
function refusal(url: string): string | undefined {
  for (let index = 0; index < url.length; index++) {
    const code = url.charCodeAt(index);
    const char = url[index]!;
    if (code === 32) return 'it holds a space, which splits a shell command; percent-encode it as `%20`';
    if (code < 32 || code === 127 || (code >= 128 && code <= 159)) {
      return `it holds the control character ${codePointName(char)}; percent-encode it as \`${percentEncoded(char)}\``;
    }
    if (code >= 128 && WIDE_SPACE.test(char)) {
      return `it holds the space character ${codePointName(char)}, which splits a shell command; percent-encode it as \`${percentEncoded(char)}\``;
    }
    if (code === 39) return 'it holds a single quote, which ends the quotes around it in a shell command; percent-encode it as `%27`';
    if (code === 96) return 'it holds a backtick, which a shell runs as a command; percent-encode it as `%60`';
    if (code === 36 && url.charCodeAt(index + 1) === 40) return 'it holds `$(`, which a shell runs as a command; percent-encode it as `%24%28`';
  }
  return undefined;
}

/** The result of normalising a queue URL. */
export type NormalizedUrl =
  | { ok: true; key: string; slashKey: string }
  | { ok: false; reason: string };

/** Normalises an absolute http(s) URL, or says why it is not one or is refused (see the module comment). */
export function normalizeUrl(url: string): NormalizedUrl {
  if (normalUrlEnd(url, 0, url.length) === url.length) return normalForm(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, reason: 'it is not a valid absolute URL' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { ok: false, reason: `its scheme \`${parsed.protocol.slice(0, -1)}\` is not http or https` };
  }
  if (!/^https?:\/\//i.test(url)) {
    return { ok: false, reason: 'it is not a valid absolute URL' };
  }
  // Judged after parsing, so text that is no URL at all is called that first.
  const refused = refusal(url);
  if (refused !== undefined) return { ok: false, reason: refused };
  parsed.hash = '';
  return { ok: true, key: parsed.href, slashKey: stripTrailingSlash(parsed.href) };
}

function stripTrailingSlash(key: string): string {
  // `https://x.com/a/` and `https://x.com/a` are likely the same page; the bare host keeps its slash.
  const pathStart = key.indexOf('/', key.indexOf('//') + 2);
  const queryStart = key.indexOf('?');
  const end = queryStart === -1 ? key.length : queryStart;
  if (end - 1 > pathStart && key.charCodeAt(end - 1) === 47 /* / */) {
    return key.slice(0, end - 1) + key.slice(end);
  }
  return key;
}
