/**
 * Renumbering colliding ids (`layout-duplicate-id --fix`, and later `relay sync`): two files of
 * one kind with one number under different spellings (`task-012.md` beside `task-0012.md`, as
 * two clones or a hand edit produce). The later spelling — a longer spelling sorts after a
 * shorter one, then by name, then by content — moves to the next free number, and everything
 * that names it by that spelling follows: relative links in protocol documents, `output`
 * fields in the queue files, and for a task its front matter `id`, other tasks' `depends_on`
 * and its draft and final (`draft-0012.mdx` → `draft-013.mdx`). A reference by the other
 * spelling, or by the bare number, stays with the file that keeps the number.
 *
 * Nothing is lost on a crash: the new files are created (exclusively) first, the references
 * rewritten (each file replaced atomically), and only then are the old names removed; a crash
 * leaves a copy too many, never a file too few. A second run finds nothing to do.
 */
import { lstatSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Config } from '../protocol/config.js';
import { numberedFileName, numberedName, numberedPrefix, type NumberedKind } from '../protocol/layout.js';
import { trackFence } from '../protocol/markdown.js';
import { debug } from '../debug.js';
import { createFileAtomic, writeFileAtomic } from './atomic.js';
import { ensureFolderInsideRoot } from '../protocol/inside-root.js';
import { readRegularFile } from '../protocol/regular-file.js';
import { withLock } from './lock.js';
import { IDS_LOCK } from './new-file.js';
import { QUEUE_LOCK } from './queue-operations.js';

/** Files of one kind that share a number: the first keeps it. */
export interface DuplicateGroup {
  kind: NumberedKind;
  number: number;
  /** Root-relative paths, the one that keeps the number first. */
  paths: string[];
}

/** One file moved to a new number, and what moved with it. */
export interface Renumbered {
  kind: NumberedKind;
  from: string;
  to: string;
  number: number;
  newNumber: number;
  /** A task's draft and final renamed along. */
  along: { from: string; to: string }[];
}

/** What `renumberDuplicates` did. */
export type RenumberResult = { ok: true; renumbered: Renumbered[]; rewritten: string[] } | { ok: false; error: string };

/** Kinds in the order they are repaired: tasks first, so their drafts and finals move with them. */
const KINDS: NumberedKind[] = ['task', 'draft', 'final', 'findings'];
/** Document extensions whose links are rewritten. */
const DOCUMENT = /\.(md|mdx|markdown)$/i;
/** Folders never walked for links. */
const SKIPPED_FOLDERS = new Set(['.git', 'node_modules']);

function homeOf(config: Config, kind: NumberedKind): string {
  return kind === 'task' ? config.layout.plan : config.layout.review;
}

/** Numbered files by kind and number, from the plan and review folders. */
function numberedIndex(root: string, config: Config): Map<NumberedKind, Map<number, string[]>> {
  const index = new Map<NumberedKind, Map<number, string[]>>(KINDS.map((kind) => [kind, new Map()]));
  for (const folder of new Set([config.layout.plan, config.layout.review])) {
    let names: string[];
    try {
      names = readdirSync(join(root, folder));
    } catch {
      continue;
    }
    for (const name of names) {
      const parsed = numberedName(name);
      if (!parsed || folder !== homeOf(config, parsed.kind)) continue;
      const byNumber = index.get(parsed.kind)!;
      const list = byNumber.get(parsed.number) ?? [];
      list.push(`${folder}/${name}`);
      byNumber.set(parsed.number, list);
    }
  }
  return index;
}

/** Orders colliding spellings: the one that keeps the number first. */
function keepOrder(root: string): (a: string, b: string) => number {
  return (a, b) => {
    if (a.length !== b.length) return a.length - b.length;
    if (a !== b) return a < b ? -1 : 1;
    return Buffer.compare(readFileSync(join(root, a)), readFileSync(join(root, b)));
  };
}

/** The ids that collide under the layout, the spelling that keeps each number first. */
export function findDuplicateIds(root: string, config: Config): DuplicateGroup[] {
  const groups: DuplicateGroup[] = [];
  const index = numberedIndex(root, config);
  for (const kind of KINDS) {
    for (const [number, paths] of [...index.get(kind)!].sort(([a], [b]) => a - b)) {
      if (paths.length > 1) groups.push({ kind, number, paths: [...paths].sort(keepOrder(root)) });
    }
  }
  return groups;
}

/**
 * Renumbers every colliding id (or, with `only`, those whose files include one of these
 * root-relative paths) under the ids lock, and returns what moved and which files were rewritten.
 */
