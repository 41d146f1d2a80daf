/**
 * Per-session memory shared by the hooks: which protocol files this session changed, and
 * which Stop reasons it was already given. One append-only JSON-lines file per session id,
 * in `${CLAUDE_PLUGIN_DATA}/sessions/` (kept by Claude Code per plugin, outside the user's
 * repository), else in the user's private temp folder (see private-folder.ts). Appends of
 * one short line are atomic, so hooks running in parallel (parallel tool calls) never lose
 * each other's records. Session files are opened without following links.
 */
import { closeSync, constants, lstatSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { debug, reason } from '../debug.js';
import { readRegularFile } from '../protocol/regular-file.js';
import { privateSubfolder } from './private-folder.js';

/** What a session did so far, as read back from its file. */
export interface SessionRecord {
  /** Root → root-relative paths of protocol files the session wrote. */
  touched: Map<string, Set<string>>;
  /** Signatures of the Stop blocks already given, so the same reason blocks only once. */
  blocked: Set<string>;
  /** Root → the ledger record the session will open there at its first change (see session-record.ts). */
  pending: Map<string, PendingRecord>;
  /** Roots where the session's ledger record was opened (or found) already. */
  opened: Set<string>;
}

/** A ledger record not written yet: when the session started, as whom, and what its briefing read. */
export interface PendingRecord {
  started: string;
  agent: string;
  role: string;
  briefing: Array<{ path: string; sha256: string }>;
}

/** The folder holding the session files, created privately; undefined when no safe one exists. */
export function sessionFolder(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return privateSubfolder('sessions', env);
}

/** The memory of one session, or undefined without a usable session id. */
export class SessionMemory {
  private constructor(readonly file: string) {}

  /** Opens the memory of a session id (ids are reduced to safe file-name characters); undefined without an id or a safe folder. */
  static open(sessionId: string | undefined, env: NodeJS.ProcessEnv = process.env): SessionMemory | undefined {
    if (!sessionId) {
      debug('hook', 'the event has no session_id: no session memory');
      return undefined;
    }
    const safe = sessionId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 120);
    if (safe === '') return undefined;
    const folder = sessionFolder(env);
    return folder === undefined ? undefined : new SessionMemory(join(folder, `${safe}.jsonl`));
  }

  /** Records protocol files the session wrote under a root. */
  recordTouched(root: string, paths: string[]): void {
    if (paths.length === 0) return;
    this.append(paths.map((path) => JSON.stringify({ root, touch: path })).join('\n') + '\n');
  }

  /** Records that the Stop hook blocked for a signature. */
  recordBlocked(signature: string): void {
    this.append(JSON.stringify({ blocked: signature }) + '\n');
  }

  /** Records the ledger record to open under a root at the session's first change there. */
  recordPending(root: string, pending: PendingRecord): void {
    this.append(JSON.stringify({ root, pending }) + '\n');
  }

  /** Records that the session's ledger record under a root exists. */
  recordOpened(root: string): void {
    this.append(JSON.stringify({ root, opened: true }) + '\n');
  }

  /** Reads what the session did; a missing or damaged file reads as nothing done. */
  read(): SessionRecord {
    const record: SessionRecord = { touched: new Map(), blocked: new Set(), pending: new Map(), opened: new Set() };
    let text: string;
    try {
      text = readRegularFile(this.file, { noFollow: true })?.toString('utf8') ?? '';
    } catch (error) {
      debug('hook', `session memory \`${this.file}\` unreadable, read as nothing done: ${reason(error)}`);
      return record;
    }
    for (const line of text.split('\n')) {
      if (line === '') continue;
      let entry: { root?: unknown; touch?: unknown; blocked?: unknown; pending?: unknown; opened?: unknown };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        continue;
      }
      if (typeof entry.root === 'string' && typeof entry.touch === 'string') {
        let paths = record.touched.get(entry.root);
        if (!paths) record.touched.set(entry.root, (paths = new Set()));
        paths.add(entry.touch);
      } else if (typeof entry.blocked === 'string') {
        record.blocked.add(entry.blocked);
      } else if (typeof entry.root === 'string' && isPending(entry.pending)) {
        // The first start is the session's start: a resume or compact appends a later one.
        if (!record.pending.has(entry.root)) record.pending.set(entry.root, entry.pending);
      } else if (typeof entry.root === 'string' && entry.opened === true) {
        record.opened.add(entry.root);
      }
    }
    return record;
  }

  private append(text: string): void {
    // O_NOFOLLOW: the folder is private, and a link in it is still never written through.
    let fd: number;
    try {
      fd = openSync(this.file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0), 0o600);
    } catch (error) {
      // Memory is a convenience for the Stop gate: losing a record must not stop the lint.
      debug('hook', `session memory \`${this.file}\` not written: ${reason(error)}`);
      return;
    }
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
  }
}

function isPending(value: unknown): value is PendingRecord {
  if (value === null || typeof value !== 'object') return false;
  const pending = value as Record<string, unknown>;
  return (
    typeof pending.started === 'string' &&
    typeof pending.agent === 'string' &&
    typeof pending.role === 'string' &&
    Array.isArray(pending.briefing) &&
    pending.briefing.every((file: unknown) => file !== null && typeof file === 'object' && typeof (file as { path?: unknown }).path === 'string' && typeof (file as { sha256?: unknown }).sha256 === 'string')
  );
}

/** Deletes session files untouched for longer than `maxAgeMs` (called at session start). */
export function pruneSessions(maxAgeMs: number, now = Date.now(), env: NodeJS.ProcessEnv = process.env): void {
  const folder = sessionFolder(env);
  if (folder === undefined) return;
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.endsWith('.jsonl')) continue;
    const path = join(folder, name);
    try {
      if (now - lstatSync(path).mtimeMs > maxAgeMs) rmSync(path, { force: true });
    } catch {
      // Another session may prune the same file at the same time.
    }
  }
}
