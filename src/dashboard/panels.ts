/**
 * The dashboard's panels: what `relay dashboard` shows, each computed from the files on its
 * own, so one that fails (a queue replaced by a folder, a run record half written) leaves the
 * others alone. Every list is capped, so the page stays small at fleet scale (the scale-1
 * bench tree: 100,000 URLs, 5,000 drafts, 300 postmortems); each cap is counted in the data
 * (`total`), and the page says how many it left out.
 *
 * Every document (final, draft, postmortem) is read by `readDocument`, as relay and the lint
 * read one: inside the root (links resolved), a regular file, at most `maxDocumentBytes`; one
 * that cannot be read says why in its panel. The run records come from relay's own folder in
 * the git common dir. Nothing here writes.
 */
import { closeSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { debug } from '../debug.js';
import type { Config } from '../protocol/config.js';
import { readFrontMatter } from '../protocol/frontmatter.js';
import { outsideRootReason } from '../protocol/inside-root.js';
import { preventionLines } from '../protocol/postmortem.js';
import { openRegularFile, readDocument, readHead, readRegularFile } from '../protocol/regular-file.js';
import { sha256Hex, judgeVerdict, type VerdictProblem } from '../protocol/verdict.js';
import { RUN_ID_PATTERN } from '../run/records.js';
import { loadQueues, type Queues } from '../state/queue-files.js';
import { statusOfQueues, type QueueStatus } from '../state/queue-status.js';
import { readClaimRefs } from '../claims/view.js';

/** The most points the burn-down draws. */
export const BURNDOWN_POINTS = 240;
/** The most agents listed with their claims. */
export const AGENTS_SHOWN = 200;
/** The most stale claims listed. */
export const STALE_SHOWN = 50;
/** The newest runs shown. */
export const RUNS_SHOWN = 10;
/** The newest sessions shown per run. */
export const SESSIONS_SHOWN = 100;
/** The URLs shown per session. */
export const URLS_SHOWN = 5;
/** The waves listed. */
export const WAVES_SHOWN = 200;
/** The drafts waiting for a verdict listed. */
export const VERDICTS_SHOWN = 50;
/** The newest postmortems whose Prevention lines are shown. */
export const POSTMORTEMS_READ = 12;
/** The lessons listed. */
export const LESSONS_SHOWN = 60;
/** The lint problems listed. */
export const PROBLEMS_SHOWN = 200;
/** The longest string the page gets from any file; longer ones are cut with an ellipsis. */
export const TEXT_LIMIT = 300;
/** The most bytes read of a run's attempts.jsonl (a run of 10,000 attempts is ~10 MB). */
const ATTEMPTS_BYTES = 32 * 1024 * 1024;

/** One point of the burn-down. */
export interface BurndownPoint {
  /** ISO time. */
  t: string;
  pending: number;
  claimed: number;
  done: number;
}

/** The queue panel: `relay status --json`'s counts and the burn-down. */
export interface QueuePanel {
  status: Omit<QueueStatus, 'ok' | 'staleClaims' | 'claimsByAgent' | 'next'>;
  burndown: BurndownPoint[];
  /** Done URLs with no date the burn-down can place (counted from its first point). */
  undated: number;
}

/** Claims per agent and the stale ones. */
export interface ClaimsPanel {
  agents: { agent: string; claims: number; stale: number }[];
  agentsTotal: number;
  stale: QueueStatus['staleClaims'];
  staleTotal: number;
  ttlHours: number;
}

/** One session of a run. */
export interface RunSession {
  session_id: string;
  agent?: string;
  role?: string;
  wave?: number;
  stage?: string;
  attempt?: number;
  /** `alive`: a process runs it; `lost`: a stream and no process and no record of its end (the runner died: `relay run resume`). */
  status: 'alive' | 'lost' | 'succeeded' | 'failed';
  reason?: string;
  cost_usd?: number | null;
  turns?: number | null;
  urls: string[];
  urlsTotal: number;
  start?: string;
  end?: string;
}

/** One run and its sessions. */
export interface RunView {
  run: string;
  /** A few settings worth a glance (role, pipeline, waves, parallel). */
  settings: Record<string, string>;
  sessions: RunSession[];
  sessionsTotal: number;
  totals: { sessions: number; alive: number; lost: number; succeeded: number; failed: number; urls_done: number; cost_usd: number; turns: number };
  /** What could not be read of this run's records. */
  problems: string[];
}

/** The runs panel. */
export interface RunsPanel {
  runs: RunView[];
  runsTotal: number;
  /** Where the records are (relay's folder in the git common dir). */
  folder: string;
}

/** The discovery waves. */
export interface WavesPanel {
  waves: { wave: number; files: number }[];
  wavesTotal: number;
  /** Wave numbers missing below the highest (wave-sequence reports them too). */
  gaps: number[];
}

/** Drafts waiting for the reviewer. */
export interface VerdictsPanel {
  waiting: { draft: string; final?: string; why: string }[];
  waitingTotal: number;
  drafts: number;
  finals: number;
  approved: number;
}

/** Postmortem lessons: the Prevention lines of the newest postmortems. */
export interface LessonsPanel {
  lessons: { postmortem: string; lesson: string }[];
  postmortems: number;
  read: number;
}

/** protocol-lint's problems as of its last run. */
export interface LintPanel {
  errorCount: number;
  warningCount: number;
  filesWithProblems: number;
  problems: { file: string; line: number; column: number; severity: 'error' | 'warning'; ruleId: string; message: string }[];
  /** When the lint shown started (the page shows its age: a lint of a big tree takes seconds, and the last result is shown meanwhile). */
  at: string;
  /** How long it took, in milliseconds. */
  durationMs: number;
}

/** What a panel function is given. */
export interface PanelInput {
  root: string;
  config: Config;
  now: Date;
  ttlHours: number;
  /** The folder of the run records, found once when the dashboard starts (undefined: none). */
  runsFolder: string | undefined;
  /** Caches kept between refreshes (file contents keyed by their stat). */
  cache: PanelCache;
}

/** What {@link PanelCache.get} gives: the value computed from a document, or why it cannot be read. */
export type Computed<T> = { ok: true; value: T } | { ok: false; error: string };

/** Parsed documents kept between refreshes while their device, inode, size and time stay the same. */
export class PanelCache {
  private readonly entries = new Map<string, { key: string; computed: Computed<unknown> }>();

  /**
   * `compute` of the document at root-relative `path`, read by `readDocument` as every reader
   * reads one (inside the root, a regular file, at most `maxDocumentBytes`), again only when
   * its stat changed; undefined when it does not exist.
   */
  get<T>(input: PanelInput, path: string, compute: (bytes: Buffer) => T): Computed<T> | undefined {
    let key: string;
    try {
      const stats = statSync(join(input.root, path));
      key = `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}`;
    } catch {
      return undefined;
    }
    const cached = this.entries.get(path);
    if (cached?.key === key) return cached.computed as Computed<T>;
    const read = readDocument(input.root, path, input.config.maxDocumentBytes);
    if (read === undefined) return undefined;
    const computed: Computed<T> = read.ok ? { ok: true, value: compute(read.bytes) } : read;
    this.entries.set(path, { key, computed });
    return computed;
  }
}

/**
 * The most bytes each panel may take in the page. The caps on counts keep a tree of ordinary
 * names small; these keep a hostile or odd one (2,000-character URLs, each `<` written as six
 * bytes of JSON escape) under 1 MB in all.
 */
export const PANEL_BUDGETS = { queue: 60_000, claims: 150_000, runs: 300_000, waves: 30_000, verdicts: 60_000, lessons: 80_000, lint: 200_000 } as const;

/**
 * Shrinks `data` until its JSON, as the page carries it, fits `budget` bytes: every list is
 * cut to half the length of the longest one (the burn-down excepted, which is numbers), round
 * after round. The panels' totals stay as they were, so the page says how many it leaves out.
 */
export function fitBudget<T>(data: T, budget: number, size: (value: unknown) => number): T {
  for (let round = 0; round < 32 && size(data) > budget; round++) {
    const lists: unknown[][] = [];
    const visit = (value: unknown, key: string): void => {
      if (Array.isArray(value)) {
        if (key !== 'burndown') lists.push(value);
        for (const item of value) visit(item, '');
      } else if (value !== null && typeof value === 'object') {
        for (const [name, item] of Object.entries(value)) visit(item, name);
      }
    };
    visit(data, '');
    const longest = Math.max(0, ...lists.map((list) => list.length));
    if (longest <= 1) break;
    const cap = Math.floor(longest / 2);
    for (const list of lists) if (list.length > cap) list.length = cap;
  }
  return data;
}

/** A string from a file, cut to {@link TEXT_LIMIT}. */
export function clipText(text: string): string {
  return text.length > TEXT_LIMIT ? text.slice(0, TEXT_LIMIT - 1) + '…' : text;
}

/** Reads both queues once for the queue and claims panels; throws what the read refused (the panels go stale). */
export function readQueues(input: PanelInput): { queues: Queues; status: QueueStatus } {
  const loaded = loadQueues(input.root, input.config);
  if (!loaded.ok) throw new Error(loaded.error);
  return { queues: loaded.queues, status: statusOfQueues(loaded.queues, { now: input.now, ttlHours: input.ttlHours, refs: readClaimRefs(input.root) }) };
}

/** The queue panel from queues already read and the run records. */
export function queuePanel(read: { queues: Queues; status: QueueStatus }, attempts: AttemptLine[], now: Date): QueuePanel {
  const { staleClaims: _stale, claimsByAgent: _agents, ok: _ok, next: _next, ...status } = read.status;
  const { points, undated } = burndown(read.queues, read.status, attempts, now);
  return { status, burndown: points, undated };
}

/**
 * Pending, claimed and done over time. Done: each done URL at the end of the run attempt that
 * finished it (the run records), else at noon of its completion date. Claimed: the URLs of run
 * attempts under way at that time. Pending: every URL known now less those done by then
 * (URLs added later are not known to have been pending earlier; git history is not read).
 * The last point is now, with `relay status`'s counts.
 */
function burndown(queues: Queues, status: QueueStatus, attempts: AttemptLine[], now: Date): { points: BurndownPoint[]; undated: number } {
  const nowMs = now.getTime();
  const finishedAt = new Map<string, number>();
  const events: { at: number; done: number; claimed: number }[] = [];
  for (const attempt of attempts) {
    const start = Date.parse(attempt.start ?? '');
    const end = Date.parse(attempt.end ?? '');
    if (Number.isNaN(start) || Number.isNaN(end) || !Array.isArray(attempt.urls)) continue;
    events.push({ at: start, done: 0, claimed: attempt.urls.length }, { at: end, done: 0, claimed: -attempt.urls.length });
    if (attempt.status === 'succeeded') for (const url of attempt.urls) if (typeof url === 'string' && !finishedAt.has(url)) finishedAt.set(url, end);
  }
  let undated = 0;
  const seen = new Set<string>();
  for (const item of queues.done.items) {
    if (seen.has(item.key)) continue;
    seen.add(item.key);
    let at = finishedAt.get(item.url) ?? (item.completed ? Date.parse(`${item.completed}T12:00:00Z`) : Number.NaN);
    if (Number.isNaN(at)) {
      undated++;
      continue;
    }
    at = Math.min(at, nowMs);
    events.push({ at, done: 1, claimed: 0 });
  }
  events.sort((a, b) => a.at - b.at);
  const total = status.pending + status.done;
  const points: BurndownPoint[] = [];
  if (events.length > 0) {
    const first = events[0]!.at;
    const span = Math.max(1, nowMs - first);
    // One point per bucket of time, the state at the bucket's end: a fleet's minute-by-minute
    // runs and a year of dated items both fit in the same few hundred points.
    const bucket = span / (BURNDOWN_POINTS - 1);
    let done = undated;
    let claimed = 0;
    points.push({ t: new Date(first - 1).toISOString(), pending: total - done, claimed: 0, done });
    let index = 0;
    for (let edge = first + bucket; index < events.length && edge < nowMs + bucket; edge += bucket) {
      let moved = false;
      while (index < events.length && events[index]!.at <= edge) {
        done += events[index]!.done;
        claimed += events[index]!.claimed;
        index++;
        moved = true;
      }
      if (moved) points.push({ t: new Date(Math.min(edge, nowMs)).toISOString(), pending: Math.max(0, total - done), claimed: Math.max(0, claimed), done });
    }
  }
  points.push({ t: now.toISOString(), pending: status.pending, claimed: status.claimed, done: status.done });
  return { points, undated };
}

/** The claims panel from the same read. */
export function claimsPanel(read: { queues: Queues; status: QueueStatus }, input: PanelInput): ClaimsPanel {
  const stalePerAgent = new Map<string, number>();
  for (const claim of read.status.staleClaims) stalePerAgent.set(claim.agent, (stalePerAgent.get(claim.agent) ?? 0) + 1);
  const agents = Object.entries(read.status.claimsByAgent)
    .map(([agent, claims]) => ({ agent: clipText(agent), claims, stale: stalePerAgent.get(agent) ?? 0 }))
    .sort((a, b) => b.claims - a.claims || (a.agent < b.agent ? -1 : 1));
  const stale = read.status.staleClaims.slice(0, STALE_SHOWN).map((claim) => ({ ...claim, url: clipText(claim.url), agent: clipText(claim.agent) }));
  return { agents: agents.slice(0, AGENTS_SHOWN), agentsTotal: agents.length, stale, staleTotal: read.status.staleClaims.length, ttlHours: input.ttlHours };
}

/** One line of attempts.jsonl as read: any field may be missing or of the wrong type (a hand edit, a newer runner). */
export interface AttemptLine {
  session_id?: string;
  agent?: string;
  role?: string;
  wave?: number;
  stage?: string;
  attempt?: number;
  status?: string;
  reason?: string;
  urls?: string[];
  start?: string;
  end?: string;
  cost_usd?: number | null;
  turns?: number | null;
}

/**
 * The runs panel, newest first, and every attempt of the runs shown (for the burn-down).
 * `running` lists the session ids a process runs now.
 */
export function runsPanel(input: PanelInput, running: () => Set<string>): { panel: RunsPanel; attempts: AttemptLine[] } {
  const folder = input.runsFolder;
  const empty = { panel: { runs: [], runsTotal: 0, folder: folder ?? '' }, attempts: [] };
  if (folder === undefined) return empty;
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return empty;
    throw error;
  }
  const ids = names.filter((name) => RUN_ID_PATTERN.test(name)).sort().reverse();
  const runs: RunView[] = [];
  const attempts: AttemptLine[] = [];
  let alive: Set<string> | undefined;
  for (const id of ids.slice(0, RUNS_SHOWN)) {
    const dir = join(folder, id);
    const problems: string[] = [];
    const settings = readJson(join(dir, 'settings.json'), problems, 'settings.json');
    const lines = readAttemptLines(join(dir, 'attempts.jsonl'), problems);
    attempts.push(...lines);
    // The last attempt of each session speaks for it; a retry is a new session id.
    const bySession = new Map<string, AttemptLine>();
    for (const line of lines) if (typeof line.session_id === 'string') bySession.set(line.session_id, line);
    const sessions: RunSession[] = [];
    for (const line of bySession.values()) sessions.push(sessionOf(line));
    // Sessions with a stream and no attempt line have not ended, or their runner died.
    let streams: string[] = [];
    try {
      streams = readdirSync(join(dir, 'sessions'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') problems.push(`sessions/: ${(error as Error).message}`);
    }
    for (const name of streams) {
      const match = /^(.+)\.jsonl$/.exec(name);
      if (!match || bySession.has(match[1]!)) continue;
      alive ??= running();
      const sessionId = match[1]!;
      sessions.push({ session_id: clipText(sessionId), status: alive.has(sessionId) ? 'alive' : 'lost', urls: [], urlsTotal: 0, start: streamStart(join(dir, 'sessions', name)) });
    }
    const summary = readJson(join(dir, 'summary.json'), [], 'summary.json');
    sessions.sort((a, b) => (b.start ?? '').localeCompare(a.start ?? ''));
    const totals = { sessions: sessions.length, alive: 0, lost: 0, succeeded: 0, failed: 0, urls_done: 0, cost_usd: 0, turns: 0 };
    for (const session of sessions) {
      totals[session.status]++;
      if (session.status === 'succeeded') totals.urls_done += session.urlsTotal;
      if (typeof session.cost_usd === 'number') totals.cost_usd += session.cost_usd;
      if (typeof session.turns === 'number') totals.turns += session.turns;
    }
    // A retried session's earlier attempts cost money too.
    totals.cost_usd = lines.reduce((sum, line) => sum + (typeof line.cost_usd === 'number' ? line.cost_usd : 0), 0);
    const summaryTotals = summary?.totals as Record<string, unknown> | undefined;
    if (typeof summaryTotals?.cost_usd === 'number' && lines.length === 0) totals.cost_usd = summaryTotals.cost_usd;
    runs.push({ run: id, settings: settingsShown(settings), sessions: sessions.slice(0, SESSIONS_SHOWN), sessionsTotal: sessions.length, totals, problems });
  }
  return { panel: { runs, runsTotal: ids.length, folder }, attempts };
}

function sessionOf(line: AttemptLine): RunSession {
  const urls = Array.isArray(line.urls) ? line.urls.filter((url): url is string => typeof url === 'string') : [];
  const session: RunSession = {
    session_id: clipText(String(line.session_id)),
    status: line.status === 'succeeded' ? 'succeeded' : 'failed',
    urls: urls.slice(0, URLS_SHOWN).map(clipText),
    urlsTotal: urls.length,
  };
  if (typeof line.agent === 'string') session.agent = clipText(line.agent);
  if (typeof line.role === 'string') session.role = clipText(line.role);
  if (typeof line.wave === 'number') session.wave = line.wave;
  if (typeof line.stage === 'string') session.stage = clipText(line.stage);
  if (typeof line.attempt === 'number') session.attempt = line.attempt;
  if (typeof line.reason === 'string') session.reason = clipText(line.reason);
  if (typeof line.cost_usd === 'number' || line.cost_usd === null) session.cost_usd = line.cost_usd;
  if (typeof line.turns === 'number' || line.turns === null) session.turns = line.turns;
  if (typeof line.start === 'string') session.start = clipText(line.start);
  if (typeof line.end === 'string') session.end = clipText(line.end);
  return session;
}

const SETTINGS_SHOWN = ['role', 'pipeline', 'waves', 'per_wave', 'parallel', 'model', 'sessions', 'until_empty', 'urls_per_session', 'retries'];

function settingsShown(settings: Record<string, unknown> | undefined): Record<string, string> {
  const shown: Record<string, string> = {};
  if (settings === undefined) return shown;
  for (const key of SETTINGS_SHOWN) {
    const value = settings[key];
    if (value === undefined || value === null || typeof value === 'object' && !Array.isArray(value)) continue;
    shown[key] = clipText(Array.isArray(value) ? value.map(String).join(',') : String(value));
  }
  return shown;
}

/** A JSON object file, or undefined (missing: silently; unreadable or not JSON: noted in `problems`). */
function readJson(path: string, problems: string[], label: string): Record<string, unknown> | undefined {
  let bytes: Buffer | undefined;
  try {
    bytes = readRegularFile(path);
  } catch (error) {
    problems.push(`${label}: ${(error as Error).message}`);
    return undefined;
  }
  if (bytes === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    problems.push(`${label}: not a JSON object`);
  } catch {
    // The runner writes it atomically; a half-written one is someone else's doing.
    problems.push(`${label}: not valid JSON`);
  }
  return undefined;
}

/** The lines of attempts.jsonl that parse as objects; others are counted in `problems`. */
function readAttemptLines(path: string, problems: string[]): AttemptLine[] {
  const text = readUpTo(path, ATTEMPTS_BYTES, problems, 'attempts.jsonl');
  if (text === undefined) return [];
  const lines: AttemptLine[] = [];
  let bad = 0;
  const rows = text.split('\n');
  // A file cut at the read limit ends in a partial line: not a fault of the file.
  if (text.length >= ATTEMPTS_BYTES) rows.pop();
  for (const row of rows) {
    if (row.trim() === '') continue;
    try {
      const value: unknown = JSON.parse(row);
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) lines.push(value as AttemptLine);
      else bad++;
    } catch {
      bad++;
    }
  }
  if (bad > 0) problems.push(`attempts.jsonl: ${bad} line${bad === 1 ? '' : 's'} not JSON objects, skipped`);
  return lines;
}

/** A regular file's text up to `limit` bytes; undefined when missing (silently) or unreadable (noted). */
function readUpTo(path: string, limit: number, problems: string[] | undefined, label: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openRegularFile(path);
    if (fd === undefined) return undefined;
    return readHead(fd, limit).bytes.toString('utf8');
  } catch (error) {
    problems?.push(`${label}: ${(error as Error).message}`);
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** When a session's stream file was created (its birth time where the file system keeps one, else its first change). */
function streamStart(path: string): string | undefined {
  try {
    const stats = statSync(path);
    const born = stats.birthtimeMs > 0 ? stats.birthtimeMs : stats.ctimeMs;
    return new Date(born).toISOString();
  } catch {
    return undefined;
  }
}

/**
 * The session ids a running process carries as `--session-id <id>` (how `relay run` starts
 * each session), read from /proc in this process: no process is spawned. Empty where there is
 * no /proc (every unfinished session then shows as lost).
 */
export function runningSessionIds(): Set<string> {
  const found = new Set<string>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    debug('dashboard', 'no /proc: sessions without an attempt record show as lost, not alive');
    return found;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readRegularFileText(`/proc/${entry}/cmdline`).split('\0');
    } catch {
      continue;
    }
    for (let index = 0; index < argv.length; index++) {
      const arg = argv[index]!;
      if (arg === '--session-id' && argv[index + 1]) found.add(argv[index + 1]!);
      else if (arg.startsWith('--session-id=')) found.add(arg.slice('--session-id='.length));
    }
  }
  return found;
}