export function renumberDuplicates(root: string, config: Config, options: { only?: string[] } = {}): RenumberResult {
  for (const folder of new Set(KINDS.map((kind) => homeOf(config, kind)))) {
    // A folder that is missing holds no collision (and is not created); one that leaves the root is refused.
    if (!isDirectory(join(root, folder))) continue;
    const located = ensureFolderInsideRoot(root, folder);
    if (!located.ok) return located;
  }
  const locked = withLock(root, IDS_LOCK, () => {
    const renumbered: Renumbered[] = [];
    const rewritten = new Set<string>();
    const only = options.only ? new Set(options.only) : undefined;
    // One move at a time, each from a fresh listing: a task's move can settle a draft collision.
    for (;;) {
      const group = findDuplicateIds(root, config).find((candidate) => !only || candidate.paths.some((path) => only.has(path)));
      if (!group) break;
      const odd = group.paths.find((candidate) => !isPlainFile(join(root, candidate)));
      // A symbolic link's content is not copied into the tree (it may point anywhere), nor is a FIFO's.
      if (odd) return { ok: false as const, error: `Unexpected \`${odd}\` that is not a regular file, expected one; renumber \`${group.paths.join('`, `')}\` by hand` };
      const moved = moveOne(root, config, group, group.paths[group.paths.length - 1]!);
      renumbered.push(moved.renumbered);
      for (const path of moved.rewritten) rewritten.add(path);
      only?.add(moved.renumbered.to);
    }
    return { ok: true as const, renumbered, rewritten: [...rewritten].sort() };
  });
  if (!locked.ok) return { ok: false, error: `Cannot renumber: ${locked.error}` };
  return locked.value;
}

/**
 * Moves each of `paths` (numbered files, root-relative) to the next number free both here and
 * above `floors[kind]` (the highest number of that kind another clone has), with everything
 * that names it, as `renumberDuplicates` moves a duplicate: `relay sync` makes room this way
 * for the files the remote's branch brings under the same numbers. Under the ids lock.
 */
export function renumberAbove(root: string, config: Config, paths: string[], floors: Partial<Record<NumberedKind, number>>): RenumberResult {
  const locked = withLock(root, IDS_LOCK, () => {
    const renumbered: Renumbered[] = [];
    const rewritten = new Set<string>();
    for (const path of paths) {
      const parsed = numberedName(posix.basename(path));
      if (!parsed || !isPlainFile(join(root, path))) continue;
      const shared: NumberedKind[] = parsed.kind === 'findings' ? ['findings'] : ['task', 'draft', 'final'];
      const floor = Math.max(0, ...shared.map((kind) => floors[kind] ?? 0));
      const moved = moveOne(root, config, { kind: parsed.kind, number: parsed.number, paths: [path] }, path, floor);
      renumbered.push(moved.renumbered);
      for (const each of moved.rewritten) rewritten.add(each);
    }
    return { ok: true as const, renumbered, rewritten: [...rewritten].sort() };
  });
  if (!locked.ok) return { ok: false, error: `Cannot renumber: ${locked.error}` };
  return locked.value;
}

/** The next number free for `kind`: tasks, drafts and finals share their numbers; findings have their own. */
function nextFree(root: string, config: Config, kind: NumberedKind, floor = 0): number {
  const index = numberedIndex(root, config);
  const shared: NumberedKind[] = kind === 'findings' ? ['findings'] : ['task', 'draft', 'final'];
  let highest = floor;
  for (const each of shared) for (const number of index.get(each)!.keys()) highest = Math.max(highest, number);
  return highest + 1;
}

/** The digits of a numbered name as spelled (`0012` of `task-0012.md`). */
function digitsOf(path: string, kind: NumberedKind): string {
  return posix.basename(path).slice(numberedPrefix(kind).length).replace(/\.[^.]+$/, '');
}

function moveOne(root: string, config: Config, group: DuplicateGroup, path: string, floor = 0): { renumbered: Renumbered; rewritten: string[] } {
  const { kind } = group;
  const digits = digitsOf(path, kind);
  // A task's draft and final of the same spelling move with it.
  const along: { kind: NumberedKind; from: string }[] = [];
  if (kind === 'task') {
    for (const companion of ['draft', 'final'] as const) {
      const name = `${numberedPrefix(companion)}${digits}.mdx`;
      const from = `${config.layout.review}/${name}`;
      if (isPlainFile(join(root, from))) along.push({ kind: companion, from });
    }
  }
  let newNumber = nextFree(root, config, kind, floor);
  let moves: { kind: NumberedKind; from: string; to: string }[];
  for (;;) {
    moves = [{ kind, from: path, to: `${homeOf(config, kind)}/${numberedFileName(kind, newNumber)}` }, ...along.map((item) => ({ ...item, to: `${config.layout.review}/${numberedFileName(item.kind, newNumber)}` }))];
    const created: string[] = [];
    let taken = false;
    for (const move of moves) {
      let content = readFileSync(join(root, move.from));
      if (move.kind === 'task') content = Buffer.from(withTaskId(content.toString('utf8'), digits, newNumber), 'utf8');
      if (createFileAtomic(join(root, move.to), content)) {
        created.push(move.to);
        continue;
      }
      taken = true;
      break;
    }
    if (!taken) break;
    // A name written since the listing by something that does not take the lock: undo and take the next number.
    debug('fs', `number ${newNumber} was taken while renumbering ${path}; trying ${newNumber + 1}`);
    for (const made of created) rmSync(join(root, made), { force: true });
    newNumber++;
  }
  const rewritten = rewriteReferences(root, config, moves, digits, newNumber);
  for (const move of moves) rmSync(join(root, move.from), { force: true });
  debug('fs', `renumbered ${moves.map((move) => `${move.from} -> ${move.to}`).join(', ')}`);
  const [main, ...rest] = moves;
  return {
    renumbered: { kind, from: main!.from, to: main!.to, number: group.number, newNumber, along: rest.map(({ from, to }) => ({ from, to })) },
    rewritten,
  };
}

