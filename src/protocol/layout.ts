/**
 * The state tree's layout: where each protocol file lives and how it is named
 * (PROTOCOL §2). Every folder and queue path is configurable; the name patterns are fixed.
 */
import { posix } from 'node:path';

/** Where the protocol's files live, relative to the root. */
export interface Layout {
  plan: string;
  review: string;
  discovery: string;
  postmortems: string;
  /** The session ledger: one `<session-id>.md` record per session (PROTOCOL §8). */
  sessions: string;
  todo: string;
  done: string;
  claudeMd: string;
}

/** The default layout of PROTOCOL §2. */
export const DEFAULT_LAYOUT: Layout = {
  plan: 'plan',
  review: 'review',
  discovery: 'discovery',
  postmortems: 'postmortems',
  sessions: 'sessions',
  todo: 'urls_todo.md',
  done: 'urls_done.md',
  claudeMd: 'CLAUDE.md',
};

/** The kinds of protocol file. */
export type FileKind =
  | 'task'
  | 'draft'
  | 'final'
  | 'findings'
  | 'completed'
  | 'postmortem'
  | 'wave-file'
  | 'session'
  | 'todo'
  | 'done'
  | 'claude-md'
  | 'readme';

/** Numbered kinds share one id space per kind: `task-001.md` and `task-0001.md` are the same id. */
export type NumberedKind = 'task' | 'draft' | 'final' | 'findings';

interface NumberedPattern {
  kind: NumberedKind;
  /** The strict name is `${prefix}${three or more digits}${suffix}`. */
  prefix: string;
  suffix: string;
  loose: RegExp;
  home: keyof Layout;
  example: string;
}

const NUMBERED: NumberedPattern[] = [
  { kind: 'task', prefix: 'task-', suffix: '.md', loose: /^tasks?[-_ ]?(\d+)\.[A-Za-z]+$/i, home: 'plan', example: 'task-001.md' },
  { kind: 'draft', prefix: 'draft-', suffix: '.mdx', loose: /^drafts?[-_ ]?(\d+)\.[A-Za-z]+$/i, home: 'review', example: 'draft-001.mdx' },
  { kind: 'final', prefix: 'final-', suffix: '.mdx', loose: /^finals?[-_ ]?(\d+)\.[A-Za-z]+$/i, home: 'review', example: 'final-001.mdx' },
  { kind: 'findings', prefix: 'findings-', suffix: '.md', loose: /^findings?[-_ ]?(\d+)\.[A-Za-z]+$/i, home: 'review', example: 'findings-001.md' },
];

const POSTMORTEM_NAME = /^(\d{4}-\d{2}-\d{2})-[a-z0-9]+(?:-[a-z0-9]+)*\.md$/;
const POSTMORTEM_LOOSE = /^\d{4}[-_]?\d{2}[-_]?\d{2}.*\.(md|markdown|mdx|txt)$/i;
/** A session record's name: the session id (Claude Code's are UUIDs) and `.md`. */
const SESSION_NAME = /^[A-Za-z0-9._-]{1,128}\.md$/;
const SESSION_LOOSE = /^[A-Za-z0-9._-]{1,128}\.(markdown|mdx|md)$/i;
const WAVE_DIR = /^wave-([1-9]\d*)$/;
const WAVE_LOOSE = /^wave[-_ ]?(\d+)$/i;
/** Files any protocol folder may hold without being protocol files. */
const FOLDER_EXTRAS = new Set(['README.md', '.gitkeep', '.keep']);

/** The digest of the discovery waves `relay run` keeps in the discovery folder (src/run/wave-digest.ts). */
export const WAVE_DIGEST = 'INDEX.md';

/** What a path is to the protocol. */
export type Classification =
  | { type: 'protocol'; kind: FileKind; number?: number; wave?: number; date?: string; sessionId?: string }
  | { type: 'misplaced'; kind: FileKind; expected: string }
  | { type: 'bad-name'; folder: string; expected: string; kind?: NumberedKind; number?: number }
  | { type: 'unknown'; folder: string }
  | { type: 'none' };

/**
 * Parses the number in a numbered file name (`task-001.md`: three or more ASCII digits), or
 * returns undefined. Plain string checks, not a regular expression: a pre-commit check asks
 * this of every name in plan/ and review/, and match arrays for 11,000 names are garbage to collect.
 */
export function numberedName(name: string): { kind: NumberedKind; number: number } | undefined {
  for (const pattern of NUMBERED) {
    const { prefix, suffix } = pattern;
    const digits = name.length - prefix.length - suffix.length;
    if (digits < 3 || !name.startsWith(prefix) || !name.endsWith(suffix)) continue;
    for (let index = prefix.length; index < prefix.length + digits; index++) {
      const code = name.charCodeAt(index);
      if (code < 48 || code > 57) return undefined;
    }
    return { kind: pattern.kind, number: Number(name.slice(prefix.length, prefix.length + digits)) };
  }
  return undefined;
}

/** The start of a numbered kind's file names (`task-`). */
export function numberedPrefix(kind: NumberedKind): string {
  return NUMBERED.find((candidate) => candidate.kind === kind)!.prefix;
}

/** The spelling of a numbered name with `width` digits (`task-0001.md` for 1 and 4). */
export function numberedSpelling(kind: NumberedKind, number: number, width: number): string {
  const { prefix, suffix } = NUMBERED.find((candidate) => candidate.kind === kind)!;
  return prefix + String(number).padStart(width, '0') + suffix;
}

