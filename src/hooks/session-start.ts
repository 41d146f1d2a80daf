/**
 * SessionStart hook (startup, resume, clear, compact): puts the bounded "get up to speed"
 * briefing into the session as `additionalContext`, and starts the session's ledger record
 * with the files the briefing read (session-record.ts). Silent outside a relay state tree.
 */
import { join } from 'node:path';
import { buildBrief, buildBriefing, DEFAULT_BRIEF_BUDGET } from '../brief/brief.js';
import { sessionsEnabled, sessionsFolder } from '../ledger/session-names.js';
import { loadClosedRecords } from './closed-records.js';
import { debug } from '../debug.js';
import { nonRegularReason } from '../protocol/regular-file.js';
import { runHook, stringField, type HookOutcome, type HookInput } from './hook-io.js';
import { pruneSessions } from './session-memory.js';
import { startSessionRecord } from './session-record.js';
import { findStateTree } from './state-tree.js';

/** Session files older than this are deleted when a session starts. */
const SESSION_MEMORY_DAYS = 14;

/** Builds the SessionStart outcome for an event. */
async function sessionStart(input: HookInput): Promise<HookOutcome> {
  const cwd = stringField(input.cwd) ?? process.cwd();
  if (stringField(input.source) === 'startup') pruneSessions(SESSION_MEMORY_DAYS * 24 * 3600 * 1000);
  const tree = findStateTree(cwd);
  if (!tree) return {};
  // The briefing reads the queue files whole; it leaves out any that is not a regular file
  // (a FIFO would block, /dev/zero never ends), and the session is told which it skipped.
  const skipped = [tree.config.layout.todo, tree.config.layout.done].flatMap((path) => {
    const why = nonRegularReason(join(tree.root, path));
    if (why === undefined) return [];
    debug('hook', `SessionStart: skipped \`${path}\`: ${why}`);
    return [`relay: skipped \`${path}\` without reading it: ${why}. State files must be regular files; replace it with one`];
  });
  const budget = Number(process.env.RELAY_BRIEF_BUDGET) || DEFAULT_BRIEF_BUDGET;
  const sessionId = stringField(input.session_id);
  const now = new Date();
  const options = { budget: Math.min(budget, 9000), session: sessionId, now };
  let text: string;
  if (sessionsEnabled()) {
    const closed = loadClosedRecords(join(tree.root, sessionsFolder(tree.config)), now.getTime());
    const brief = buildBriefing(tree.root, tree.config, { ...options, knownClosed: closed.known });
    closed.save();
    await startSessionRecord(tree.root, tree.config, sessionId, brief.read, now);
    text = brief.text;
  } else {
    // Records off: nothing to hash the briefed files for.
    debug('hook', 'SessionStart: RELAY_SESSIONS is off, no session record');
    text = buildBrief(tree.root, tree.config, options);
  }
  const context = [text, ...skipped].join('\n') + `\n\n(relay SessionStart briefing. The slash command /relay:get-up-to-speed shows it again with guidance; end the session with /relay:log-this.)`;
  return { stdout: JSON.stringify({ hookSpecificOutput: { hookEventName: 'SessionStart', additionalContext: context } }) };
}

await runHook('SessionStart', sessionStart);
