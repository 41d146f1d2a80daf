/**
 * URL identity for the queues: two items are the same work when their normalised forms
 * are equal. Normalising lower-cases the scheme and host, drops the default port and the
 * fragment (PROTOCOL §2). The WHATWG parser does the work; a fast path skips it for the
 * common case of an already-normal URL, because the fleet queues hold 100,000 items.
 */

/** A URL that is already in normal form: lower-case http(s) host, no port, no fragment, plain path. */
const ALREADY_NORMAL = /^https?:\/\/(?![^?]*\/\.)[a-z0-9-]+(?:\.[a-z0-9-]+)*(?:\/[A-Za-z0-9\-._~/%!$&()*+,;=:@]*)?(?:\?[^\s#"'<>`]*)?$/;

/** The result of normalising a queue URL. */
export type NormalizedUrl =
  | { ok: true; key: string; slashKey: string }
  | { ok: false; reason: string };

/** Normalises an absolute http(s) URL, or says why it is not one. */
export function normalizeUrl(url: string): NormalizedUrl {
  let key: string;
  if (ALREADY_NORMAL.test(url)) {
    key = url.indexOf('/', url.indexOf('//') + 2) === -1 ? url + '/' : url;
  } else {
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
    parsed.hash = '';
    key = parsed.href;
  }
  return { ok: true, key, slashKey: stripTrailingSlash(key) };
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
