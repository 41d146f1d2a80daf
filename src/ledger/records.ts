/**
 * The session ledger (PROTOCOL §8): one small file per session, `sessions/<session-id>.md`,
 * whose YAML front matter says who ran, when, what the briefing showed it, and — once it
 * logged — what it claimed, finished, wrote and changed. The SessionStart hook opens a record;
 * /log-this (`relay session end`) or the runner closes it; a record still `open` is a session
 * that never logged, which the briefing names and `recoverSession` can close from git.
 *
 * `RELAY_SESSIONS=0` (or `off`, `false`, `no`) turns records off: nothing is written and the
 * listings are empty.
 */
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import jsYaml from 'js-yaml';
import type { Config } from '../protocol/config.js';
import { readFrontMatter } from '../protocol/frontmatter.js';
import { createFileAtomic, writeFileAtomic } from '../state/atomic.js';
import { isoSeconds } from '../state/identity.js';
import { ensureFolderInsideRoot } from '../protocol/inside-root.js';
import { withLock } from '../state/lock.js';
import { debug } from '../debug.js';
import { isValidSessionId, sessionPath, sessionsEnabled, sessionsFolder } from './session-names.js';

export { DEFAULT_SESSIONS_FOLDER, isValidSessionId, SESSION_ID_PATTERN, sessionPath, sessionsEnabled, sessionsFolder } from './session-names.js';

/** The statuses a record moves through: `open` until the session logs (or is recovered, or fails). */
export type SessionStatus = 'open' | 'logged' | 'failed' | 'recovered';

/** A file the briefing read, and the SHA-256 (hex) of its bytes then. */
export interface BriefedFile {
  path: string;
  sha256: string;
}

/** A session record's front matter. */
export interface SessionRecord {
  session_id: string;
  agent: string;
  role: string;
  run?: string;
  /** ISO timestamp to the second, UTC. */
  started: string;
  status: SessionStatus;
  briefing: BriefedFile[];
  ended?: string;
  /** URLs the session claimed. */
  claimed?: string[];
  /** URLs the session finished. */
  done?: string[];
  /** The findings log it wrote, root-relative. */
  findings?: string;
  /** Files it changed, root-relative. */
  changed?: string[];
  /** Why it failed (`status: failed`), as the runner judged it. */
  reason?: string;
}

/** A record as listed: its front matter and its root-relative path. */
export interface ListedSession extends SessionRecord {
  path: string;
}

/** Why a ledger operation did not run. */
export type LedgerFailure = { ok: false; error: string };

/** Records are off (`RELAY_SESSIONS=0`): nothing was written. */
export type LedgerDisabled = { ok: true; disabled: true };

/** A record written or kept. */
export type LedgerWritten = { ok: true; disabled?: false; path: string; record: SessionRecord; created: boolean };

/** What `openSession`, `closeSession` and `recoverSession` return. */
export type LedgerOutcome = LedgerWritten | LedgerDisabled | LedgerFailure;

/** Bounds that keep a record small whatever a session did: the longest lists written, in entries. */
export const RECORD_LIMITS = { briefing: 100, urls: 500, changed: 500 } as const;

/** Bytes read from the top of a record when listing: its front matter, never the whole file. */
const HEAD_BYTES = 16 * 1024;

/** The lock closing and recovering take, so a close and a recovery of one record never interleave. */
export const SESSIONS_LOCK = 'sessions';

function invalidId(sessionId: string): LedgerFailure {
  return { ok: false, error: `Unexpected session id \`${sessionId}\`, expected 1 to 128 letters, digits, \`.\`, \`_\` or \`-\`; pass another \`--session\`` };
}

/** The record's text: front matter, then a short body for a human opening the file. */
export function formatRecord(record: SessionRecord): string {
  const data: Record<string, unknown> = {};
  // A fixed key order, the schema's, so records diff well.
  for (const key of ['session_id', 'agent', 'role', 'run', 'started', 'status', 'briefing', 'ended', 'claimed', 'done', 'findings', 'changed', 'reason'] as const) {
    if (record[key] !== undefined) data[key] = record[key];
  }
  // The safe dumper quotes strings another YAML reader would take for dates or numbers.
  const yaml = jsYaml.safeDump(data, { lineWidth: -1, noRefs: true });
  const body =
    record.status === 'open'
      ? 'Opened when the session started; `relay session end` (run by /log-this) closes it.'
      : `Closed as \`${record.status}\`${record.ended ? ` at ${record.ended}` : ''}.`;
  return `---\n${yaml}---\n# Session ${record.session_id}\n\n${body}\n`;
}

/** Parses a record's text; undefined when it is not a record (no front matter, or no id and status). */
export function parseRecord(text: string): SessionRecord | undefined {
  const front = readFrontMatter(text);
  if (!front.present || !front.ok) return undefined;
  const data = front.data;
  if (typeof data.session_id !== 'string' || typeof data.status !== 'string' || typeof data.started !== 'string') return undefined;
  return data as unknown as SessionRecord;
}

