/** `relay session start|end|list|recover`: the session ledger (PROTOCOL §8) for hooks, /log-this, scripts and the runner. */
import { changedSince, closeSession, listSessions, openSession, readSession, recoverSession, sessionsEnabled, sessionsFolder, type LedgerOutcome } from '../../ledger/index.js';
import type { Config } from '../../protocol/config.js';
import { currentTime, defaultAgentId, isoSeconds } from '../../state/identity.js';
import { loadQueues } from '../../state/queue-files.js';
import { AGENT_OPTION, agentOf, JSON_OPTION, usage, type CommandContext, type CommandDefinition, type Outcome } from './command.js';

const ACTIONS = ['start', 'end', 'list', 'recover'];

/** `relay session`. */
export const session: CommandDefinition = {
  name: 'session',
  summary: 'open, close, list or recover session records (sessions/ID.md)',
  positionals: 'start|end|list|recover [ID]',
  options: {
    ...AGENT_OPTION,
    ...JSON_OPTION,
    session: { type: 'string' },
    role: { type: 'string' },
    run: { type: 'string' },
    findings: { type: 'string' },
    status: { type: 'string' },
    claimed: { type: 'string', multiple: true },
    done: { type: 'string', multiple: true },
    changed: { type: 'string', multiple: true },
    open: { type: 'boolean' },
    limit: { type: 'string' },
    create: { type: 'boolean' },
  },
  help: `Usage: relay session start [--session ID] [--role R] [--agent A] [--run RUN]
       relay session end [--session ID] [--findings PATH] [--status logged|failed]
                         [--claimed URL]... [--done URL]... [--changed PATH]... [--create]
       relay session list [--open] [--limit N] [--json]
       relay session recover ID

The session ledger: one record per session in sessions/ID.md.
  start     opens the record (an existing one is kept as it is)
  end       closes it (default status logged); claimed and done URLs default to the
            queues' entries by the record's agent, changed files to what git says
            changed since the start; a session with no record is refused unless --create
  list      the records, newest first (--open: only those never closed)
  recover   closes an open record as recovered, with what git says changed since its start

  --session ID   default: $CLAUDE_CODE_SESSION_ID, then $CLAUDE_SESSION_ID, then the
                 default agent id as for claim ($RELAY_AGENT, else USER@HOST)
  --role R       planner, writer, reviewer, ... (default: interactive)
  --agent A      default as for claim
RELAY_SESSIONS=0 turns records off: nothing is written, lists are empty.
`,
  details: `The session ledger's commands (the record's fields and the \`RELAY_SESSIONS=0\` switch are in
[session-ledger.md](session-ledger.md)). The session id is \`--session\`, else
\`$CLAUDE_CODE_SESSION_ID\`, else \`$CLAUDE_SESSION_ID\`, else the agent id \`relay claim\` would use
(\`$RELAY_AGENT\`, else \`USER@HOST\`) with every character outside \`A-Z a-z 0-9 . _ -\` made a
\`-\`: from a terminal, \`relay session start\` and \`relay session end\` name the same record.
Ids are 1 to 128 of \`A-Z a-z 0-9 . _ -\`.

- **\`start\`** opens \`sessions/ID.md\` with status \`open\` (an exclusive create: an existing record
  is kept as it is, so a resumed session keeps its start) and prints its path. The SessionStart
  hook does the same with the briefed files; \`start\` from a script records none.
- **\`end\`** closes it (\`--status logged\`, the default, or \`failed\`) with \`--findings\`, and lists
  of claimed URLs, done URLs and changed files. A list not given is collected: \`claimed\` are
  the URLs in \`urls_todo.md\` still claimed by the record's agent, \`done\` those in
  \`urls_done.md\` completed by it on or after the start's day, \`changed\` what git says changed
  since the start (commits, and uncommitted files modified since then; the records folder left
  out). Given lists replace the collected ones. A session with no record is refused (exit 1: a
  mistyped id would be given every URL its agent ever finished) unless \`--create\`, which makes
  one, started now.
- **\`list\`** prints \`ID  STATUS  STARTED  AGENT  ROLE\` per record, newest first; \`--open\` only
  those never closed; \`--json\` the records' front matter with their paths.
- **\`recover ID\`** closes an open record as \`recovered\` with what git says changed since its
  start — for a session that crashed or stopped without /log-this. git cannot say which session
  made a change, so in a busy fleet the list is a lead, not a verdict.
`,
  run(context) {
    const [action, ...rest] = context.positionals;
    if (action === undefined || !ACTIONS.includes(action)) {
      return usage('session', action === undefined ? 'Missing an action, expected `start`, `end`, `list` or `recover`' : `Unknown action \`${action}\`, expected \`start\`, \`end\`, \`list\` or \`recover\``);
    }
    if (action !== 'recover' && rest.length > 0) return usage('session', `Unexpected argument \`${rest[0]}\`; pass the id as \`--session ID\``);
    if (!sessionsEnabled(context.io.env)) {
      if (action === 'list') return { code: 0, stdout: context.values.json ? '[]\n' : '', stderr: 'relay session: records are off (`RELAY_SESSIONS`); nothing listed\n' };
      return { code: 0, stderr: 'relay session: records are off (`RELAY_SESSIONS`); nothing written\n' };
    }
    if (action === 'list') return list(context);
    if (action === 'recover') {
      if (rest.length !== 1) return usage('session', rest.length === 0 ? 'Missing a session id, expected `relay session recover ID`' : `Unexpected argument \`${rest[1]}\`, expected one session id`);
      return written(context, recoverSession(context.root, context.config, { sessionId: rest[0]!, now: currentTime(context.io.env) }));
    }
    const sessionId = sessionIdOf(context);
    return action === 'start' ? start(context, sessionId) : end(context, sessionId);
  },
};

