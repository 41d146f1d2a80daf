/**
 * The session ledger's names (PROTOCOL §8): where records live, which ids can name one, and
 * whether records are on. Apart from records.ts so the hooks can ask these without loading
 * the YAML reader and writer records.ts needs.
 */
import type { Config } from '../protocol/config.js';

/** What a session id may be: it names a file. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

/** The folder records live in when the layout names none. */
export const DEFAULT_SESSIONS_FOLDER = 'sessions';

/** Whether session records are on (`RELAY_SESSIONS` unset, or anything but `0`/`off`/`false`/`no`). */
export function sessionsEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.RELAY_SESSIONS?.trim().toLowerCase();
  return !(value === '0' || value === 'off' || value === 'false' || value === 'no');
}

/** The root-relative folder of the records: the layout's `sessions` key, else `sessions`. */
export function sessionsFolder(config: Config): string {
  const configured = (config.layout as { sessions?: unknown }).sessions;
  return typeof configured === 'string' && configured !== '' ? configured : DEFAULT_SESSIONS_FOLDER;
}

/** Whether `id` can name a session record. */
export function isValidSessionId(id: string): boolean {
  return SESSION_ID_PATTERN.test(id) && id !== '.' && id !== '..';
}

/** The root-relative path of a session's record. */
export function sessionPath(config: Config, sessionId: string): string {
  return `${sessionsFolder(config)}/${sessionId}.md`;
}
