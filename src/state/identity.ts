/**
 * Who is writing and when: the agent id stamped on claims and completions, and the clock.
 */
import { hostname } from 'node:os';

/** What an agent id may hold: the annotation grammar splits fields on `,` `;` and ends at `)`. */
const AGENT_ID = /^[^\s,;()]+$/;

/** Whether `id` can be written into a queue annotation as an agent id. */
export function isValidAgentId(id: string): boolean {
  return id.length > 0 && id.length <= 200 && AGENT_ID.test(id);
}

/**
 * The agent id to use when none is given: `$RELAY_AGENT`, else the Claude Code session id
 * from the environment, else `$USER@<host>` (`uid-<uid>@<host>` without `$USER`): the same for
 * every command a user runs from a shell, so `u=$(relay claim); relay release "$u"` works.
 */
export function defaultAgentId(env: NodeJS.ProcessEnv = process.env): string {
  for (const name of ['RELAY_AGENT', 'CLAUDE_SESSION_ID', 'CLAUDE_CODE_SESSION_ID']) {
    const value = env[name]?.trim();
    if (value) return sanitize(value);
  }
  const user = env.USER?.trim() || (process.getuid === undefined ? env.USERNAME?.trim() : undefined);
  return sanitize(`${user || `uid-${process.getuid?.() ?? 'unknown'}`}@${hostname()}`);
}

function sanitize(value: string): string {
  const cleaned = value.replace(/[\s,;()]+/g, '-').slice(0, 200);
  return cleaned === '' ? 'unknown' : cleaned;
}

/** The current time; `RELAY_NOW` (an ISO timestamp) pins it, for tests and reproducible runs. */
export function currentTime(env: NodeJS.ProcessEnv = process.env): Date {
  const pinned = env.RELAY_NOW;
  if (pinned) {
    const date = new Date(pinned);
    if (!Number.isNaN(date.getTime())) return date;
  }
  return new Date();
}

/** An ISO timestamp to the second, in UTC, as the seed writes claims: `2026-03-19T10:00:00Z`. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The UTC calendar date, `YYYY-MM-DD`: claims are stamped in UTC, so completions are too. */
export function utcDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

