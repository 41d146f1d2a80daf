/**
 * The "get up to speed" briefing: what a session needs to know about the state tree when it
 * starts, bounded by a character budget at any tree size. It reads only what it shows: the
 * folders are listed and their names sorted, then only the newest few files are opened, so a
 * tree of 5,000 plans and 300 postmortems costs a few dozen reads, not thousands. Everything
 * it leaves out is counted and named with the way to read it.
 */
import { createHash } from 'node:crypto';
import { closeSync, readdirSync, readSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { debug } from '../debug.js';
import { unloggedSessions, type BriefedFile, type KnownClosed, type ListedSession } from '../ledger/records.js';
import type { Config } from '../protocol/config.js';
import { preventionLines } from '../protocol/postmortem.js';
import { printable } from '../protocol/printable.js';
import { outsideRootReason } from '../protocol/inside-root.js';
import { openRegularFile, readDocument, readHead, tooBigMessage } from '../protocol/regular-file.js';
import { MAX_QUEUE_BYTES } from '../protocol/queue.js';
import { configuredTtlHours, decodeQueue, queuePaths } from '../state/queue-files.js';
import { countQueues, type QueueStatus } from '../state/queue-status.js';
import { readClaimRefs } from '../claims/view.js';

/** The default budget: well under Claude Code's 10,000-character cap for hook output. */
export const DEFAULT_BRIEF_BUDGET = 6000;

/** Options for {@link buildBrief}. */
export interface BriefOptions {
  /** The most characters the briefing may have (default {@link DEFAULT_BRIEF_BUDGET}). */
  budget?: number;
  /** The session being briefed, left out of the sessions that never logged (default `$CLAUDE_CODE_SESSION_ID`, then `$CLAUDE_SESSION_ID`). */
  session?: string;
  /** Open records younger than this are sessions that may still be running, not ones that never logged (default `$RELAY_UNLOGGED_MINUTES`, else {@link UNLOGGED_MIN_AGE_MS}). */
  unloggedMinAgeMs?: number;
  /** The time to judge ages by (default now). */
  now?: Date;
  /** Session records known not to be open, skipped unread when listing the unlogged ones (updated). */
  knownClosed?: KnownClosed;
}

/** A briefing and the files it read, each with the SHA-256 of its bytes. */
export interface Briefing {
  text: string;
  read: BriefedFile[];
}

/** How old an open session record must be before the briefing names it as never logged: younger ones may still be running. */
export const UNLOGGED_MIN_AGE_MS = 15 * 60 * 1000;
/** `RELAY_UNLOGGED_MINUTES` in milliseconds, when set to a number of minutes (0 or more): fleets of short sessions want less than the default. */
function unloggedMinAgeFromEnv(): number | undefined {
  const raw = process.env.RELAY_UNLOGGED_MINUTES?.trim();
  if (raw === undefined || raw === '') return undefined;
  const minutes = Number(raw);
  if (Number.isFinite(minutes) && minutes >= 0) return minutes * 60_000;
  debug('config', `RELAY_UNLOGGED_MINUTES \`${raw}\` is not a number of minutes; the default ${UNLOGGED_MIN_AGE_MS / 60_000} is used`);
  return undefined;
}

/** How many sessions that never logged the briefing names. */
const UNLOGGED_SHOWN = 3;

/** How many of the next free queue items the briefing lists. */
const NEXT_ITEMS = 5;
/** How many of the newest plans are opened to read their status and title. */
const TASKS_READ = 40;
/** How many of the newest findings logs are opened. */
const FINDINGS_READ = 3;
/** How many of the newest postmortems are opened for their Prevention lines. */
const POSTMORTEMS_READ = 8;
/** Bytes read from the top of a plan: front matter and title live there. */
const PLAN_HEAD_BYTES = 2048;
/** Bytes read from a findings log: its excerpt comes from the top. */
const DOCUMENT_HEAD_BYTES = 16 * 1024;
/**
 * Bytes read from a postmortem: its Prevention section comes last, after sections of any
 * length, so the whole file is read up to this bound (far past any written by hand).
 */
const POSTMORTEM_BYTES = 1024 * 1024;
/** The longest line the briefing prints; longer ones are cut with an ellipsis. */
const LINE_LIMIT = 220;

/** Builds the briefing for a root as Markdown text no longer than the budget. */
export function buildBrief(root: string, config: Config, options: BriefOptions = {}): string {
  // No map of files read: nothing is hashed for a briefing only printed.
  return composeBrief(root, config, options, undefined);
}

/**
 * Builds the briefing and says which files it read, with their content hashes (for the
 * session ledger). Every file is hashed as it is read, each opened once; one it could not
 * read is not among them.
 */
export function buildBriefing(root: string, config: Config, options: BriefOptions = {}): Briefing {
  const read = new Map<string, string>();
  const text = composeBrief(root, config, options, read);
  return { text, read: [...read].map(([path, sha256]) => ({ path, sha256 })) };
}

/** One buffer the rest of a briefed file is hashed through: a fresh one per file cost more than the hashing. */
let hashBuffer: Buffer | undefined;

/** Files the briefing read: root-relative path → the SHA-256 of its bytes; undefined when nobody asks. */
type ReadFiles = Map<string, string> | undefined;

/** The briefing's text; every file it opens is put in `read`, when given. */
function composeBrief(root: string, config: Config, options: BriefOptions, read: ReadFiles): string {
  const budget = Math.max(200, Math.floor(options.budget ?? DEFAULT_BRIEF_BUDGET));
  const { layout } = config;
  // The queues are counted as `relay status` counts them, and hashed for the ledger as they are read.
  const queue = queueCounts(root, config, options.now ?? new Date(), read);
  const planNames = listNames(root, join(root, layout.plan));
  const reviewNames = listNames(root, join(root, layout.review));
  const postmortemNames = listNames(root, join(root, layout.postmortems));
  const discoveryNames = listNames(root, join(root, layout.discovery));

  const header = `# relay briefing: ${basename(root) || root}`;
  if (!queue.todoExists && !queue.doneExists && planNames === undefined && reviewNames === undefined && postmortemNames === undefined) {
    return fit(
      [header, '', `No relay state tree here (no \`${layout.todo}\`, \`${layout.done}\`, \`${layout.plan}/\`, \`${layout.review}/\` or \`${layout.postmortems}/\`). Run \`relay init\` to create one.`],
      budget,
    ).join('\n');
  }

  // Shares of the budget; what a section does not use is not given to the others, which
  // keeps each section's size predictable for the agents that read it every session.
  const share = (fraction: number) => Math.floor(budget * fraction);
  const sections = [
    taskSection(root, layout.plan, planNames ?? [], share(0.25), read, config.maxDocumentBytes),
    queueSection(layout.todo, layout.done, queue, share(0.17)),
    reviewSection(root, layout.review, reviewNames ?? [], share(0.19), read, config.maxDocumentBytes),
    postmortemSection(root, layout.postmortems, postmortemNames ?? [], share(0.2), read, config.maxDocumentBytes),
    discoverySection(root, layout.discovery, discoveryNames, share(0.05)),
    unloggedSection(root, config, options, share(0.09)),
  ];
  const footer = [
    '## How to read more',
    `This briefing opened only the newest files. \`relay status\` gives exact queue counts; Read or Glob the folders above for the rest; \`protocol-lint\` checks the whole tree.`,
  ];
  const lines = [header, '', ...sections.filter((lines) => lines.length > 0).flatMap((section) => [...section, '']), ...footer];
  return fit(lines, budget).join('\n');
}

/** Current tasks: the newest plans' status and title, open ones first. */
function taskSection(root: string, folder: string, names: string[], cap: number, read: ReadFiles, maxBytes: number): string[] {
  const tasks = numbered(names, 'task-', /^task-(\d{3,})\.md$/);
  const heading = `## Tasks (\`${folder}/\`)`;
  if (tasks.length === 0) return [heading, 'No tasks yet.'];
  const opened = newestFirst(tasks, TASKS_READ).map((task) => ({ ...task, ...readPlanHead(root, join(root, folder, task.name), read !== undefined, maxBytes) }));
  for (const task of opened) if (task.sha256 !== undefined) read?.set(`${folder}/${task.name}`, task.sha256);
  const counts = new Map<string, number>();
  for (const task of opened) counts.set(task.status, (counts.get(task.status) ?? 0) + 1);
  const open = opened.filter((task) => task.status !== 'done');
  const countText = [...counts].map(([status, count]) => `${count} ${status}`).join(', ');
  const lines = open.map((task) => `- ${task.name.replace(/\.md$/, '')} [${task.status}] ${task.title}`);
  const unread = tasks.length - opened.length;
  const notes = [
    `${tasks.length} task${tasks.length === 1 ? '' : 's'}; the newest ${opened.length} read: ${countText}.${open.length === 0 ? ' None of them is open.' : ' Open ones:'}`,
  ];
  const tail = unread > 0 ? [`Not read: ${unread} older task${unread === 1 ? '' : 's'} (\`${folder}/task-NNN.md\`; Glob or Read them when you need one).`] : [];
  return section(heading, notes, lines, tail, cap, (dropped) => `… ${dropped} more open task${dropped === 1 ? '' : 's'} not listed (Read \`${folder}/\`).`);
}

/** Queue counts and the next pending items. */
function queueSection(todo: string, done: string, queue: QueueStatus, cap: number): string[] {
  const heading = '## Queue';
  if (!queue.todoExists && !queue.doneExists) return [heading, `No \`${todo}\` or \`${done}\`.`];
  const notes = [
    `\`${todo}\`: ${queue.pending} pending (${queue.claimed} claimed, ${queue.unclaimed} free)${queue.todoExists ? '' : ' (file missing)'}. \`${done}\`: ${queue.done} done${queue.doneExists ? '' : ' (file missing)'}.`,
  ];
  if (queue.syntaxProblems > 0) notes.push(`${queue.syntaxProblems} list line${queue.syntaxProblems === 1 ? ' is' : 's are'} not queue items, so not counted (\`protocol-lint\` names them).`);
  const lines = queue.next.map((url) => `- ${url}`);
  if (lines.length > 0) notes.push('Next free items (take one with `relay claim`; never edit the queue files by hand):');
  const more = queue.unclaimed - queue.next.length;
  const tail = more > 0 ? [`… ${more} more free item${more === 1 ? '' : 's'} in \`${todo}\`.`] : [];
  return section(heading, notes, lines, tail, cap, (dropped) => `… ${dropped} of the next items not listed.`);
}

/** Latest findings logs (excerpts) and drafts still waiting for a final version. */
function reviewSection(root: string, folder: string, names: string[], cap: number, read: ReadFiles, maxBytes: number): string[] {
  const heading = `## Findings and reviews (\`${folder}/\`)`;
  const findings = numbered(names, 'findings-', /^findings-(\d{3,})\.md$/);
  const drafts = numbered(names, 'draft-', /^draft-(\d{3,})\.mdx$/);
  const finals = new Set(numbered(names, 'final-', /^final-(\d{3,})\.mdx$/).map((file) => file.number));
  const waiting = drafts.filter((draft) => !finals.has(draft.number));
  const notes = [
    `${findings.length} findings log${findings.length === 1 ? '' : 's'}, ${drafts.length} draft${drafts.length === 1 ? '' : 's'}, ${finals.size} final${finals.size === 1 ? '' : 's'}.` +
      (waiting.length > 0 ? ` Drafts without a final: ${newestFirst(waiting, 8).map((draft) => draft.name).join(', ')}${waiting.length > 8 ? `, … ${waiting.length - 8} more` : ''}.` : ''),
  ];
  const lines: string[] = [];
  const shown = newestFirst(findings, FINDINGS_READ);
  for (const file of shown) {
    const head = readUpTo(root, join(root, folder, file.name), DOCUMENT_HEAD_BYTES, read !== undefined, maxBytes);
    if (head === undefined) continue;
    if (head.sha256 !== undefined) read?.set(`${folder}/${file.name}`, head.sha256);
    lines.push(`### ${file.name}`, ...(head.tooBig === undefined ? excerpt(head.text, 8) : [head.tooBig]));
  }
  const unread = findings.length - shown.length;
  const tail = unread > 0 ? [`Not read: ${unread} older findings log${unread === 1 ? '' : 's'} (\`${folder}/findings-NNN.md\`).`] : [];
  return section(heading, notes, lines, tail, cap, (dropped) => `… ${dropped} lines of these findings not shown (Read the files).`);
}

/** The Prevention lines of the newest postmortems: the lessons every session should keep. */
function postmortemSection(root: string, folder: string, names: string[], cap: number, read: ReadFiles, maxBytes: number): string[] {
  const heading = `## Postmortem lessons (\`${folder}/\`, newest first)`;
  const files = names.filter((name) => /^\d{4}-\d{2}-\d{2}-.+\.md$/.test(name)).sort().reverse();
  if (files.length === 0) return [heading, 'No postmortems yet.'];
  const lines: string[] = [];
  const opened = files.slice(0, POSTMORTEMS_READ);
  for (const name of opened) {
    const content = readUpTo(root, join(root, folder, name), POSTMORTEM_BYTES, read !== undefined, maxBytes);
    if (content?.sha256 !== undefined) read?.set(`${folder}/${name}`, content.sha256);
    const prevention = content === undefined ? [] : preventionLines(content.text);
    const label = name.replace(/\.md$/, '');
    if (content?.tooBig !== undefined) lines.push(`- ${label}: (${content.tooBig})`);
    else if (prevention.length === 0 && content?.cut) {
      debug('fs', `briefing: ${name}: no Prevention section in the first ${POSTMORTEM_BYTES / 1024} KB, the most the briefing reads of a postmortem`);
      lines.push(`- ${label}: (no Prevention section in its first ${POSTMORTEM_BYTES / 1024} KB)`);
    } else if (prevention.length === 0) lines.push(`- ${label}: (no Prevention section)`);
    else for (const line of prevention) lines.push(`- ${label}: ${line.replace(/^[-*+]\s+/, '')}`);
  }
  const unread = files.length - opened.length;
  const notes = [`${files.length} postmortem${files.length === 1 ? '' : 's'}; Prevention lines of the newest ${opened.length}:`];
  const tail = unread > 0 ? [`Not read: ${unread} older postmortem${unread === 1 ? '' : 's'} (\`${folder}/\`).`] : [];
  return section(heading, notes, lines, tail, cap, (dropped) => `… ${dropped} more Prevention lines not shown (Read \`${folder}/\`).`);
}

/** The discovery relay's waves: which exist and how full the latest is. */
function discoverySection(root: string, folder: string, names: string[] | undefined, cap: number): string[] {
  if (names === undefined) return [];
  const waves = names
    .map((name) => /^wave-([1-9]\d*)$/.exec(name))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => Number(match[1]))
    .sort((a, b) => a - b);
  const heading = `## Discovery (\`${folder}/\`)`;
  if (waves.length === 0) return [heading, 'No waves yet.'];
  const latest = waves[waves.length - 1]!;
  const latestFiles = (listNames(root, join(root, folder, `wave-${latest}`)) ?? []).filter((name) => name.endsWith('.md')).length;
  const text = `Waves ${ranges(waves)}; wave-${latest} holds ${latestFiles} file${latestFiles === 1 ? '' : 's'}. Wave N reads the notes of wave N-1 and \`${folder}/INDEX.md\`, the digest of the waves before.`;
  return section(heading, [text], [], [], cap, () => '');
}

