/**
 * One session attempt of a run, start to record: launch, wait, judge, release a failed
 * session's claims, append its line to `attempts.jsonl`. The modes of `relay run` (roles,
 * pipelines, waves, retries) are built on this (docs/run.md).
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../protocol/config.js';
import { isoSeconds } from '../state/identity.js';
import { releaseUrls } from '../state/queue-operations.js';
import { judgeSession, type Verdict } from './judge.js';
import { appendAttempt, streamPath, type AttemptRecord } from './records.js';
import { launchSession, type SessionExit, type SessionHandle, type SessionOptions } from './session.js';

/** What `runAttempt` needs: a session's options, less the stream path (the run's records decide it). */
export interface AttemptOptions extends Omit<SessionOptions, 'streamPath'> {
  config: Config;
  attempt?: number;
  wave?: number;
  stage?: string;
  /** Called once the session started (a runner shows it, or stops it). */
  onLaunch?: (handle: SessionHandle) => void;
}

/** How an attempt ended. */
export interface AttemptOutcome {
  exit: SessionExit;
  verdict: Verdict;
  record: AttemptRecord;
}

/** Runs one session to its end, judges it, releases its claims if it failed, and records it. */
export async function runAttempt(options: AttemptOptions): Promise<AttemptOutcome> {
  const { root, config, runId, agent } = options;
  // A fresh id for every attempt: Claude Code refuses an id it has seen (fleet-runner.md).
  const sessionId = options.sessionId ?? randomUUID();
  const stream = streamPath(root, runId, sessionId);
  const handle = launchSession({ ...options, sessionId, streamPath: stream });
  options.onLaunch?.(handle);
  const exit = await handle.exited;
  const verdict = await judgeSession({ root, config, agent, streamPath: stream, exit });
  let released: string[] = [];
  const reasons = [...verdict.reasons];
  if (!verdict.ok) {
    // A failed session's work goes back to the queue for the next attempt (§6).
    const release = releaseUrls(root, config, { urls: [], all: true, agent, force: false });
    if (release.ok) released = release.released.filter((entry) => entry.status === 'released').map((entry) => entry.url);
    else reasons.push(`Cannot release \`${agent}\`'s claims: ${release.error}`);
  }
  const record: AttemptRecord = {
    session_id: handle.sessionId,
    agent,
    role: options.role,
    attempt: options.attempt ?? 1,
    status: verdict.ok ? 'succeeded' : 'failed',
    urls: verdict.record?.done ?? [],
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
  if (options.wave !== undefined) record.wave = options.wave;
  if (options.stage !== undefined) record.stage = options.stage;
  if (reasons.length > 0) record.reason = reasons.join('; ');
  appendAttempt(root, runId, record);
  return { exit, verdict, record };
}