/** /proc files report size 0 and are read to their end. */
function readRegularFileText(path: string): string {
  const fd = openRegularFile(path);
  if (fd === undefined) return '';
  try {
    const chunks: Buffer[] = [];
    const buffer = Buffer.allocUnsafe(4096);
    for (let count; (count = readSync(fd, buffer, 0, buffer.length, null)) > 0; ) chunks.push(Buffer.from(buffer.subarray(0, count)));
    return Buffer.concat(chunks).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

/** The names in a layout folder, or undefined when it does not exist; a folder that leaves the root is refused. */
function listFolder(root: string, folder: string): string[] | undefined {
  const path = join(root, folder);
  const outside = outsideRootReason(root, path);
  if (outside !== undefined) throw new Error(outside);
  try {
    return readdirSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The discovery waves and how many notes each holds. */
export function wavesPanel(input: PanelInput): WavesPanel {
  const folder = input.config.layout.discovery;
  const names = listFolder(input.root, folder) ?? [];
  const numbers = names
    .map((name) => /^wave-([1-9]\d*)$/.exec(name))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => Number(match[1]))
    .sort((a, b) => a - b);
  const present = new Set(numbers);
  const gaps: number[] = [];
  const highest = numbers[numbers.length - 1] ?? 0;
  for (let wave = 1; wave < highest && gaps.length < 50; wave++) if (!present.has(wave)) gaps.push(wave);
  // The newest waves matter most; the oldest are cut first.
  const shown = numbers.slice(-WAVES_SHOWN).map((wave) => {
    let files = 0;
    try {
      files = (listFolder(input.root, `${folder}/wave-${wave}`) ?? []).filter((name) => name.endsWith('.md')).length;
    } catch (error) {
      debug('dashboard', `wave-${wave}: ${(error as Error).message}`);
    }
    return { wave, files };
  });
  return { waves: shown, wavesTotal: numbers.length, gaps };
}

/** Drafts without a final, and finals that do not approve their draft as it is now. */
export function verdictsPanel(input: PanelInput): VerdictsPanel {
  const folder = input.config.layout.review;
  const names = listFolder(input.root, folder) ?? [];
  const drafts = new Map<number, string>();
  const finals = new Map<number, string>();
  for (const name of names) {
    const draft = /^draft-(\d{3,})\.mdx$/.exec(name);
    if (draft) drafts.set(Number(draft[1]), name);
    const final = /^final-(\d{3,})\.mdx$/.exec(name);
    if (final) finals.set(Number(final[1]), name);
  }
  const waiting: VerdictsPanel['waiting'] = [];
  let approved = 0;
  const hashDraft = (path: string): string | { error: string } | undefined => {
    const hashed = input.cache.get(input, path, sha256Hex);
    return hashed === undefined ? undefined : hashed.ok ? hashed.value : hashed;
  };
  for (const [number, draft] of [...drafts].sort((a, b) => a[0] - b[0])) {
    const final = finals.get(number);
    if (final === undefined) {
      waiting.push({ draft: `${folder}/${draft}`, why: 'no final yet' });
      continue;
    }
    const read = input.cache.get(input, `${folder}/${final}`, (bytes) => {
      const matter = readFrontMatter(bytes.toString('utf8').replace(/^\uFEFF/, ''));
      return matter.present && matter.ok ? matter.data : undefined;
    });
    const problem = read?.ok === false ? read.error : judgeVerdict(read?.value, hashDraft);
    if (problem === undefined) approved++;
    else waiting.push({ draft: `${folder}/${draft}`, final: `${folder}/${final}`, why: clipText(typeof problem === 'string' ? problem : verdictWords(problem)) });
  }
  return { waiting: waiting.slice(0, VERDICTS_SHOWN), waitingTotal: waiting.length, drafts: drafts.size, finals: finals.size, approved };
}

function verdictWords(problem: VerdictProblem): string {
  switch (problem.kind) {
    case 'no-verdict':
      return 'final without a verdict';
    case 'changes-requested':
      return 'changes requested';
    case 'unknown-verdict':
      return `unknown verdict \`${problem.verdict}\``;
    case 'incomplete':
      return `verdict without ${problem.missing.join(' and ')}`;
    case 'outside-root':
      return `reviewed path \`${problem.reviewed}\` leaves the root`;
    case 'draft-missing':
      return `reviewed draft \`${problem.reviewed}\` is missing`;
    case 'draft-unreadable':
      return problem.error;
    case 'stale':
      return 'the draft changed after the verdict';
  }
}

/** The Prevention lines of the newest postmortems. */
export function lessonsPanel(input: PanelInput): LessonsPanel {
  const folder = input.config.layout.postmortems;
  const names = (listFolder(input.root, folder) ?? []).filter((name) => /^\d{4}-\d{2}-\d{2}-.+\.md$/.test(name)).sort().reverse();
  const lessons: LessonsPanel['lessons'] = [];
  const read = names.slice(0, POSTMORTEMS_READ);
  for (const name of read) {
    const computed = input.cache.get(input, `${folder}/${name}`, (bytes) => preventionLines(bytes.toString('utf8')));
    // One that cannot be read says why in its place (a link out of the root, a 1.5 GB file).
    const lines = computed === undefined ? [] : computed.ok ? computed.value : [computed.error];
    for (const line of lines) lessons.push({ postmortem: name.replace(/\.md$/, ''), lesson: clipText(line.replace(/^[-*+]\s+/, '')) });
  }
  return { lessons: lessons.slice(0, LESSONS_SHOWN), postmortems: names.length, read: read.length };
}

/** One file's result in `protocol-lint --format json`. */
export interface LintResult {
  filePath: string;
  messages: { ruleId: string | null; severity: number; message: string; line: number; column: number }[];
  errorCount: number;
  warningCount: number;
}

/** The lint panel from `protocol-lint --format json`'s results. */
export function lintPanel(results: LintResult[], at: Date, durationMs: number): LintPanel {
  const problems: LintPanel['problems'] = [];
  let errorCount = 0;
  let warningCount = 0;
  let filesWithProblems = 0;
  for (const result of results) {
    errorCount += result.errorCount;
    warningCount += result.warningCount;
    if (result.messages.length > 0) filesWithProblems++;
    for (const message of result.messages) {
      if (problems.length >= PROBLEMS_SHOWN) break;
      problems.push({
        file: clipText(result.filePath),
        line: message.line,
        column: message.column,
        severity: message.severity === 2 ? 'error' : 'warning',
        ruleId: clipText(message.ruleId ?? ''),
        message: clipText(message.message),
      });
    }
  }
  return { errorCount, warningCount, filesWithProblems, problems, at: at.toISOString(), durationMs };
}