/**
 * Sessions that never logged: open records old enough not to be running still, newest first,
 * a few; younger open ones are only counted. Absent when there are none, so a tree without
 * a ledger briefs as before. Listing reads each record's front matter only.
 */
function unloggedSection(root: string, config: Config, options: BriefOptions, cap: number): string[] {
  const exclude = options.session ?? (process.env.CLAUDE_CODE_SESSION_ID || process.env.CLAUDE_SESSION_ID || undefined);
  const now = options.now ?? new Date();
  const minAge = options.unloggedMinAgeMs ?? unloggedMinAgeFromEnv() ?? UNLOGGED_MIN_AGE_MS;
  const open: ListedSession[] = unloggedSessions(root, config, { limit: Number.MAX_SAFE_INTEGER, exclude, now, knownClosed: options.knownClosed });
  if (open.length === 0) return [];
  const cutoff = now.getTime() - minAge;
  const stale = open.filter((record) => Date.parse(record.started) <= cutoff);
  const running = open.length - stale.length;
  const heading = '## Sessions that never logged';
  const runningNote = running > 0 ? ` ${running} more open session${running === 1 ? '' : 's'} started in the last ${Math.round(minAge / 60000)} min (may still be running).` : '';
  if (stale.length === 0) return [heading, `None.${runningNote}`];
  const notes = [
    `${stale.length} session record${stale.length === 1 ? '' : 's'} still \`open\` (no /relay:log-this).${runningNote} Recover with /relay:get-up-to-speed (\`relay session recover ID\`):`,
  ];
  const lines = stale.slice(0, UNLOGGED_SHOWN).map((record) => `- \`${record.session_id}\` (${record.role}, \`${record.agent}\`${record.run ? `, run \`${record.run}\`` : ''}) started ${record.started}`);
  const more = stale.length - lines.length;
  const tail = more > 0 ? [`… ${more} older (\`relay session list --open\`).`] : [];
  return section(heading, notes, lines, tail, cap, (dropped) => `… ${dropped} more not listed (\`relay session list --open\`).`);
}

