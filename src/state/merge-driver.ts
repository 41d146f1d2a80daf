/**
 * The git merge driver for the queue files (`relay merge-driver %O %A %B %P`): a three-way,
 * item-level merge. Items are matched by normalised URL, so two clones that claimed,
 * completed and added different URLs merge with no conflict and no loss:
 *
 * - an item added on either side is kept (added on both: ours);
 * - an item changed on one side takes that side's line (changed on both: ours);
 * - in urls_todo.md an item removed on either side is dropped: removal from the pending queue
 *   means completed (or deliberately dropped) there, and done wins over pending;
 * - in urls_done.md an item removed on one side is dropped only if the other side left it
 *   unchanged: a completion is never lost to an edit;
 * - a URL listed twice is written once, and non-item lines (headings, comments) are ours, plus
 *   the ones only theirs added.
 *
 * git merges one file at a time, so "done wins" across the two files is completed by
 * `doneElsewhere`: the URLs done in either side's urls_done.md, which the driver reads from the
 * work tree and from the commit being merged in (`GITHEAD_<sha>`, REBASE_HEAD, CHERRY_PICK_HEAD).
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { loadConfig, resolveRoot } from '../protocol/config.js';
import { outsideRootReason } from '../protocol/inside-root.js';
import { DEFAULT_LAYOUT, type Layout } from '../protocol/layout.js';
import { lineEndingOf, formatQueueItem, lineContent, parseQueue, type QueueItem } from '../protocol/queue.js';
import { annotationFields } from './queue-files.js';
import { writeFileAtomic } from './atomic.js';
import { runGit, showAtRevision } from './git.js';

/** Which queue file is being merged. */
export type QueueKind = 'todo' | 'done';

/** The three versions of one queue file and what else is known. */
export interface QueueMergeInput {
  base: string;
  ours: string;
  theirs: string;
  kind: QueueKind;
  /** URL keys done in urls_done.md on either side; dropped from urls_todo.md. */
  doneElsewhere?: ReadonlySet<string>;
}

/** Merges three versions of a queue file item by item; never conflicts. */
export function mergeQueueTexts(input: QueueMergeInput): string {
  const base = parseQueue(input.base);
  const ours = parseQueue(input.ours);
  const theirs = parseQueue(input.theirs);
  const baseItems = firstByKey(base.items);
  const ourItems = firstByKey(ours.items);
  const theirItems = firstByKey(theirs.items);
  const doneElsewhere = input.doneElsewhere ?? new Set<string>();

  /** The line content to write for a key, or undefined to drop it. */
  const decide = (key: string): string | undefined => {
    if (input.kind === 'todo' && doneElsewhere.has(key)) return undefined;
    const inBase = baseItems.get(key);
    const mine = ourItems.get(key);
    const other = theirItems.get(key);
    const baseLine = inBase && itemText(base.segments, inBase);
    const myLine = mine && itemText(ours.segments, mine);
    const otherLine = other && itemText(theirs.segments, other);
    if (myLine !== undefined && otherLine !== undefined) {
      if (baseLine !== undefined && myLine === baseLine) return otherLine;
      if (input.kind === 'todo') return keepBothClaims(myLine, mine!, other!, inBase);
      return myLine;
    }
    if (baseLine === undefined) return myLine ?? otherLine;
    if (input.kind === 'todo') return undefined;
    const survivor = myLine ?? otherLine;
    return survivor !== undefined && survivor !== baseLine ? survivor : undefined;
  };

  const eol = lineEndingOf(ours.segments.length > 0 ? ours.text : theirs.text);
  const itemAtLine = new Map<number, QueueItem>();
  for (const item of ours.items) itemAtLine.set(item.line, item);
  const out: string[] = [];
  const written = new Set<string>();
  let lastItemIndex = -1;
  for (let index = 0; index < ours.segments.length; index++) {
    const segment = ours.segments[index]!;
    const item = itemAtLine.get(index + 1);
    if (!item) {
      out.push(segment);
      continue;
    }
    if (written.has(item.key)) continue;
    written.add(item.key);
    const text = decide(item.key);
    if (text === undefined) continue;
    out.push(text + segment.slice(lineContent(segment).length));
    lastItemIndex = out.length - 1;
  }

  // What only theirs brought: non-item lines they added, then items they added, in their order.
  const extra: string[] = [];
  const baseCounts = countLines(base, base.items);
  const ourCounts = countLines(ours, ours.items);
  const theirItemLines = new Set(theirs.items.map((item) => item.line));
  const theirSeen = new Map<string, number>();
  for (let index = 0; index < theirs.segments.length; index++) {
    if (theirItemLines.has(index + 1)) continue;
    const content = lineContent(theirs.segments[index]!);
    if (content.trim() === '') continue;
    const seen = (theirSeen.get(content) ?? 0) + 1;
    theirSeen.set(content, seen);
    // The seen-th copy in theirs is new if base had fewer copies and ours has not got it yet.
    if (seen > (baseCounts.get(content) ?? 0) && seen > (ourCounts.get(content) ?? 0)) extra.push(content);
  }
  for (const item of theirs.items) {
    if (written.has(item.key)) continue;
    written.add(item.key);
    const text = decide(item.key);
    if (text !== undefined) extra.push(text);
  }
  if (extra.length === 0) return out.join('');
  // New items go right after ours' last item, so they stay under the list's heading.
  const at = lastItemIndex === -1 ? out.length : lastItemIndex + 1;
  const before = out[at - 1];
  if (before !== undefined && !before.endsWith('\n')) out[at - 1] = before + eol;
  out.splice(at, 0, ...extra.map((line) => line + eol));
  return out.join('');
}

