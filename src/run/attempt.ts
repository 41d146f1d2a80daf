/**
 * One session attempt of a run, start to record: launch (its `running/` entry first, so a
 * runner that dies leaves it findable), wait, judge, give a failed session's claims back, and
 * append its line to `attempts.jsonl`. A session another runner started is finished the same
 * way (`relay run resume`). The modes of `relay run` are built on this (src/run/runner.ts).
 */
import { randomUUID } from 'node:crypto';
import { debug } from '../debug.js';
import { closeSession, sessionPath } from '../ledger/index.js';
import type { Config } from '../protocol/config.js';
import { currentTime, isoSeconds } from '../state/identity.js';
import { moveClaims, releaseClaims } from './claim-work.js';
import { judgeSession, type Verdict } from './judge.js';
import { appendAttempt, removeRunning, streamPath, writeRunning, type AttemptRecord, type RunningEntry } from './records.js';
import { launchSession, type SessionExit, type SessionHandle, type SessionOptions } from './session.js';

/** What `runAttempt` needs: a session's options, less the stream path (the run's records decide it). */
export interface AttemptOptions extends Omit<SessionOptions, 'streamPath'> {
  config: Config;
  attempt?: number;
  wave?: number;
  stage?: string;
  slot?: number;
  /** The URLs the runner claimed for it (or handed to it). */
  assigned?: string[];
  /** The next stage's agent: URLs handed on to it are finished work. */
  handOnTo?: string;
  /** Where a failed session's claims go instead of back to the queue (the stage's queue agent, for a retry). */
  returnTo?: string;
  /** The git remote the run claims through (PROTOCOL §7): a failed session's claims move or go back there too. */
  remote?: string;
  /** Called once the session started (a runner shows it, or stops it). */
  onLaunch?: (handle: SessionHandle) => void;
}

/** How an attempt ended. */
export interface AttemptOutcome {
  exit: SessionExit;
  verdict: Verdict;
  record: AttemptRecord;
}

/** A launched attempt: its `running/` entry and its handle. */
export interface StartedAttempt {
  entry: RunningEntry;
  handle: SessionHandle;
}

/** Launches one session and records it under `running/` (before it starts, and again with its pid). */
export function startAttempt(options: AttemptOptions): StartedAttempt {
  const { root, runId, agent } = options;
  // A fresh id for every attempt: Claude Code refuses an id it has seen (fleet-runner.md).
  const sessionId = options.sessionId ?? randomUUID();
  const entry: RunningEntry = { session_id: sessionId, agent, role: options.role, attempt: options.attempt ?? 1, assigned: options.assigned ?? [], pid: 0, start: isoSeconds(new Date()) };
  if (options.wave !== undefined) entry.wave = options.wave;
  if (options.stage !== undefined) entry.stage = options.stage;
  if (options.slot !== undefined) entry.slot = options.slot;
  if (options.returnTo !== undefined) entry.return_to = options.returnTo;
  if (options.handOnTo !== undefined) entry.hand_on_to = options.handOnTo;
  // Written before the launch: a runner killed between the spawn and the second write still
  // leaves the session's id, which `relay run resume` finds its process by.
  writeRunning(root, runId, entry);
  const handle = launchSession({ ...options, sessionId, streamPath: streamPath(root, runId, sessionId) });
  entry.pid = handle.pid;
  entry.start = isoSeconds(handle.started);
  writeRunning(root, runId, entry);
  options.onLaunch?.(handle);
  return { entry, handle };
}

/** What `finishAttempt` is told at the end. */
export interface FinishOptions {
  root: string;
  config: Config;
  runId: string;
  /** Where a failed session's claims go; undefined: released to the queue. */
  returnTo?: string | undefined;
  /** The git remote the run claims through: the claim refs move or go back with the claims. */
  remote?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

/** Waits for a launched (or adopted) session, judges it, gives back a failed one's claims, and writes its line. */
export async function finishAttempt(entry: RunningEntry, handle: SessionHandle, options: FinishOptions): Promise<AttemptOutcome> {
  const { root, config, runId } = options;
  const { agent } = entry;
  const exit = await handle.exited;
  const judged: Parameters<typeof judgeSession>[0] = { root, config, agent, streamPath: streamPath(root, runId, entry.session_id), exit, assigned: entry.assigned };
  if (entry.hand_on_to !== undefined) judged.handOnTo = entry.hand_on_to;
  const verdict = await judgeSession(judged);
  let released: string[] = [];
  const reasons = [...verdict.reasons];
  if (!verdict.ok && verdict.claimsLeft.length > 0) {
    if (options.returnTo !== undefined) {
      // Its work waits under the stage's queue agent for the retry, unclaimable by anyone else.
      const back = moveClaims(root, config, { urls: verdict.claimsLeft, from: agent, to: options.returnTo, now: currentTime(options.env), remote: options.remote, run: runId });
      if (back.ok) released = back.urls;
      else reasons.push(`Cannot return \`${agent}\`'s claims to \`${options.returnTo}\`: ${back.error}`);
    } else {
      // A failed session's work goes back to the queue (§6).
      const release = releaseClaims(root, config, { agent, remote: options.remote });
      if (release.ok) released = release.urls;
      else reasons.push(`Cannot release \`${agent}\`'s claims: ${release.error}`);
    }
  }
  const record: AttemptRecord = {
    session_id: entry.session_id,
    agent,
    role: entry.role,
    attempt: entry.attempt,
    status: verdict.ok ? 'succeeded' : 'failed',
    urls: [...verdict.finished, ...verdict.unassigned],
    assigned: entry.assigned,
    unassigned: verdict.unassigned,
    pid: exit.pid,
    start: isoSeconds(exit.started),
    end: isoSeconds(exit.ended),
    exit: exit.exit,
    signal: exit.signal,
    is_error: verdict.result?.is_error ?? null,
    cost_usd: verdict.costUsd,
    turns: verdict.turns,
    files_written: verdict.filesWritten,
    lint_exit: verdict.lintExit,
    claims_left: verdict.claimsLeft,
    released,
    timed_out: exit.timedOut,
    signals: exit.signals,
    orphans_reaped: exit.orphansReaped,
  };
  if (entry.wave !== undefined) record.wave = entry.wave;
  if (entry.stage !== undefined) record.stage = entry.stage;
  if (entry.slot !== undefined) record.slot = entry.slot;
  if (verdict.record !== undefined) record.record = sessionPath(config, entry.session_id);
  if (reasons.length > 0) record.reason = reasons.join('; ');
  if (!verdict.ok) {
    // A failed session's record says so, with why: left open, the briefing would offer to recover a session that never worked.
    const closed = closeSession(root, config, { sessionId: entry.session_id, status: 'failed', reason: record.reason!, agent, role: entry.role, run: runId, now: currentTime(options.env) });
    if (closed.ok && !closed.disabled) record.record = closed.path;
    else if (!closed.ok) debug('run', `session ${entry.session_id}: record not closed: ${closed.error}`);
  }
  appendAttempt(root, runId, record);
  removeRunning(root, runId, entry.session_id);
  return { exit, verdict, record };
}

/** Runs one session to its end, judges it, gives back its claims if it failed, and records it. */
export async function runAttempt(options: AttemptOptions): Promise<AttemptOutcome> {
  const { entry, handle } = startAttempt(options);
  return finishAttempt(entry, handle, { root: options.root, config: options.config, runId: options.runId, returnTo: options.returnTo, remote: options.remote, env: options.env });
}