/** Sorted numbers as ranges: `1–3, 5`. */
function ranges(numbers: number[]): string {
  const parts: string[] = [];
  for (let index = 0; index < numbers.length; ) {
    let end = index;
    while (end + 1 < numbers.length && numbers[end + 1] === numbers[end]! + 1) end++;
    parts.push(end === index ? String(numbers[index]) : `${numbers[index]}–${numbers[end]}`);
    index = end + 1;
  }
  return parts.join(', ');
}

/**
 * Lays out a section within its cap: heading and notes first, then as many lines as fit,
 * then the tail; lines that do not fit are replaced by one line saying what was left out.
 */
function section(heading: string, notes: string[], lines: string[], tail: string[], cap: number, dropped: (count: number) => string): string[] {
  const fixed = [heading, ...notes, ...tail].map(clip);
  let used = fixed.reduce((sum, line) => sum + line.length + 1, 0);
  const kept: string[] = [];
  const reserve = 90;
  for (let index = 0; index < lines.length; index++) {
    const line = clip(lines[index]!);
    const last = index === lines.length - 1;
    if (used + line.length + 1 + (last ? 0 : reserve) > cap) {
      kept.push(clip(dropped(lines.length - index)));
      break;
    }
    kept.push(line);
    used += line.length + 1;
  }
  return [fixed[0]!, ...fixed.slice(1, 1 + notes.length), ...kept, ...fixed.slice(1 + notes.length)];
}

