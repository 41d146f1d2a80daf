/**
 * The hooks' side of the session ledger (PROTOCOL §8). A fleet session — one started with
 * `RELAY_RUN`, `RELAY_AGENT` or `RELAY_ROLE` in its environment, as the runner and scripts
 * start them — gets its record `sessions/<session-id>.md` when it starts. An interactive
 * session gets it at its first change to the state tree (PostToolUse), with the start and
 * briefing remembered from SessionStart: a session that only looks leaves no record, so the
 * briefing never lists people who merely read the tree as sessions that never logged.
 * Everything here fails open: a record that cannot be written is a debug note, never an error.
 */
import { debug } from '../debug.js';
import type { BriefedFile } from '../ledger/records.js';
import { isValidSessionId, sessionsEnabled } from '../ledger/session-names.js';
import type { Config } from '../protocol/config.js';
import { isoSeconds } from '../state/identity.js';
import { SessionMemory } from './session-memory.js';

/** The role of a session started with no `RELAY_ROLE`: a person at the keyboard. */
export const INTERACTIVE_ROLE = 'interactive';

/** Who a session is, from the environment Claude Code was started with. */
export function sessionIdentity(sessionId: string, env: NodeJS.ProcessEnv = process.env): { agent: string; role: string; run?: string; fleet: boolean } {
  const agent = env.RELAY_AGENT?.trim() || sessionId;
  const role = env.RELAY_ROLE?.trim() || INTERACTIVE_ROLE;
  const run = env.RELAY_RUN?.trim() || undefined;
  const fleet = Boolean(env.RELAY_RUN?.trim() || env.RELAY_AGENT?.trim() || env.RELAY_ROLE?.trim());
  return { agent, role, ...(run ? { run } : {}), fleet };
}

/**
 * At SessionStart: opens a fleet session's record now, or remembers an interactive one's for
 * its first change. A resumed or compacted session keeps its first record and start.
 */
export async function startSessionRecord(root: string, config: Config, sessionId: string | undefined, briefing: BriefedFile[], now = new Date()): Promise<void> {
  if (!sessionsEnabled()) return debug('hook', 'SessionStart: RELAY_SESSIONS is off, no session record');
  if (sessionId === undefined || !isValidSessionId(sessionId)) return debug('hook', `SessionStart: no usable session_id (\`${sessionId ?? ''}\`), no session record`);
  const identity = sessionIdentity(sessionId);
  const memory = identity.fleet ? undefined : SessionMemory.open(sessionId);
  if (memory === undefined) {
    // Without a memory to carry the start to the first change, an interactive session is
    // recorded now, like a fleet one: one small record is better than none.
    const { openSession } = await import('../ledger/records.js');
    const opened = openSession(root, config, { sessionId, agent: identity.agent, role: identity.role, run: identity.run, briefing, now });
    if (!opened.ok) debug('hook', `SessionStart: no session record: ${opened.error}`);
    else if (!opened.disabled) debug('hook', `SessionStart: session record \`${opened.path}\` ${opened.created ? 'opened' : 'kept'}`);
    return;
  }
  memory.recordPending(root, { started: isoSeconds(now), agent: identity.agent, role: identity.role, briefing });
  debug('hook', 'SessionStart: interactive session; its record is opened at its first change to the tree');
}

/** At a change to the tree (PostToolUse): opens the record SessionStart left pending, once. */
export async function openPendingRecord(memory: SessionMemory, root: string, config: Config, sessionId: string): Promise<void> {
  if (!sessionsEnabled() || !isValidSessionId(sessionId)) return;
  const known = memory.read();
  if (known.opened.has(root)) return;
  const pending = known.pending.get(root);
  if (pending === undefined) return debug('hook', 'PostToolUse: no pending session record for this tree');
  // Loaded only here: most changes open no record, and the ledger's YAML costs every hook run that loads it.
  const { openSession } = await import('../ledger/records.js');
  const opened = openSession(root, config, { sessionId, agent: pending.agent, role: pending.role, briefing: pending.briefing, now: new Date(pending.started) });
  if (!opened.ok) return debug('hook', `PostToolUse: no session record: ${opened.error}`);
  if (!opened.disabled) memory.recordOpened(root);
}
