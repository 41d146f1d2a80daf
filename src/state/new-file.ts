/**
 * `relay new task|findings`: the next numbered file, created so that many sessions asking at
 * once each get their own. The number is the highest one in the folder (under any spelling,
 * `task-12.md`, `task-0012.md`) plus one; it is chosen under a lock and the file is created
 * with an exclusive create, so a file another tool wrote meanwhile is skipped, never replaced.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../protocol/config.js';
import { numberedFileName } from '../protocol/layout.js';
import { createFileAtomic } from './atomic.js';
import { debug } from '../debug.js';
import { currentTime, utcDate } from './identity.js';
import { ensureFolderInsideRoot } from '../protocol/inside-root.js';
import { withLock, type LockOptions } from './lock.js';

/** The lock numbered files are created (and renumbered) under; apart from the queue's, so claims never wait for it. */
export const IDS_LOCK = 'ids';

/** The kinds `relay new` creates. */
export type NewFileKind = 'task' | 'findings';

/** What goes into a new file besides its number. */
export interface NewFileOptions {
  /** A task's title (`# Task 012: <title>`), or a findings log's (default: the date, and the agent when given). */
  title?: string;
  /** Who is writing, named in a findings log's default title. */
  agent?: string;
  /** The date written into a findings log's default title (default: now, or `RELAY_NOW`). */
  now?: Date;
  lock?: LockOptions;
}

/** The file `createNumberedFile` made. */
export interface NewFile {
  /** Root-relative, POSIX separators. */
  path: string;
  number: number;
  kind: NewFileKind;
}

/** An operation that could not run. */
export type NewFileFailure = { ok: false; error: string };

/** Loose spellings of each kind's names, so `task-7.md` or `Task_0012.md` still count toward the highest number. */
const ANY_SPELLING: Record<NewFileKind, RegExp> = {
  task: /^tasks?[-_ ]?(\d+)\.[A-Za-z]+$/i,
  findings: /^findings?[-_ ]?(\d+)\.[A-Za-z]+$/i,
};

/** The highest number of `kind` among `names`, or 0. */
export function highestNumber(names: Iterable<string>, kind: NewFileKind): number {
  let highest = 0;
  for (const name of names) {
    const match = ANY_SPELLING[kind].exec(name);
    if (match) highest = Math.max(highest, Number(match[1]));
  }
  return highest;
}

/** Creates the next numbered task or findings file with its skeleton and returns where it is. */
export function createNumberedFile(root: string, config: Config, kind: NewFileKind, options: NewFileOptions = {}): ({ ok: true } & NewFile) | NewFileFailure {
  const folder = kind === 'task' ? config.layout.plan : config.layout.review;
  const located = ensureFolderInsideRoot(root, folder);
  if (!located.ok) return located;
  const locked = withLock(
    root,
    IDS_LOCK,
    () => {
      let number = highestNumber(readdirSync(located.path), kind) + 1;
      for (;;) {
        const name = numberedFileName(kind, number);
        if (createFileAtomic(join(located.path, name), skeleton(kind, number, options))) {
          return { path: `${folder}/${name}`, number, kind };
        }
        // Written by something that does not take the lock (an editor, a clone's checkout) since the listing.
        debug('fs', `${folder}/${name} appeared after the listing; trying the next number`);
        number++;
      }
    },
    options.lock,
  );
  if (!locked.ok) return { ok: false, error: `Cannot create a ${kind} file: ${locked.error}` };
  return { ok: true, ...locked.value };
}

/** The number as the file names write it: at least three digits. */
function padded(number: number): string {
  return String(number).padStart(3, '0');
}

/** The first content of a new file: a task's front matter and title, or a findings log's sections. */
function skeleton(kind: NewFileKind, number: number, options: NewFileOptions): string {
  const title = options.title?.replace(/\s+/g, ' ').trim();
  if (kind === 'task') {
    return ['---', `id: task-${padded(number)}`, 'status: todo', '---', `# Task ${padded(number)}${title ? `: ${title}` : ''}`, ''].join('\n');
  }
  const date = utcDate(options.now ?? currentTime());
  const heading = title || (options.agent ? `${date} (${options.agent})` : date);
  // The sections /log-this fills in (commands/log-this.md).
  return [`# Findings ${padded(number)}: ${heading}`, '', '## Done', '', '## Found', '', '## Open', ''].join('\n');
}

/**
 * Creates the numbered file of `kind` with exactly this number (its skeleton, exclusively):
 * `relay new --remote` allocated the number on the remote first. `exists` when a file of that
 * kind and number is here already, under any spelling.
 */
export function createNumberedFileAt(root: string, config: Config, kind: NewFileKind, number: number, options: NewFileOptions = {}): ({ ok: true } & NewFile) | NewFileFailure | { ok: false; exists: true; highest: number } {
  const folder = kind === 'task' ? config.layout.plan : config.layout.review;
  const located = ensureFolderInsideRoot(root, folder);
  if (!located.ok) return located;
  const locked = withLock(
    root,
    IDS_LOCK,
    (): ({ ok: true } & NewFile) | { ok: false; exists: true; highest: number } => {
      const names = readdirSync(located.path);
      const taken = names.some((name) => {
        const match = ANY_SPELLING[kind].exec(name);
        return match !== null && Number(match[1]) === number;
      });
      const name = numberedFileName(kind, number);
      if (taken || !createFileAtomic(join(located.path, name), skeleton(kind, number, options))) return { ok: false, exists: true, highest: Math.max(number, highestNumber(names, kind)) };
      return { ok: true, path: `${folder}/${name}`, number, kind };
    },
    options.lock,
  );
  if (!locked.ok) return { ok: false, error: `Cannot create a ${kind} file: ${locked.error}` };
  return locked.value;
}

/** The highest number of `kind` in its folder here (0 when none or no folder). */
export function highestLocalNumber(root: string, config: Config, kind: NewFileKind): number {
  const folder = kind === 'task' ? config.layout.plan : config.layout.review;
  try {
    return highestNumber(readdirSync(join(root, folder)), kind);
  } catch {
    return 0;
  }
}