/** Keeps whole lines while they fit the budget, with room left to say where it was cut. */
function fit(unsafeLines: string[], budget: number): string[] {
  // Every line, header and notes included, is made printable here; the sections already are.
  const lines = unsafeLines.map(printable);
  const kept: string[] = [];
  let used = 0;
  const marker = '… (briefing cut at its budget; run `relay brief --budget N` for more)';
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const last = index === lines.length - 1;
    if (used + line.length + 1 + (last ? 0 : marker.length + 1) > budget) {
      if (last && used + line.length <= budget) {
        kept.push(line);
        break;
      }
      if (used + marker.length + 1 <= budget) kept.push(marker);
      else if (kept.length === 0) kept.push(line.slice(0, Math.max(0, budget - 1)) + '…');
      break;
    }
    kept.push(line);
    used += line.length + 1;
  }
  return kept;
}

/** One printable line within the line limit: text from the tree cannot end the line or carry control characters. */
function clip(text: string): string {
  const line = printable(text);
  return line.length > LINE_LIMIT ? line.slice(0, LINE_LIMIT - 1) + '…' : line;
}

/** The names in a folder, or undefined when it does not exist. */
function listNames(root: string, path: string): string[] | undefined {
  if (outsideRootReason(root, path) !== undefined) return undefined;
  try {
    return readdirSync(path);
  } catch {
    return undefined;
  }
}