/**
 * Ours' line of a pending URL both sides changed, never dropping theirs' claim silently: a
 * claim theirs made (one base did not have) for an agent ours' line does not name is kept,
 * as the claim when ours' line has none (a release loses to a claim), else as an
 * `also claimed by AGENT at TIME` note that rule `queue-claim-conflict` reports.
 */
function keepBothClaims(myLine: string, mine: QueueItem, other: QueueItem, inBase: QueueItem | undefined): string {
  const theirs = other.claim;
  if (!theirs || (inBase?.claim?.agent === theirs.agent && inBase.claim.at === theirs.at) || mine.claim?.agent === theirs.agent) return myLine;
  const fields = annotationFields(mine);
  const claimText = `${theirs.agent}${theirs.at === undefined ? '' : ` at ${theirs.at}`}`;
  if (!mine.claim) return formatQueueItem(mine.url, [...fields, `claimed by ${claimText}`]);
  const note = `also claimed by ${claimText}`;
  if (fields.some((field) => field.toLowerCase() === note.toLowerCase())) return myLine;
  return formatQueueItem(mine.url, [...fields, note]);
}

/** Whether bytes are text the driver can merge: UTF-8 without NUL bytes. */
export function isMergeableText(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function firstByKey(items: QueueItem[]): Map<string, QueueItem> {
  const map = new Map<string, QueueItem>();
  for (const item of items) if (!map.has(item.key)) map.set(item.key, item);
  return map;
}

function itemText(segments: string[], item: QueueItem): string {
  return lineContent(segments[item.line - 1]!);
}

function countLines(file: { segments: string[] }, items: QueueItem[]): Map<string, number> {
  const itemLines = new Set(items.map((item) => item.line));
  const counts = new Map<string, number>();
  file.segments.forEach((segment, index) => {
    if (itemLines.has(index + 1)) return;
    const content = lineContent(segment);
    counts.set(content, (counts.get(content) ?? 0) + 1);
  });
  return counts;
}

/** The three temp files and the path git gives a merge driver (`%O %A %B %P`). */
export interface MergeDriverFiles {
  base: string;
  ours: string;
  theirs: string;
  /** The file's path in the repository, relative to the work tree's top. */
  pathname: string;
}

/** What the driver did: merged into `ours`, or left a conflict for git to mark. */
export type MergeDriverResult = { ok: true; kind: QueueKind } | { ok: false; reason: string };

/**
 * Runs the driver as git calls it: merges into the `ours` file; run with the work tree's top as
 * `cwd`. git hands it temporary files in the work tree (in the git dir of a bare repository), so
 * a `%O`, `%A` or `%B` anywhere else is refused, and so is the git dir of a work tree, whose hooks
 * and config run commands: the driver runs inside fleet sessions too, and must not be a way to
 * write any file the caller names.
 */
export function runMergeDriver(files: MergeDriverFiles, cwd: string): MergeDriverResult {
  const top = gitTopLevel(cwd);
  const dirs = runGit(['rev-parse', '--path-format=absolute', '--git-dir', '--git-common-dir'], cwd);
  const gitDirs = dirs.ok ? dirs.stdout.split('\n').filter(Boolean) : [];
  const within = (dir: string, path: string): boolean => outsideRootReason(dir, resolve(cwd, path)) === undefined;
  const named: [string, string][] = [['%O', files.base], ['%A', files.ours], ['%B', files.theirs]];
  if (top !== undefined) named.push(['%P', resolve(top, files.pathname)]);
  for (const [label, path] of named) {
    const inGitDir = gitDirs.some((dir) => within(dir, path));
    if (top === undefined ? !inGitDir : !within(top, path) || inGitDir) {
      return { ok: false, reason: `Unexpected ${label} \`${path}\` outside the work tree${top === undefined ? ' and the git directory' : ', or in its git directory'}, expected the files git passes a merge driver; refused` };
    }
  }
  const texts: string[] = [];
  for (const [label, path] of [['base', files.base], ['ours', files.ours], ['theirs', files.theirs]] as const) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (error) {
      return { ok: false, reason: `Cannot read the ${label} version \`${path}\` (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
    }
    if (!isMergeableText(bytes)) {
      return { ok: false, reason: `Unexpected binary or non-UTF-8 ${label} version of \`${files.pathname}\`, expected queue text; resolve the conflict by hand` };
    }
    texts.push(bytes.toString('utf8'));
  }
  const [base, ours, theirs] = texts as [string, string, string];
  const absolute = resolve(top ?? cwd, files.pathname);
  const root = resolveRoot(dirname(absolute));
  const loaded = loadConfig(root);
  const layout = loaded.ok ? loaded.config.layout : DEFAULT_LAYOUT;
  const kind = queueKind(absolute, root, layout, [base, ours, theirs]);
  const input: QueueMergeInput = { base, ours, theirs, kind };
  if (kind === 'todo') {
    const donePath = absolute === join(root, layout.todo) ? join(root, layout.done) : join(dirname(absolute), basename(layout.done));
    input.doneElsewhere = doneKeysAround(donePath, top ?? cwd);
  }
  writeFileAtomic(files.ours, mergeQueueTexts(input));
  return { ok: true, kind };
}