/** Whether `path` is a regular file itself, not a symbolic link to one. */
function isPlainFile(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}

/** The front matter block of a document: its first and closing line indexes, or undefined. */
function frontMatterLines(lines: string[]): { end: number } | undefined {
  if (lines[0]?.replace(/\r$/, '') !== '---') return undefined;
  for (let index = 1; index < lines.length; index++) {
    const line = lines[index]!.replace(/\r$/, '');
    if (line === '---' || line === '...') return { end: index };
  }
  return undefined;
}

/** A moved task's text with its front matter `id` set to the new number (in the form it was written). */
function withTaskId(text: string, digits: string, newNumber: number): string {
  const lines = text.split('\n');
  const block = frontMatterLines(lines);
  if (!block) return text;
  const idLine = /^(id:[ \t]*)(['"]?)(task-)?(\d+)\2([ \t]*(?:#.*)?\r?)$/;
  for (let index = 1; index < block.end; index++) {
    const match = idLine.exec(lines[index]!);
    if (!match) continue;
    const [, key, quote, prefix, written, tail] = match;
    // A bare number names the number, not a spelling; either way this file's id is the new one.
    if (prefix === undefined && Number(written) !== Number(digits)) continue;
    const value = prefix === undefined ? String(newNumber) : `task-${String(newNumber).padStart(3, '0')}`;
    lines[index] = `${key}${quote}${value}${quote}${tail}`;
  }
  return lines.join('\n');
}

/** Other tasks' `depends_on` entries that spell the moved task's id exactly (`task-0012`). */
function withDependency(text: string, digits: string, newNumber: number): string {
  const lines = text.split('\n');
  const block = frontMatterLines(lines);
  if (!block) return text;
  const spelled = new RegExp(`(^|[^\\w-])task-${digits}(?![\\w-])`, 'g');
  let inside = false;
  for (let index = 1; index < block.end; index++) {
    const line = lines[index]!;
    if (/^depends_on[ \t]*:/.test(line)) inside = true;
    else if (/^\S/.test(line)) inside = false;
    if (inside) lines[index] = line.replace(spelled, `$1task-${String(newNumber).padStart(3, '0')}`);
  }
  return lines.join('\n');
}

/** Where a link target points, root-relative, or undefined for links that are not relative paths. */
function linkedPath(from: string, target: string): string | undefined {
  if (target === '' || target.startsWith('#') || target.startsWith('//') || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(target)) return undefined;
  let path = target.split(/[?#]/, 1)[0]!;
  try {
    path = decodeURIComponent(path);
  } catch {
    // Kept as written.
  }
  const resolved = path.startsWith('/') ? posix.normalize(path.slice(1)) : posix.join(posix.dirname(from), path);
  return resolved;
}

const INLINE_DESTINATION = /(\]\(\s*)(<[^>\n]*>|[^\s()<>]+)/g;
const REFERENCE_DESTINATION = /^( {0,3}\[[^\]]+\]:[ \t]*)(<[^>\n]*>|\S+)/;
const HTML_DESTINATION = /(\b(?:href|src)\s*=\s*)(["'])([^"'\n]*)\2/g;

/** A document's text with the links to `oldPath` pointed at `newPath`'s name, or undefined when none link there. */
export function rewriteLinks(text: string, from: string, oldPath: string, newPath: string): string | undefined {
  const oldName = posix.basename(oldPath);
  if (!text.includes(oldName)) return undefined;
  const newName = posix.basename(newPath);
  const retarget = (destination: string): string => {
    const bare = destination.startsWith('<') ? destination.slice(1, -1) : destination;
    if (linkedPath(from, bare) !== oldPath) return destination;
    const cut = bare.search(/[?#]/);
    const pathPart = cut === -1 ? bare : bare.slice(0, cut);
    const rest = cut === -1 ? '' : bare.slice(cut);
    const slash = pathPart.lastIndexOf('/');
    const changed = `${pathPart.slice(0, slash + 1)}${newName}${rest}`;
    return destination.startsWith('<') ? `<${changed}>` : changed;
  };
  let changed = false;
  let fence: string | undefined;
  const lines = text.split('\n').map((line) => {
    const state = trackFence(fence, line);
    fence = state.open;
    if (state.fenced || !line.includes(oldName)) return line;
    const next = line
      .replace(INLINE_DESTINATION, (_match, lead: string, destination: string) => lead + retarget(destination))
      .replace(REFERENCE_DESTINATION, (_match, lead: string, destination: string) => lead + retarget(destination))
      .replace(HTML_DESTINATION, (_match, lead: string, quote: string, destination: string) => `${lead}${quote}${retarget(destination)}${quote}`);
    if (next !== line) changed = true;
    return next;
  });
  return changed ? lines.join('\n') : undefined;
}

/** The protocol documents links are rewritten in: the protocol folders, CLAUDE.md, and the records folder. */
function documents(root: string, config: Config): string[] {
  const found: string[] = [];
  const sessions = (config.layout as { sessions?: unknown }).sessions;
  const folders = [config.layout.plan, config.layout.review, config.layout.discovery, config.layout.postmortems, typeof sessions === 'string' ? sessions : 'sessions'];
  const walk = (folder: string, depth: number): void => {
    let entries;
    try {
      entries = readdirSync(join(root, folder), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = `${folder}/${entry.name}`;
      // Symbolic links are not followed: a link's target is rewritten where it really lives, if in the tree.
      if (entry.isDirectory() && depth < 4 && !SKIPPED_FOLDERS.has(entry.name)) walk(path, depth + 1);
      else if (entry.isFile() && DOCUMENT.test(entry.name)) found.push(path);
    }
  };
  for (const folder of new Set(folders)) if (isFolderInsideRoot(root, folder)) walk(folder, 0);
  if (isPlainFile(join(root, config.layout.claudeMd))) found.push(config.layout.claudeMd);
  return found;
}

/**
 * A file's text, or undefined when it is missing, unreadable or not a regular file: a FIFO or
 * a device in a cloned tree must not hang `--fix` (it opens without blocking and is refused).
 */
function readTextOrSkip(path: string): string | undefined {
  try {
    return readRegularFile(path)?.toString('utf8');
  } catch (error) {
    debug('fs', `renumbering leaves \`${path}\` alone: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Whether `folder` exists and stays inside the root (a folder that leaves it is neither read nor written). */
function isFolderInsideRoot(root: string, folder: string): boolean {
  if (!isDirectory(join(root, folder))) return false;
  const located = ensureFolderInsideRoot(root, folder);
  if (!located.ok) debug('path', located.error);
  return located.ok;
}

/** Points every reference to the moved files at their new names; returns the files rewritten. */
function rewriteReferences(root: string, config: Config, moves: { kind: NumberedKind; from: string; to: string }[], digits: string, newNumber: number): string[] {
  const rewritten: string[] = [];
  const leaving = new Set(moves.map((move) => move.from));
  const taskMoved = moves.some((move) => move.kind === 'task');
  for (const document of documents(root, config)) {
    if (leaving.has(document)) continue;
    const absolute = join(root, document);
    const text = readTextOrSkip(absolute);
    if (text === undefined) continue;
    let next = text;
    for (const move of moves) next = rewriteLinks(next, document, move.from, move.to) ?? next;
    if (taskMoved && numberedName(posix.basename(document))?.kind === 'task') next = withDependency(next, digits, newNumber);
    if (next === text) continue;
    writeFileAtomic(absolute, next);
    rewritten.push(document);
  }
  // The queues name outputs by their path from the root; they are rewritten under the queue lock.
  const queues = withLock(root, QUEUE_LOCK, () => {
    const changed: string[] = [];
    for (const queue of [config.layout.todo, config.layout.done]) {
      const absolute = join(root, queue);
      const text = readTextOrSkip(absolute);
      if (text === undefined) continue;
      let next = text;
      for (const move of moves) {
        if (!next.includes(move.from)) continue;
        const output = new RegExp(`(\\boutput\\s+)${move.from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=[\\s,;)])`, 'gi');
        next = next.replace(output, `$1${move.to}`);
      }
      if (next === text) continue;
      writeFileAtomic(absolute, next);
      changed.push(queue);
    }
    return changed;
  });
  if (!queues.ok) throw new Error(`Cannot rewrite the queues' outputs: ${queues.error}`);
  return [...rewritten, ...queues.value];
}
