/**
 * A run's records (PROTOCOL §6), untracked: `<git common dir>/relay/runs/<run-id>/` (outside
 * git, `<root>/.relay/runs/`) holds `settings.json`, `attempts.jsonl` (one line per session
 * attempt) and `sessions/<session-id>.jsonl` (each session's stream-json output).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { appendFileAtomic, writeFileAtomic } from '../state/atomic.js';
import { lockDirectory } from '../state/lock.js';

/** A run id: UTC time to the second and a random tail, so ids sort by start and never collide. */
export const RUN_ID_PATTERN = /^\d{8}-\d{6}-[0-9a-f]{6}$/;

/** One line of `attempts.jsonl`: one session attempt, as §6 lists its fields. */
export interface AttemptRecord {
  session_id: string;
  agent: string;
  role: string;
  /** The wave or pipeline stage, when the run has them. */
  wave?: number;
  stage?: string;
  /** Wave runs: which of the wave's sessions this is (1…K); its retries keep it. */
  slot?: number;
  /** 1 for the first try of its work, 2 for its first retry, … */
  attempt: number;
  status: 'succeeded' | 'failed';
  /** Why it failed, in the house style's words; absent on success. */
  reason?: string;
  /** URLs it finished: of those it was given, the ones now done, or handed on to the next stage. */
  urls: string[];
  /** URLs the runner claimed for it (or handed to it) before it started. */
  assigned: string[];
  /** URLs done under its agent that it was not given (also in `urls`). */
  unassigned?: string[];
  /** Its session record, root-relative (`sessions/<id>.md`), when it has one. */
  record?: string;
  pid: number;
  start: string;
  end: string;
  exit: number | null;
  signal: string | null;
  /** The result event's `is_error`; null when there was no result event. */
  is_error: boolean | null;
  cost_usd: number | null;
  turns: number | null;
  files_written: string[];
  /** 0 when what it touched lints clean, 1 when it has errors, null when not linted. */
  lint_exit: number | null;
  claims_left: string[];
  /** Claims the runner released after a failure. */
  released: string[];
  timed_out: boolean;
  /** Signals the runner sent to the session's group, in order. */
  signals: string[];
  /** Tool processes the session left behind that the runner killed. */
  orphans_reaped: number[];
}

/** The folder holding every run of `root`. */
export function runsDirectory(root: string): string {
  // The locks' folder: the git common dir's `relay/` (shared by worktrees, never tracked), else `<root>/.relay/`.
  return join(lockDirectory(root), 'runs');
}

/** The folder of run `runId`. */
export function runDirectory(root: string, runId: string): string {
  return join(runsDirectory(root), runId);
}

/** The stream file of one session of a run. */
export function streamPath(root: string, runId: string, sessionId: string): string {
  return join(runDirectory(root, runId), 'sessions', `${sessionId}.jsonl`);
}

/** A new run id for a run started at `now`. */
export function newRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Creates run `runId`'s folder and writes its settings; returns the folder. */
export function createRun(root: string, runId: string, settings: Record<string, unknown>): string {
  const dir = runDirectory(root, runId);
  mkdirSync(join(dir, 'sessions'), { recursive: true });
  writeFileAtomic(join(dir, 'settings.json'), JSON.stringify({ run: runId, ...settings }, null, 2) + '\n');
  return dir;
}

/** A session that was launched and has no attempt line yet: `running/<session-id>.json`, written before it starts, removed once its line is written. */
export interface RunningEntry {
  session_id: string;
  agent: string;
  role: string;
  wave?: number;
  stage?: string;
  slot?: number;
  attempt: number;
  assigned: string[];
  /** Where its claims go when it fails and may be retried (the stage's queue agent). */
  return_to?: string;
  /** Where it hands its URLs on (the next stage's queue agent). */
  hand_on_to?: string;
  pid: number;
  start: string;
}

function runningFolder(root: string, runId: string): string {
  return join(runDirectory(root, runId), 'running');
}