/** Files named `<prefix>NNN.<ext>` (`pattern` captures the number), in folder order. */
function numbered(names: string[], prefix: string, pattern: RegExp): Array<{ name: string; number: number }> {
  const files: Array<{ name: string; number: number }> = [];
  for (const name of names) {
    // The prefix first: the review folder holds thousands of drafts, finals and findings logs.
    if (!name.startsWith(prefix)) continue;
    const match = pattern.exec(name);
    if (match) files.push({ name, number: Number(match[1]) });
  }
  return files;
}

/**
 * The `count` newest (highest number, then name) of `files`, newest first. Only those are
 * sorted: the briefing shows a few of thousands, and the cut-off comes from the numbers alone,
 * sorted natively.
 */
function newestFirst<T extends { name: string; number: number }>(files: T[], count: number): T[] {
  let candidates = files;
  if (files.length > count) {
    const numbers = Float64Array.from(files, (file) => file.number).sort();
    const cutoff = numbers[numbers.length - count]!;
    candidates = files.filter((file) => file.number >= cutoff);
  }
  return candidates.sort((a, b) => b.number - a.number || (a.name < b.name ? -1 : 1)).slice(0, count);
}

/** A queue file's counts (and hash), or undefined when it cannot be read or is not a regular file (a FIFO would block). */
/**
 * The queue counts of `relay status` (one function for both), from the files read whole; a
 * file that cannot be read counts as missing. Each file read is hashed into `read`, when given.
 */