/** One buffer for every head read: a listing reads thousands of records, and a fresh 16 KB each cost more than the reads. */
let headBuffer: Buffer | undefined;

/** Reads the top of a file, enough for its front matter, into `headBuffer`; its length, or -1 when it cannot be read. */
function readHeadBytes(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return -1;
  }
  try {
    return readSync(fd, (headBuffer ??= Buffer.allocUnsafe(HEAD_BYTES)), 0, HEAD_BYTES, 0);
  } catch {
    return -1;
  } finally {
    closeSync(fd);
  }
}

/** Reads the top of a file, enough for its front matter; undefined when it cannot be read. */
function readHead(path: string): string | undefined {
  const length = readHeadBytes(path);
  return length < 0 ? undefined : headBuffer!.toString('utf8', 0, length);
}

/** Reads one session's record, or undefined when there is none. */
export function readSession(root: string, config: Config, sessionId: string): SessionRecord | undefined {
  if (!isValidSessionId(sessionId)) return undefined;
  const head = readHead(join(root, sessionPath(config, sessionId)));
  return head === undefined ? undefined : parseRecord(head);
}

function bounded<T>(values: readonly T[] | undefined, limit: number): T[] | undefined {
  return values === undefined ? undefined : values.slice(0, limit);
}

/** What `openSession` needs. */
export interface OpenSessionOptions {
  sessionId: string;
  agent: string;
  role: string;
  run?: string;
  briefing: BriefedFile[];
  now: Date;
}

/**
 * Opens a session's record (exclusive create, so two starts of one session never clobber each
 * other). An existing record is kept as it is: a resumed or compacted session keeps its start
 * and a logged one stays logged.
 */
