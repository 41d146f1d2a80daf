/**
 * A run's summary (PROTOCOL §6), always computed from its records (`attempts.jsonl` and
 * `running/`), so what `relay run status` and `--json` say equals what the files say.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../state/atomic.js';
import { readAttempts, readRunning, runDirectory, type AttemptRecord } from './records.js';

/** One session of the `--json` summary. */
export interface SummarySession {
  session_id: string;
  agent: string;
  role: string;
  status: 'succeeded' | 'failed' | 'running';
  urls: string[];
  /** Of `urls`, those done under its agent that it was not given. */
  unassigned: string[];
  cost_usd: number | null;
  turns: number | null;
}

/** The `--json` summary, exactly §6's shape. */
export interface RunSummary {
  run: string;
  sessions: SummarySession[];
  totals: { sessions: number; succeeded: number; failed: number; retried: number; urls_done: number; cost_usd: number };
}

/** How a run stands. */
export type RunState = 'running' | 'finished' | 'failed' | 'stopped' | 'interrupted';

/** `summary.json`: the §6 summary plus how the run ended. */
export interface SummaryFile extends RunSummary {
  state: RunState;
  /** Why it ended as it did (a stop, the budget, an auth error, a wave that does not lint). */
  reason?: string;
  started?: string;
  ended?: string;
}

/** The summary of run `runId` from its records; `finalStage` is the stage whose finished URLs are done (pipelines), else every URL counts. */
export function summarize(root: string, runId: string, finalStage?: string): RunSummary {
  const attempts = readAttempts(root, runId);
  const running = readRunning(root, runId);
  const sessions: SummarySession[] = attempts.map((attempt) => ({ session_id: attempt.session_id, agent: attempt.agent, role: attempt.role, status: attempt.status, urls: attempt.urls, unassigned: attempt.unassigned ?? [], cost_usd: attempt.cost_usd, turns: attempt.turns }));
  for (const entry of running) sessions.push({ session_id: entry.session_id, agent: entry.agent, role: entry.role, status: 'running', urls: [], unassigned: [], cost_usd: null, turns: null });
  const done = new Set<string>();
  for (const attempt of attempts) if (attempt.status === 'succeeded' && countsAsDone(attempt, finalStage)) for (const url of attempt.urls) done.add(url);
  const cost = attempts.reduce((sum, attempt) => sum + (attempt.cost_usd ?? 0), 0);
  return {
    run: runId,
    sessions,
    totals: {
      sessions: sessions.length,
      succeeded: attempts.filter((attempt) => attempt.status === 'succeeded').length,
      failed: attempts.filter((attempt) => attempt.status === 'failed').length,
      retried: attempts.filter((attempt) => attempt.attempt > 1).length,
      urls_done: done.size,
      cost_usd: Math.round(cost * 1e6) / 1e6,
    },
  };
}

function countsAsDone(attempt: AttemptRecord, finalStage: string | undefined): boolean {
  return finalStage === undefined || attempt.stage === undefined || attempt.stage === finalStage;
}

/** Writes `summary.json`. */
export function writeSummary(root: string, runId: string, summary: SummaryFile): void {
  writeFileAtomic(join(runDirectory(root, runId), 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
}

/** The §6 `--json` shape of a summary (nothing more). */
export function jsonSummary(summary: RunSummary): string {
  return JSON.stringify({ run: summary.run, sessions: summary.sessions, totals: summary.totals }) + '\n';
}

/** The summary as text: one line per session, then the totals. */
export function textSummary(summary: RunSummary, state: RunState, reason?: string): string {
  const lines = [`run ${summary.run}: ${state}${reason ? ` (${reason})` : ''}`];
  for (const session of summary.sessions) {
    const cost = session.cost_usd === null ? '' : `  $${session.cost_usd.toFixed(4)}`;
    const turns = session.turns === null ? '' : `  ${session.turns} turns`;
    const unassigned = session.unassigned.length > 0 ? `  (not given to it: ${session.unassigned.join(' ')})` : '';
    lines.push(`  ${session.status.padEnd(9)}  ${session.agent}  ${session.session_id}${cost}${turns}${session.urls.length > 0 ? `  ${session.urls.join(' ')}` : ''}${unassigned}`);
  }
  const t = summary.totals;
  lines.push(`sessions ${t.sessions}: ${t.succeeded} succeeded, ${t.failed} failed, ${t.retried} retries; ${t.urls_done} URLs done; $${t.cost_usd.toFixed(4)} (an estimate: Claude Code's total_cost_usd)`);
  return lines.join('\n') + '\n';
}