/** The session id from `--session`, else Claude Code's, else the default agent id made a valid id. */
function sessionIdOf(context: CommandContext): string {
  const given = context.values.session;
  if (typeof given === 'string') return given;
  for (const name of ['CLAUDE_CODE_SESSION_ID', 'CLAUDE_SESSION_ID']) {
    const value = context.io.env[name]?.trim();
    if (value) return value;
  }
  return defaultAgentId(context.io.env).replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 128);
}

function start(context: CommandContext, sessionId: string): Outcome {
  const agent = agentOf(context, 'session');
  if (typeof agent !== 'string') return agent;
  const role = typeof context.values.role === 'string' ? context.values.role : 'interactive';
  if (!/\S/.test(role) || /[\r\n]/.test(role)) return usage('session', `Unexpected role \`${role}\`, expected one line of text`);
  const options: Parameters<typeof openSession>[2] = { sessionId, agent, role, briefing: [], now: currentTime(context.io.env) };
  if (typeof context.values.run === 'string') options.run = context.values.run;
  return written(context, openSession(context.root, context.config, options));
}

function end(context: CommandContext, sessionId: string): Outcome {
  const status = typeof context.values.status === 'string' ? context.values.status : 'logged';
  if (status !== 'logged' && status !== 'failed') return usage('session', `Unexpected \`--status ${status}\`, expected \`logged\` or \`failed\``);
  const now = currentTime(context.io.env);
  const existing = readSession(context.root, context.config, sessionId);
  if (existing === undefined && context.values.create !== true) return { code: 1, stderr: `relay session: Unexpected session \`${sessionId}\` with no record in \`${sessionsFolder(context.config)}/\`, expected one opened by \`relay session start\` (or the SessionStart hook); check the id, or pass \`--create\` to make one\n` };
  const agent = existing?.agent ?? agentOf(context, 'session');
  if (typeof agent !== 'string') return agent;
  const options: Parameters<typeof closeSession>[2] = { sessionId, status, agent, now };
  if (typeof context.values.role === 'string') options.role = context.values.role;
  if (typeof context.values.findings === 'string') options.findings = context.values.findings;
  const given = (name: string): string[] | undefined => (Array.isArray(context.values[name]) ? (context.values[name] as string[]) : undefined);
  let claimed = given('claimed');
  let done = given('done');
  let stderr = '';
  if (claimed === undefined || done === undefined) {
    const collected = queueEntriesOf(context.root, context.config, agent, existing?.started ?? isoSeconds(now));
    if (collected.ok) {
      claimed ??= collected.claimed;
      done ??= collected.done;
    } else stderr += `relay session: claimed and done URLs not collected: ${collected.error}\n`;
  }
  if (claimed !== undefined) options.claimed = claimed;
  if (done !== undefined) options.done = done;
  const changed = given('changed');
  if (changed !== undefined) options.changed = changed;
  else if (existing !== undefined) {
    const found = changedSince(context.root, existing.started);
    const folder = `${sessionsFolder(context.config)}/`;
    if (found.ok) options.changed = found.changed.filter((name) => !name.startsWith(folder));
    else stderr += `relay session: changed files not collected: ${found.error}\n`;
  }
  const outcome = written(context, closeSession(context.root, context.config, options));
  return { ...outcome, stderr: stderr + (outcome.stderr ?? '') };
}

/** The URLs `agent` still holds in urls_todo.md, and those it completed in urls_done.md on or after `started`'s day. */
function queueEntriesOf(root: string, config: Config, agent: string, started: string): { ok: true; claimed: string[]; done: string[] } | { ok: false; error: string } {
  const loaded = loadQueues(root, config);
  if (!loaded.ok) return loaded;
  const { todo, done, doneKeys } = loaded.queues;
  const day = started.slice(0, 10);
  const claimed = todo.items.filter((item) => item.claim?.agent === agent && !doneKeys.has(item.key)).map((item) => item.url);
  // A completion carries a date only, so a session gets every completion by its agent from its first day on.
  const completed = done.items.filter((item) => item.by === agent && (item.completed ?? '').slice(-10) >= day).map((item) => item.url);
  return { ok: true, claimed: [...new Set(claimed)], done: [...new Set(completed)] };
}

function written(context: CommandContext, outcome: LedgerOutcome): Outcome {
  if (!outcome.ok) return { code: 1, stderr: `relay session: ${outcome.error}\n` };
  if (outcome.disabled) return { code: 0, stderr: 'relay session: records are off (`RELAY_SESSIONS`); nothing written\n' };
  const note = outcome.created || outcome.record.status !== 'open' ? '' : `relay session: \`${outcome.path}\` was already open; kept as it is\n`;
  if (context.values.json) return { code: 0, stdout: JSON.stringify({ path: outcome.path, ...outcome.record }) + '\n', stderr: note };
  return { code: 0, stdout: `${outcome.path}\n`, stderr: note };
}

function list(context: CommandContext): Outcome {
  const limitText = context.values.limit;
  let limit: number | undefined;
  if (typeof limitText === 'string') {
    limit = Number(limitText);
    if (!/^\d+$/.test(limitText) || limit < 1) return usage('session', `Unexpected \`--limit ${limitText}\`, expected a whole number from 1`);
  }
  const options: Parameters<typeof listSessions>[2] = { open: context.values.open === true };
  if (limit !== undefined) options.limit = limit;
  const records = listSessions(context.root, context.config, options);
  if (context.values.json) return { code: 0, stdout: JSON.stringify(records) + '\n' };
  return { code: 0, stdout: records.map((record) => `${record.session_id}  ${record.status}  ${record.started}  ${record.agent}  ${record.role}\n`).join('') };
}
