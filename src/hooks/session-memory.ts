/**
 * Per-session memory shared by the hooks: which protocol files this session changed, and
 * which Stop reasons it was already given. One append-only JSON-lines file per session id,
 * in `${CLAUDE_PLUGIN_DATA}/sessions/` (kept by Claude Code per plugin, outside the user's
 * repository), else in the OS temp folder. Appends of one short line are atomic, so hooks
 * running in parallel (parallel tool calls) never lose each other's records.
 */
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** What a session did so far, as read back from its file. */
export interface SessionRecord {
  /** Root → root-relative paths of protocol files the session wrote. */
  touched: Map<string, Set<string>>;
  /** Signatures of the Stop blocks already given, so the same reason blocks only once. */
  blocked: Set<string>;
}

/** The folder holding the session files. */
export function sessionFolder(env: NodeJS.ProcessEnv = process.env): string {
  const data = env.CLAUDE_PLUGIN_DATA;
  if (data) return join(data, 'sessions');
  let user = 'user';
  try {
    user = String(userInfo().uid);
  } catch {
    // Some containers have no passwd entry; one shared folder name is then good enough.
  }
  return join(tmpdir(), `relay-sessions-${user}`);
}

/** The memory of one session, or undefined without a usable session id. */
export class SessionMemory {
  private constructor(readonly file: string) {}

  /** Opens the memory of a session id (ids are reduced to safe file-name characters). */
  static open(sessionId: string | undefined, env: NodeJS.ProcessEnv = process.env): SessionMemory | undefined {
    if (!sessionId) return undefined;
    const safe = sessionId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 120);
    if (safe === '') return undefined;
    return new SessionMemory(join(sessionFolder(env), `${safe}.jsonl`));
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

  /** Reads what the session did; a missing or damaged file reads as nothing done. */
  read(): SessionRecord {
    const record: SessionRecord = { touched: new Map(), blocked: new Set() };
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return record;
    }
    for (const line of text.split('\n')) {
      if (line === '') continue;
      let entry: { root?: unknown; touch?: unknown; blocked?: unknown };
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
      }
    }
    return record;
  }

  private append(text: string): void {
    mkdirSync(join(this.file, '..'), { recursive: true });
    appendFileSync(this.file, text);
  }
}

/** Deletes session files untouched for longer than `maxAgeMs` (called at session start). */
export function pruneSessions(maxAgeMs: number, now = Date.now(), env: NodeJS.ProcessEnv = process.env): void {
  const folder = sessionFolder(env);
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
      if (now - statSync(path).mtimeMs > maxAgeMs) rmSync(path, { force: true });
    } catch {
      // Another session may prune the same file at the same time.
    }
  }
}