function queueCounts(root: string, config: Config, now: Date, read: ReadFiles): QueueStatus {
  const paths = queuePaths(root, config);
  const text = (path: string, label: string): string | undefined => {
    try {
      const document = readDocument(root, path, MAX_QUEUE_BYTES);
      if (!document?.ok) {
        if (document) debug('fs', `briefing: \`${label}\` not counted: ${document.error}`);
        return undefined;
      }
      const bytes = document.bytes;
      read?.set(label, createHash('sha256').update(bytes).digest('hex'));
      const decoded = decodeQueue(bytes, label, false);
      if (!decoded.ok) debug('fs', `briefing: \`${label}\` not counted: ${decoded.error}`);
      return decoded.ok ? decoded.text : undefined;
    } catch (error) {
      debug('fs', `briefing: \`${label}\` not counted: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  };
  return countQueues(text(paths.todo, config.layout.todo), text(paths.done, config.layout.done), { now, ttlHours: configuredTtlHours(config), next: NEXT_ITEMS, refs: readClaimRefs(root) });
}

/**
 * A regular file's text up to `limit` bytes, and whether it holds more; undefined when it
 * cannot be read; only `tooBig` (no text, no hash) past `maxBytes` (`maxDocumentBytes`), as
 * every reader of a document says it. With `hash` (the ledger is on), the SHA-256 of all its
 * bytes too, from the same open: the rest past `limit` is read through one shared buffer.
 */
function readUpTo(root: string, path: string, limit: number, hash: boolean, maxBytes: number): { text: string; cut: boolean; sha256?: string; tooBig?: string } | undefined {
  // A link to a file elsewhere (`postmortems/x.md -> ~/.ssh/id_rsa`) must not be shown to the agent.
  if (outsideRootReason(root, path) !== undefined) return undefined;
  let fd: number | undefined;
  try {
    fd = openRegularFile(path);
    if (fd === undefined) return undefined;
    const { bytes, size } = readHead(fd, limit);
    if (size > maxBytes) return { text: '', cut: true, tooBig: tooBigMessage(relative(root, path), size, maxBytes) };
    let sha256: string | undefined;
    if (hash) {
      const hasher = createHash('sha256').update(bytes);
      const rest = (hashBuffer ??= Buffer.allocUnsafe(64 * 1024));
      for (let at = bytes.length, count; (count = readSync(fd, rest, 0, rest.length, at)) > 0; at += count) hasher.update(rest.subarray(0, count));
      sha256 = hasher.digest('hex');
    }
    return { text: bytes.toString('utf8'), cut: size > limit, ...(sha256 === undefined ? {} : { sha256 }) };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * A plan's status and title from its first bytes, by a line scan rather than a YAML parser:
 * the briefing only shows them, and protocol-lint is what judges the front matter.
 */
function readPlanHead(root: string, path: string, hash: boolean, maxBytes: number): { status: string; title: string; sha256?: string } {
  const head = readUpTo(root, path, PLAN_HEAD_BYTES, hash, maxBytes);
  if (head === undefined || head.tooBig !== undefined) return { status: 'unreadable', title: head?.tooBig ?? '' };
  const { text, sha256 } = head;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let status = 'no status';
  let title = '';
  let index = 0;
  if (lines[0]?.trim() === '---') {
    for (index = 1; index < lines.length && lines[index]!.trim() !== '---'; index++) {
      const line = lines[index]!;
      const statusMatch = /^status:\s*["']?([A-Za-z-]+)["']?\s*$/.exec(line);
      if (statusMatch) status = statusMatch[1]!;
      const titleMatch = /^title:\s*["']?(.*?)["']?\s*$/.exec(line);
      if (titleMatch && titleMatch[1]) title = titleMatch[1];
    }
    index++;
  }
  if (!title) {
    for (; index < lines.length; index++) {
      const heading = /^#\s+(.+?)\s*#*\s*$/.exec(lines[index]!);
      if (heading) {
        title = heading[1]!;
        break;
      }
    }
  }
  return { status, title: title || '(no title)', ...(sha256 === undefined ? {} : { sha256 }) };
}

/** The first meaningful lines of a document: its title, then non-empty lines. */
function excerpt(text: string, count: number): string[] {
  const lines: string[] = [];
  let inFrontMatter = text.startsWith('---');
  let first = true;
  for (const raw of text.split(/\r?\n/)) {
    if (inFrontMatter) {
      if (!first && raw.trim() === '---') inFrontMatter = false;
      first = false;
      continue;
    }
    const line = raw.trimEnd();
    if (line.trim() === '' || /^#\s/.test(line)) continue;
    lines.push(line);
    if (lines.length === count) break;
  }
  return lines;
}