export function openSession(root: string, config: Config, options: OpenSessionOptions): LedgerOutcome {
  if (!sessionsEnabled()) return { ok: true, disabled: true };
  if (!isValidSessionId(options.sessionId)) return invalidId(options.sessionId);
  const folder = ensureFolderInsideRoot(root, sessionsFolder(config));
  if (!folder.ok) return folder;
  const path = sessionPath(config, options.sessionId);
  const record: SessionRecord = {
    session_id: options.sessionId,
    agent: options.agent,
    role: options.role,
    ...(options.run ? { run: options.run } : {}),
    started: isoSeconds(options.now),
    status: 'open',
    briefing: bounded(options.briefing, RECORD_LIMITS.briefing)!.map(({ path: file, sha256 }) => ({ path: file, sha256 })),
  };
  try {
    if (createFileAtomic(join(root, path), formatRecord(record))) return { ok: true, path, record, created: true };
  } catch (error) {
    return { ok: false, error: `Cannot write \`${path}\` (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
  }
  const existing = readSession(root, config, options.sessionId);
  if (!existing) return { ok: false, error: `Unexpected \`${path}\` that is not a session record, expected front matter with \`session_id\`, \`started\` and \`status\`; move it away` };
  debug('fs', `${path} exists; kept as it is`);
  return { ok: true, path, record: existing, created: false };
}

/** What `closeSession` needs. */
export interface CloseSessionOptions {
  sessionId: string;
  status: 'logged' | 'failed' | 'recovered';
  findings?: string;
  claimed?: string[];
  done?: string[];
  changed?: string[];
  /** Why it failed. */
  reason?: string;
  /** Written when no record was open (a session the hook never saw). */
  agent?: string;
  role?: string;
  run?: string;
  now: Date;
}

/**
 * Closes a session's record with its status and what it did (lists given are merged with any
 * already there). A session with no record gets one, started and ended now.
 */
export function closeSession(root: string, config: Config, options: CloseSessionOptions): LedgerOutcome {
  if (!sessionsEnabled()) return { ok: true, disabled: true };
  if (!isValidSessionId(options.sessionId)) return invalidId(options.sessionId);
  const folder = ensureFolderInsideRoot(root, sessionsFolder(config));
  if (!folder.ok) return folder;
  const path = sessionPath(config, options.sessionId);
  const locked = withLock(root, SESSIONS_LOCK, (): LedgerOutcome => {
    const existing = readSession(root, config, options.sessionId);
    const at = isoSeconds(options.now);
    const record: SessionRecord = existing
      ? { ...existing }
      : { session_id: options.sessionId, agent: options.agent ?? 'unknown', role: options.role ?? 'unknown', ...(options.run ? { run: options.run } : {}), started: at, status: 'open', briefing: [] };
    record.status = options.status;
    record.ended = at;
    if (options.findings !== undefined) record.findings = options.findings;
    if (options.reason !== undefined) record.reason = options.reason.slice(0, 2000);
    record.claimed = merged(record.claimed, options.claimed, RECORD_LIMITS.urls);
    record.done = merged(record.done, options.done, RECORD_LIMITS.urls);
    record.changed = merged(record.changed, options.changed, RECORD_LIMITS.changed);
    try {
      writeFileAtomic(join(root, path), formatRecord(record));
    } catch (error) {
      return { ok: false, error: `Cannot write \`${path}\` (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
    }
    return { ok: true, path, record, created: existing === undefined };
  });
  return locked.ok ? locked.value : { ok: false, error: `Cannot close the session: ${locked.error}` };
}

/** The union of two lists, first seen first, bounded; undefined when both are. */
function merged(before: string[] | undefined, added: string[] | undefined, limit: number): string[] | undefined {
  if (before === undefined && added === undefined) return undefined;
  return [...new Set([...(before ?? []), ...(added ?? [])])].slice(0, limit);
}

/** What to list. */
export interface ListSessionsOptions {
  /** Only records still `open`. */
  open?: boolean;
  /** At most this many, newest first. */
  limit?: number;
  /** With `open`: names of records known not to be open, skipped unread; updated with what this listing found. */
  knownClosed?: KnownClosed;
}

/**
 * Record file names a listing of open records found not open, kept between listings (the
 * SessionStart hook keeps them in its private folder): a closed record never becomes open
 * again except by hand, so thousands of them need not be read at every session start.
 */
export interface KnownClosed {
  names: Set<string>;
  /** Set when the listing added or dropped names, so the keeper knows to save them. */
  changed: boolean;
}

/** A record's `status: open` line, looked for before any YAML is parsed: most records are closed. */
const OPEN_LINE = /^status:[ \t]*['"]?open['"]?[ \t]*\r?$/m;
/** The word {@link OPEN_LINE} needs, searched for in a record's bytes first. */
const OPEN_BYTES = Buffer.from('open');

/** The session records, newest start first (front matter only, each file's first 16 KB). */
export function listSessions(root: string, config: Config, options: ListSessionsOptions = {}): ListedSession[] {
  if (!sessionsEnabled()) return [];
  const folder = sessionsFolder(config);
  let names: string[];
  try {
    // Read first: a tree without the folder is most trees, and costs one failed call.
    names = readdirSync(join(root, folder));
  } catch {
    return [];
  }
  const located = ensureFolderInsideRoot(root, folder);
  if (!located.ok) {
    debug('path', located.error);
    return [];
  }
  const known = options.open ? options.knownClosed : undefined;
  if (known) {
    // A name that left the folder is forgotten, so a record made again under it is read.
    const present = new Set(names);
    for (const name of known.names) if (!present.has(name) && known.names.delete(name)) known.changed = true;
  }
  const found: ListedSession[] = [];
  for (const name of names) {
    if (!name.endsWith('.md') || !isValidSessionId(name.slice(0, -3)) || known?.names.has(name)) continue;
    const length = readHeadBytes(join(located.path, name));
    if (length < 0) continue;
    const record = options.open ? openRecord(length) : parseRecord(headBuffer!.toString('utf8', 0, length));
    if (record === undefined) {
      if (known) {
        known.names.add(name);
        known.changed = true;
      }
      continue;
    }
    found.push({ ...record, path: `${folder}/${name}` });
  }
  found.sort((a, b) => (a.started < b.started ? 1 : a.started > b.started ? -1 : a.session_id < b.session_id ? -1 : 1));
  return options.limit === undefined ? found : found.slice(0, options.limit);
}

/** The record in `headBuffer`'s first `length` bytes when it is open; undefined when it is closed or not a record. */
function openRecord(length: number): SessionRecord | undefined {
  // Most records are closed: one without the bytes `open` is skipped before it is decoded.
  if (headBuffer!.subarray(0, length).indexOf(OPEN_BYTES) === -1) return undefined;
  const head = headBuffer!.toString('utf8', 0, length);
  if (!OPEN_LINE.test(head)) return undefined;
  const record = parseRecord(head);
  return record?.status === 'open' ? record : undefined;
}

/** What the briefing asks about sessions that never logged. */
export interface UnloggedOptions {
  /** At most this many (default 5). */
  limit?: number;
  /** Leave this session out: the one being briefed. */
  exclude?: string;
  /** Only sessions started at least this long before `now` (a fleet's running sessions are open too). */
  minAgeMs?: number;
  now?: Date;
  /** Records known not to be open (see {@link KnownClosed}). */
  knownClosed?: KnownClosed;
}

/** Sessions still open (that never logged), newest first, at most `limit`. */
export function unloggedSessions(root: string, config: Config, options: UnloggedOptions = {}): ListedSession[] {
  const limit = options.limit ?? 5;
  const cutoff = options.minAgeMs ? (options.now ?? new Date()).getTime() - options.minAgeMs : undefined;
  return listSessions(root, config, { open: true, knownClosed: options.knownClosed })
    .filter((record) => record.session_id !== options.exclude)
    .filter((record) => cutoff === undefined || Date.parse(record.started) <= cutoff)
    .slice(0, limit);
}