/** Records a launched session (before its pid is known, `pid` is 0; written again once it is). */
export function writeRunning(root: string, runId: string, entry: RunningEntry): void {
  mkdirSync(runningFolder(root, runId), { recursive: true });
  writeFileAtomic(join(runningFolder(root, runId), `${entry.session_id}.json`), JSON.stringify(entry) + '\n');
}

/** Removes the temporary files of `running/` entries a killed runner was writing (only a runner that owns the run calls this). */
export function cleanRunning(root: string, runId: string): void {
  let names: string[];
  try {
    names = readdirSync(runningFolder(root, runId));
  } catch {
    return;
  }
  for (const name of names) if (name.startsWith('.') && name.endsWith('.tmp')) rmSync(join(runningFolder(root, runId), name), { force: true });
}

/** Forgets a launched session once its attempt line is written. */
export function removeRunning(root: string, runId: string, sessionId: string): void {
  rmSync(join(runningFolder(root, runId), `${sessionId}.json`), { force: true });
}

/** The sessions of run `runId` launched and not yet recorded. */
export function readRunning(root: string, runId: string): RunningEntry[] {
  let names: string[];
  try {
    names = readdirSync(runningFolder(root, runId));
  } catch {
    return [];
  }
  const entries: RunningEntry[] = [];
  for (const name of names.filter((each) => !each.startsWith('.') && each.endsWith('.json')).sort()) {
    try {
      entries.push(JSON.parse(readFileSync(join(runningFolder(root, runId), name), 'utf8')) as RunningEntry);
    } catch {
      // Written atomically; a file that does not parse was not written by a runner.
      continue;
    }
  }
  return entries;
}

/** The process running run `runId`: `runner.json`. */
export interface RunnerEntry {
  pid: number;
  /** /proc start time of the runner, so a reused pid is not taken for it. */
  start_ticks?: number;
  started: string;
}

/** Records which process runs run `runId` now. */
export function writeRunner(root: string, runId: string, entry: RunnerEntry): void {
  writeFileAtomic(join(runDirectory(root, runId), 'runner.json'), JSON.stringify(entry) + '\n');
}

/** The process that ran (or runs) run `runId`. */
export function readRunner(root: string, runId: string): RunnerEntry | undefined {
  return readJson(join(runDirectory(root, runId), 'runner.json')) as RunnerEntry | undefined;
}

/** The settings a run was started with. */
export function readSettings(root: string, runId: string): Record<string, unknown> | undefined {
  return readJson(join(runDirectory(root, runId), 'settings.json')) as Record<string, unknown> | undefined;
}

/** The stop request a runner looks for (`relay run stop`). */
export function stopRequestPath(root: string, runId: string): string {
  return join(runDirectory(root, runId), 'stop');
}

/** Every run id of `root`, oldest first (ids sort by their start). */
export function listRuns(root: string): string[] {
  try {
    return readdirSync(runsDirectory(root)).filter((name) => RUN_ID_PATTERN.test(name)).sort();
  } catch {
    return [];
  }
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Appends one attempt's line to the run's `attempts.jsonl`. */
export function appendAttempt(root: string, runId: string, attempt: AttemptRecord): void {
  const path = join(runDirectory(root, runId), 'attempts.jsonl');
  mkdirSync(runDirectory(root, runId), { recursive: true });
  const line = JSON.stringify(attempt) + '\n';
  // The first line creates the file (the append copies the file it extends); one runner writes a run.
  if (existsSync(path)) appendFileAtomic(path, line);
  else writeFileAtomic(path, line);
}

/** The attempts recorded for run `runId`, in order; a line that does not parse (a torn write cannot happen, but a hand edit can) is skipped. */
export function readAttempts(root: string, runId: string): AttemptRecord[] {
  let text: string;
  try {
    text = readFileSync(join(runDirectory(root, runId), 'attempts.jsonl'), 'utf8');
  } catch {
    return [];
  }
  const attempts: AttemptRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      attempts.push(JSON.parse(line) as AttemptRecord);
    } catch {
      continue;
    }
  }
  return attempts;
}