/** The file name of a numbered kind, padded to three digits. */
export function numberedFileName(kind: NumberedKind, number: number): string {
  const pattern = NUMBERED.find((candidate) => candidate.kind === kind)!;
  return pattern.example.replace('001', String(number).padStart(3, '0'));
}

/** The wave number of a discovery folder name, or undefined. */
export function waveNumber(name: string): number | undefined {
  const match = WAVE_DIR.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** Classifies a root-relative POSIX path against the layout. */
export function classifyPath(rel: string, layout: Layout): Classification {
  const dir = posix.dirname(rel);
  const name = posix.basename(rel);
  if (rel === layout.todo) return { type: 'protocol', kind: 'todo' };
  if (rel === layout.done) return { type: 'protocol', kind: 'done' };
  if (rel === layout.claudeMd) return { type: 'protocol', kind: 'claude-md' };

  if (dir === layout.plan || dir === layout.review) {
    const numbered = numberedName(name);
    const folderKey: keyof Layout = dir === layout.plan ? 'plan' : 'review';
    if (numbered) {
      const pattern = NUMBERED.find((candidate) => candidate.kind === numbered.kind)!;
      if (pattern.home === folderKey) return { type: 'protocol', kind: numbered.kind, number: numbered.number };
      return { type: 'misplaced', kind: numbered.kind, expected: layout[pattern.home] };
    }
    if (folderKey === 'review' && name === 'completed.md') return { type: 'protocol', kind: 'completed' };
    if (FOLDER_EXTRAS.has(name)) return { type: 'none' };
    for (const pattern of NUMBERED) {
      const loose = pattern.loose.exec(name);
      if (loose) {
        if (pattern.home !== folderKey) break;
        return { type: 'bad-name', folder: dir, expected: pattern.example, kind: pattern.kind, number: Number(loose[1]) };
      }
    }
    if (folderKey === 'review' && /^completed\.[A-Za-z]+$/i.test(name)) {
      return { type: 'bad-name', folder: dir, expected: 'completed.md' };
    }
    return { type: 'unknown', folder: dir };
  }

  if (dir === layout.postmortems) {
    const match = POSTMORTEM_NAME.exec(name);
    if (match) return { type: 'protocol', kind: 'postmortem', date: match[1]! };
    if (FOLDER_EXTRAS.has(name)) return { type: 'none' };
    if (POSTMORTEM_LOOSE.test(name)) return { type: 'bad-name', folder: dir, expected: '2026-03-15-short-title.md' };
    return { type: 'unknown', folder: dir };
  }

  if (dir === layout.sessions) {
    if (FOLDER_EXTRAS.has(name)) return { type: 'none' };
    if (SESSION_NAME.test(name)) return { type: 'protocol', kind: 'session', sessionId: name.slice(0, -3) };
    if (SESSION_LOOSE.test(name)) return { type: 'bad-name', folder: dir, expected: 'a `.md` file named by the session id' };
    return { type: 'unknown', folder: dir };
  }

  if (rel.startsWith(layout.discovery + '/')) {
    const inside = rel.slice(layout.discovery.length + 1).split('/');
    if (inside.length === 1) {
      if (FOLDER_EXTRAS.has(name) || name === WAVE_DIGEST) return { type: 'none' };
      return { type: 'unknown', folder: layout.discovery };
    }
    const waveDir = inside[0]!;
    const wave = waveNumber(waveDir);
    if (wave === undefined) {
      if (WAVE_LOOSE.test(waveDir)) return { type: 'bad-name', folder: layout.discovery, expected: 'wave-1/ (no leading zeros)' };
      return { type: 'unknown', folder: layout.discovery };
    }
    if (inside.length === 2 && name.endsWith('.md')) return { type: 'protocol', kind: 'wave-file', wave };
    if (FOLDER_EXTRAS.has(name)) return { type: 'none' };
    if (inside.length === 2 && /\.(markdown|mdx|txt|MD)$/.test(name)) {
      return { type: 'bad-name', folder: `${layout.discovery}/${waveDir}`, expected: 'a `.md` file' };
    }
    return { type: 'unknown', folder: `${layout.discovery}/${waveDir}` };
  }

  // Outside the protocol folders: only protocol names are of interest (misplaced files).
  const numbered = numberedName(name);
  if (numbered) {
    const pattern = NUMBERED.find((candidate) => candidate.kind === numbered.kind)!;
    return { type: 'misplaced', kind: numbered.kind, expected: layout[pattern.home] };
  }
  if (name === posix.basename(layout.todo)) return { type: 'misplaced', kind: 'todo', expected: layout.todo };
  if (name === posix.basename(layout.done)) return { type: 'misplaced', kind: 'done', expected: layout.done };
  if (/^wave-[1-9]\d*$/.test(posix.basename(dir)) && !dir.startsWith(layout.discovery + '/') && name.endsWith('.md')) {
    return { type: 'misplaced', kind: 'wave-file', expected: layout.discovery };
  }
  return { type: 'none' };
}

/** Whether a path belongs to the protocol at all (used to pick what to read). */
export function isProtocolClassification(classification: Classification): boolean {
  return classification.type !== 'none';
}

/** The folders (and root files) the protocol owns, for targeted listing. */
export function protocolFolders(layout: Layout): string[] {
  return [layout.plan, layout.review, layout.discovery, layout.postmortems, layout.sessions];
}
