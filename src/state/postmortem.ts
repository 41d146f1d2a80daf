/**
 * `relay postmortem new`: writes `postmortems/YYYY-MM-DD-slug.md` in the protocol's template.
 * Sections the caller does not fill get the template's placeholders, which the linter's
 * `postmortem-placeholder` rule reports until someone writes them: a postmortem is never
 * silently empty.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../protocol/config.js';
import { createFileAtomic } from './atomic.js';

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

/** Writes a new postmortem; refuses to replace one that exists. */
export function createPostmortem(root: string, config: Config, input: PostmortemInput): PostmortemResult {
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
  mkdirSync(join(root, config.layout.postmortems), { recursive: true });
  if (!createFileAtomic(join(root, relative), lines.join('\n'))) {
    return { ok: false, error: `Unexpected existing \`${relative}\`, expected a new file; edit it, or choose another title or \`--date\`` };
  }
  return { ok: true, path: relative, placeholders };
}
