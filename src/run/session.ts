/**
 * Launching one headless Claude Code session for `relay run` (PROTOCOL §6): an argument vector
 * (never a shell), stdin from /dev/null, its own process group, its stream written to a file
 * (the session outlives a runner that dies), and past its timeout interrupted, terminated, then
 * killed with its group; the tool processes it left behind are reaped by its session id.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { debug } from '../debug.js';
import { isSessionProcess, reapSessionProcesses, signalGroup } from './processes.js';

/** The roles a session can run as: the plugin's agents. */
export const ROLES = ['planner', 'writer', 'reviewer'] as const;

/** A role of §6. */
export type Role = (typeof ROLES)[number];

/** What `launchSession` needs. */
export interface SessionOptions {
  /** The project root: the session's working directory. */
  root: string;
  runId: string;
  role: Role;
  /** The id its claims are held under (`RELAY_AGENT`). */
  agent: string;
  prompt: string;
  /** The stream-json output goes here; stderr beside it (`.stderr`). */
  streamPath: string;
  /** Default: a fresh UUID. */
  sessionId?: string;
  /** `--claude`; else `$RELAY_CLAUDE` in `env`; else `claude` on the PATH. */
  claude?: string;
  pluginDir?: string;
  model?: string;
  maxTurns?: number;
  maxBudgetUsd?: number;
  /** `--permission-mode` (default `acceptEdits`: nobody is there to answer a prompt). */
  permissionMode?: string;
  /** `--allowedTools` (default: {@link SESSION_TOOLS}, the relay and protocol-lint commands the agents run through Bash). */
  allowedTools?: string[];
  /** `--env-clean`: pass on only PATH, HOME, LANG, TERM, TMPDIR, ANTHROPIC_*, CLAUDE_CONFIG_DIR, CLAUDE_CODE_*, RELAY_*. */
  envClean?: boolean;
  /** Arguments appended as they are (tests: `--setting-sources ''`). */
  extraArgs?: string[];
  /** The environment to start from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** The git remote the run claims through: `RELAY_REMOTE` in the session's environment, so its relay commands use it too. */
  remote?: string;
  /** Past this the session is interrupted; undefined: no timeout. */
  timeoutMs?: number;
  /** Between SIGINT and SIGTERM, and between SIGTERM and SIGKILL (default 10 s). */
  graceMs?: number;
}

/** How a session's process ended. */
export interface SessionExit {
  sessionId: string;
  pid: number;
  started: Date;
  ended: Date;
  exit: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Signals sent to its group, in order. */
  signals: NodeJS.Signals[];
  /** Processes still carrying its session id after it ended, killed. */
  orphansReaped: number[];
  /** Why it could not be started (the binary is missing, …); the other fields then describe nothing that ran. */
  spawnError?: string;
}

/** A running session. */
export interface SessionHandle {
  sessionId: string;
  /** Also its process group id. */
  pid: number;
  started: Date;
  /** Resolves once it ended and what it left behind was reaped; never rejects. */
  exited: Promise<SessionExit>;
  /** Starts the interrupt → terminate → kill escalation now (a stop, a runner shutting down). */
  stop(): void;
}

/**
 * The tools a headless relay session may run without a prompt: the relay subcommands an agent
 * needs, spelled as the plugin's commands spell them, and the lint. Not `relay *`: `relay run`,
 * `init`, `sync`, `dashboard` and `merge-driver` would hand a session more than it has (relay
 * also refuses the first four under RELAY_RUN).
 */
export const SESSION_TOOLS = [
  'Bash(relay claim)', 'Bash(relay claim *)', 'Bash(relay done *)', 'Bash(relay release *)', 'Bash(relay handoff *)', 'Bash(relay new *)', 'Bash(relay session *)',
  'Bash(relay status)', 'Bash(relay status *)', 'Bash(relay brief)', 'Bash(relay brief *)', 'Bash(relay postmortem new *)', 'Bash(protocol-lint)', 'Bash(protocol-lint *)',
];

/** The variables a session inherits with `--env-clean`; the rest of the runner's environment stays behind. */
const CLEAN_ENV = /^(PATH|HOME|LANG|TERM|TMPDIR|CLAUDE_CONFIG_DIR|ANTHROPIC_\w*|CLAUDE_CODE_\w*|RELAY_\w*)$/;

const DEFAULT_GRACE_MS = 10_000;

/** The binary a session runs: `--claude`, else `$RELAY_CLAUDE`, else `claude` on the PATH. */
export function claudeBinary(claude: string | undefined, env: NodeJS.ProcessEnv): string {
  return claude || env.RELAY_CLAUDE?.trim() || 'claude';
}

/** The argument vector of a session (after the binary). */
export function sessionArguments(options: SessionOptions & { sessionId: string }): string[] {
  const args = ['-p', options.prompt, '--output-format', 'stream-json', '--verbose', '--session-id', options.sessionId];
  if (options.pluginDir !== undefined) args.push('--plugin-dir', options.pluginDir);
  args.push('--agent', `relay:${options.role}`);
  args.push('--permission-mode', options.permissionMode ?? 'acceptEdits');
  const allowed = options.allowedTools ?? SESSION_TOOLS;
  if (allowed.length > 0) args.push('--allowedTools', ...allowed);
  if (options.model !== undefined) args.push('--model', options.model);
  if (options.maxTurns !== undefined) args.push('--max-turns', String(options.maxTurns));
  if (options.maxBudgetUsd !== undefined) args.push('--max-budget-usd', String(options.maxBudgetUsd));
  args.push(...(options.extraArgs ?? []));
  return args;
}

