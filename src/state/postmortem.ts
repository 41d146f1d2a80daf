/**
 * `relay postmortem new`: writes `postmortems/YYYY-MM-DD-slug.md` in the protocol's template.
 * Sections the caller does not fill get the template's placeholders, which the linter's
 * `postmortem-placeholder` rule reports until someone writes them: a postmortem is never
 * silently empty.
 */
import { ensureFolderInsideRoot } from '../protocol/inside-root.js';
import { join } from 'node:path';
import type { Config } from '../protocol/config.js';
import { isFutureDate, isRealDate, latestToday } from '../protocol/dates.js';
import { codePointName, printable } from '../protocol/printable.js';
import { createFileAtomic } from './atomic.js';
import { currentTime } from './identity.js';

/** The placeholder text of each section the caller leaves empty. */
export const POSTMORTEM_PLACEHOLDERS = {
  what: '[Description of the issue]',
  fix: '[Description of the fix]',
  prevention: '[Prevention steps]',
} as const;

/** What goes into a new postmortem. */
export interface PostmortemInput {
  title: string;
  /** `YYYY-MM-DD`. */
  date: string;
  session?: string;
  /** The time `date` may not be after (default: the current time, `RELAY_NOW` honoured). */
  now?: Date;
  what?: string;
  fix?: string;
  prevention?: string;
}

/** What `createPostmortem` did. */
export type PostmortemResult =
  | { ok: true; path: string; placeholders: ('what' | 'fix' | 'prevention')[] }
  | { ok: false; error: string };

/** A file-name slug: lower-case ASCII words joined by `-`, at most 60 characters. */
export function slugify(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return slug === '' ? 'postmortem' : slug;
}

/** Control characters (C0, DEL, C1), line breaks included: a one-line field holds none. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * Why the one-line fields cannot go into a postmortem, or undefined. A line break in the
 * title or session id would write lines of its own (a forged heading or Date line); a date
 * that is not a real day, or lies in the future, is one `postmortem-date` would report.
 */
function invalidInput(input: PostmortemInput): string | undefined {
  for (const [label, value] of [['title', input.title], ['session id', input.session]] as const) {
    const found = value === undefined ? null : CONTROL.exec(value);
    if (found) {
      const what = found[0] === '\n' || found[0] === '\r' ? 'line break' : `control character ${codePointName(found[0])}`;
      return `Unexpected ${what} in the ${label}, expected one line of text; give it without line breaks or control characters`;
    }
  }
  if (!isRealDate(input.date)) return `Unexpected \`--date ${printable(input.date)}\`, expected a real calendar day as YYYY-MM-DD`;
  const now = input.now ?? currentTime();
  if (isFutureDate(input.date, now)) {
    return `Unexpected \`--date ${input.date}\` in the future, expected ${latestToday(now)} or earlier; give the day it happened`;
  }
  return undefined;
}

/** Writes a new postmortem; refuses one-line fields that are not one line, a future or unreal date, and replacing a file. */
export function createPostmortem(root: string, config: Config, input: PostmortemInput): PostmortemResult {
  const invalid = invalidInput(input);
  if (invalid !== undefined) return { ok: false, error: invalid };
  const relative = `${config.layout.postmortems}/${input.date}-${slugify(input.title)}.md`;
  const placeholders: ('what' | 'fix' | 'prevention')[] = [];
  const section = (key: 'what' | 'fix' | 'prevention'): string => {
    const text = input[key]?.trim();
    if (text) return text;
    placeholders.push(key);
    return POSTMORTEM_PLACEHOLDERS[key];
  };
  const lines = [`# Postmortem: ${input.title.trim()}`, '', `**Date**: ${input.date}`];
  if (input.session) lines.push(`**Session ID**: ${input.session}`);
  lines.push('', '## What Went Wrong', '', section('what'), '', '## How It Was Fixed', '', section('fix'), '', '## Prevention', '', section('prevention'), '');
  const folder = ensureFolderInsideRoot(root, config.layout.postmortems);
  if (!folder.ok) return folder;
  if (!createFileAtomic(join(root, relative), lines.join('\n'))) {
    return { ok: false, error: `Unexpected existing \`${relative}\`, expected a new file; edit it, or choose another title or \`--date\`` };
  }
  return { ok: true, path: relative, placeholders };
}