function queueKind(absolute: string, root: string, layout: Layout, texts: string[]): QueueKind {
  if (absolute === join(root, layout.todo)) return 'todo';
  if (absolute === join(root, layout.done)) return 'done';
  const name = basename(absolute).toLowerCase();
  if (name.includes('done')) return 'done';
  if (name.includes('todo')) return 'todo';
  // A renamed queue: the done list is the one whose items carry completion dates.
  let items = 0;
  let completed = 0;
  for (const text of texts) {
    for (const item of parseQueue(text).items) {
      items++;
      if (item.completed !== undefined) completed++;
    }
  }
  return items > 0 && completed * 2 > items ? 'done' : 'todo';
}

/** URL keys done in the work tree's urls_done.md and in the other side's (best effort). */
function doneKeysAround(donePath: string, top: string): Set<string> {
  const keys = new Set<string>();
  const add = (text: string | undefined): void => {
    if (text === undefined) return;
    for (const item of parseQueue(text).items) keys.add(item.key);
  };
  try {
    add(readFileSync(donePath, 'utf8'));
  } catch {
    // No done file here: nothing is done on this side.
  }
  const relativePath = relative(top, donePath).split(sep).join('/');
  if (!relativePath.startsWith('..')) {
    for (const revision of otherSideRevisions(top)) add(showAtRevision(revision, relativePath, top));
  }
  return keys;
}

/**
 * The commits being merged in. During `git merge` MERGE_HEAD is not written yet when drivers
 * run, but git names the merged commit in a `GITHEAD_<sha>` variable; rebase and cherry-pick
 * leave REBASE_HEAD / CHERRY_PICK_HEAD.
 */
function otherSideRevisions(top: string): string[] {
  const revisions = Object.keys(process.env)
    .map((name) => /^GITHEAD_([0-9a-f]{40,64})$/.exec(name)?.[1])
    .filter((sha): sha is string => sha !== undefined);
  for (const head of ['MERGE_HEAD', 'REBASE_HEAD', 'CHERRY_PICK_HEAD']) {
    if (runGit(['rev-parse', '-q', '--verify', head], top).ok) revisions.push(head);
  }
  return revisions;
}

function gitTopLevel(cwd: string): string | undefined {
  const result = runGit(['rev-parse', '--show-toplevel'], cwd);
  return result.ok ? result.stdout.trim() : undefined;
}