/** Starts one session; the returned handle's `exited` says how it ended. */
export function launchSession(options: SessionOptions): SessionHandle {
  const sessionId = options.sessionId ?? randomUUID();
  const runnerEnv = options.env ?? process.env;
  const baseEnv = options.envClean ? Object.fromEntries(Object.entries(runnerEnv).filter(([name]) => CLEAN_ENV.test(name))) : runnerEnv;
  const binary = claudeBinary(options.claude, runnerEnv);
  const args = sessionArguments({ ...options, sessionId });
  const env: NodeJS.ProcessEnv = { ...baseEnv, RELAY_RUN: options.runId, RELAY_AGENT: options.agent, RELAY_ROLE: options.role };
  // The session claims where the runner claimed for it: through the run's remote, or (none) as the config says.
  if (options.remote !== undefined) env.RELAY_REMOTE = options.remote;
  else delete env.RELAY_REMOTE;
  // A session the runner starts is not the runner's own Claude session, if it runs inside one.
  delete env.CLAUDE_CODE_SESSION_ID;
  delete env.CLAUDE_SESSION_ID;
  mkdirSync(dirname(options.streamPath), { recursive: true });
  // The child writes to the files itself, so its output survives the runner.
  const out = openSync(options.streamPath, 'a', 0o600);
  const err = openSync(`${options.streamPath}.stderr`, 'a', 0o600);
  const started = new Date();
  let child;
  try {
    child = spawn(binary, args, { cwd: options.root, env, detached: true, stdio: ['ignore', out, err] });
  } finally {
    closeSync(out);
    closeSync(err);
  }
  const pid = child.pid ?? -1;
  const ended = new Promise<{ exit: number | null; signal: NodeJS.Signals | null; spawnError?: string }>((resolve) => {
    child.on('error', (error: NodeJS.ErrnoException) => resolve({ exit: null, signal: null, spawnError: `Cannot start \`${binary}\` (${error.code ?? error.message})` }));
    child.on('exit', (code, signal) => resolve({ exit: code, signal }));
  });
  return supervise({ sessionId, pid, started, ended, timeoutMs: options.timeoutMs, graceMs: options.graceMs });
}

/** What `adoptSession` needs: a session another runner started (`relay run resume`, `relay run stop`). */
export interface AdoptOptions {
  sessionId: string;
  pid: number;
  started: Date;
  /** Counted from `started`; undefined: no timeout. */
  timeoutMs?: number;
  graceMs?: number;
  /** How often to look whether it still runs (default 250 ms). */
  pollMs?: number;
}

/**
 * Watches a session this process did not start: it cannot be waited for, so it is polled;
 * its exit code is unknown (null). The same timeout escalation and reaping as a launched one.
 */
export function adoptSession(options: AdoptOptions): SessionHandle {
  const { pid } = options;
  const ended = new Promise<{ exit: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    const look = (): void => {
      if (!isSessionProcess(pid, options.sessionId)) resolve({ exit: null, signal: null });
      else setTimeout(look, options.pollMs ?? 250);
    };
    look();
  });
  const timeoutMs = options.timeoutMs === undefined ? undefined : Math.max(0, options.timeoutMs - (Date.now() - options.started.getTime()));
  return supervise({ sessionId: options.sessionId, pid, started: options.started, ended, timeoutMs, graceMs: options.graceMs });
}

interface Supervised {
  sessionId: string;
  pid: number;
  started: Date;
  ended: Promise<{ exit: number | null; signal: NodeJS.Signals | null; spawnError?: string }>;
  timeoutMs: number | undefined;
  graceMs: number | undefined;
}

/** The timeout escalation (interrupt, terminate, kill the group) and the reaping after the end, for a started or an adopted session. */
function supervise(options: Supervised): SessionHandle {
  const { sessionId, pid, started } = options;
  const signals: NodeJS.Signals[] = [];
  let timedOut = false;
  let ended = false;
  const timers: NodeJS.Timeout[] = [];
  const grace = options.graceMs ?? DEFAULT_GRACE_MS;

  const send = (signal: NodeJS.Signals): void => {
    if (ended || pid <= 0) return;
    signals.push(signal);
    debug('run', `session ${sessionId}: ${signal} to group ${pid}`);
    signalGroup(pid, signal);
  };
  let escalating = false;
  const escalate = (): void => {
    if (escalating) return;
    escalating = true;
    send('SIGINT');
    timers.push(setTimeout(() => send('SIGTERM'), grace));
    timers.push(setTimeout(() => send('SIGKILL'), 2 * grace));
  };
  if (options.timeoutMs !== undefined) {
    timers.push(
      setTimeout(() => {
        timedOut = true;
        escalate();
      }, options.timeoutMs),
    );
  }

  const exited = options.ended.then(({ exit, signal, spawnError }): SessionExit => {
    ended = true;
    for (const timer of timers) clearTimeout(timer);
    // What is left in its group, then what left the group but still carries its id.
    if (pid > 0) signalGroup(pid, 'SIGKILL');
    const orphansReaped = reapSessionProcesses(sessionId).filter((orphan) => orphan !== pid);
    if (orphansReaped.length > 0) debug('run', `session ${sessionId}: reaped ${orphansReaped.join(', ')}`);
    const result: SessionExit = { sessionId, pid, started, ended: new Date(), exit, signal, timedOut, signals, orphansReaped };
    if (spawnError !== undefined) result.spawnError = spawnError;
    return result;
  });
  return { sessionId, pid, started, exited, stop: escalate };
}
