/**
 * Judging a session that ended (PROTOCOL §6): success is the `result` event's `is_error`
 * (not the exit code or `subtype`: an API error exits 1 with `subtype: success`), plus no
 * claims left under its agent, its session record logged, and protocol-lint clean on what it
 * touched.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { changedSince, readSession, sessionsEnabled, type SessionRecord } from '../ledger/index.js';
import { lint } from '../lint/engine.js';
import type { Config } from '../protocol/config.js';
import { isoSeconds } from '../state/identity.js';
import { normalizeUrl } from '../protocol/url.js';
import { loadQueues, type Queues } from '../state/queue-files.js';
import type { SessionExit } from './session.js';

/** The fields of the stream's `result` event that the runner reads. */
export interface ResultEvent {
  is_error: boolean;
  subtype?: string;
  terminal_reason?: string;
  api_error_status?: number | null;
  total_cost_usd?: number;
  num_turns?: number;
  result?: string;
}

/** What the runner concluded about one session. */
export interface Verdict {
  ok: boolean;
  /** Every reason it failed, each one sentence; empty on success. */
  reasons: string[];
  result?: ResultEvent;
  costUsd: number | null;
  turns: number | null;
  /** URLs still claimed by its agent after it ended. */
  claimsLeft: string[];
  /** Of the URLs it was given, those now done or handed on to `handOnTo`. */
  finished: string[];
  record?: SessionRecord;
  /** Files it changed (its record's `changed`, and what git says changed since its start). */
  filesWritten: string[];
  /** 0 clean, 1 errors, null when there was nothing to lint or the lint could not run. */
  lintExit: number | null;
}

/** The last `result` event in a stream file, or undefined (a session interrupted or killed writes none). */
export function readResultEvent(streamPath: string): ResultEvent | undefined {
  let text: string;
  try {
    text = readFileSync(streamPath, 'utf8');
  } catch {
    return undefined;
  }
  let found: ResultEvent | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith('{') || !line.includes('"result"')) continue;
    try {
      const event = JSON.parse(line) as { type?: string; is_error?: unknown };
      if (event.type === 'result' && typeof event.is_error === 'boolean') found = event as ResultEvent;
    } catch {
      // A line torn by a kill mid-write is not an event.
    }
  }
  return found;
}

/** The URLs `agent` holds in the pending queue. */
export function claimsOf(root: string, config: Config, agent: string): string[] | { error: string } {
  const loaded = loadQueues(root, config);
  if (!loaded.ok) return { error: loaded.error };
  return heldBy(loaded.queues, agent);
}

function heldBy(queues: Queues, agent: string): string[] {
  const { todo, doneKeys } = queues;
  return [...new Set(todo.items.filter((item) => item.claim?.agent === agent && !doneKeys.has(item.key)).map((item) => item.url))];
}

/** Where each of `urls` stands now: done, held by `handOnTo`, held by `agent`, or neither (given back). */
function fateOf(queues: Queues, urls: string[], agent: string, handOnTo: string | undefined): { finished: string[]; givenBack: string[] } {
  const holders = new Map<string, Set<string>>();
  for (const item of queues.todo.items) {
    if (item.claim === undefined) continue;
    const set = holders.get(item.key) ?? new Set<string>();
    set.add(item.claim.agent);
    holders.set(item.key, set);
  }
  const finished: string[] = [];
  const givenBack: string[] = [];
  for (const url of urls) {
    const normalized = normalizeUrl(url);
    const key = normalized.ok ? normalized.key : url;
    const held = holders.get(key);
    if (queues.doneKeys.has(key) || (handOnTo !== undefined && held?.has(handOnTo))) finished.push(url);
    else if (!held?.has(agent)) givenBack.push(url);
  }
  return { finished, givenBack };
}

/** What `judgeSession` needs. */
export interface JudgeOptions {
  root: string;
  config: Config;
  agent: string;
  streamPath: string;
  exit: SessionExit;
  /** The URLs the runner gave it. */
  assigned?: string[];
  /** The next stage's agent: a URL handed on to it is finished work, not a claim left. */
  handOnTo?: string;
}

/** Judges one ended session; collects every reason it failed, not only the first. */
export async function judgeSession(options: JudgeOptions): Promise<Verdict> {
  const { root, config, agent, exit } = options;
  const reasons: string[] = [];
  if (exit.spawnError !== undefined) reasons.push(exit.spawnError);
  if (exit.timedOut) reasons.push(`Session timed out, ended by \`${exit.signals.at(-1) ?? 'SIGINT'}\` to its process group`);
  const result = readResultEvent(options.streamPath);
  if (result === undefined) {
    if (exit.spawnError === undefined) reasons.push(`No \`result\` event in the stream (exit \`${exit.exit ?? exit.signal}\`), expected one; the session was interrupted or killed`);
  } else if (result.is_error) {
    const detail = [result.subtype && `subtype \`${result.subtype}\``, result.terminal_reason && `terminal_reason \`${result.terminal_reason}\``, result.api_error_status && `API status \`${result.api_error_status}\``].filter(Boolean);
    reasons.push(`The \`result\` event has \`is_error: true\`${detail.length > 0 ? ` (${detail.join(', ')})` : ''}`);
  }

  const loaded = loadQueues(root, config);
  let claimsLeft: string[] = [];
  let finished: string[] = [];
  if (loaded.ok) {
    const held = heldBy(loaded.queues, agent);
    claimsLeft = held;
    if (held.length > 0) reasons.push(`Agent \`${agent}\` still holds ${held.length === 1 ? 'a claim' : `${held.length} claims`} (${listed(held)}), expected none: done or handed off`);
    const fate = fateOf(loaded.queues, options.assigned ?? [], agent, options.handOnTo);
    finished = fate.finished;
    if (fate.givenBack.length > 0) reasons.push(`${fate.givenBack.length === 1 ? 'A URL it was given is' : `${fate.givenBack.length} URLs it was given are`} neither done nor handed on (${listed(fate.givenBack)}), expected ${options.handOnTo === undefined ? '`relay done`' : `\`relay handoff … --to ${options.handOnTo}\``}`);
  } else reasons.push(`Cannot read the queues to count \`${agent}\`'s claims: ${loaded.error}`);

  let record: SessionRecord | undefined;
  if (sessionsEnabled()) {
    record = readSession(root, config, exit.sessionId);
    if (record === undefined) reasons.push(`No session record for \`${exit.sessionId}\`, expected one with \`status: logged\`; the SessionStart hook did not run`);
    else if (record.status !== 'logged') reasons.push(`Session record \`${exit.sessionId}\` has \`status: ${record.status}\`, expected \`logged\`; the session did not run /relay:log-this`);
  }

  const filesWritten = touchedFiles(root, record, exit.started);
  let lintExit: number | null = null;
  const targets = filesWritten.filter((path) => isFile(join(root, path)));
  if (targets.length > 0) {
    try {
      const outcome = await lint({ root, config, targets });
      const errors = outcome.results.reduce((sum, file) => sum + file.errorCount, 0);
      lintExit = errors > 0 ? 1 : 0;
      if (errors > 0) {
        const files = outcome.results.filter((file) => file.errorCount > 0).map((file) => file.filePath);
        reasons.push(`protocol-lint found ${errors === 1 ? 'an error' : `${errors} errors`} in what the session touched (\`${files.slice(0, 3).join('`, `')}\`${files.length > 3 ? ', …' : ''}), expected none`);
      }
    } catch (error) {
      reasons.push(`Cannot lint what the session touched: ${String((error as Error)?.message ?? error)}`);
    }
  }

  const verdict: Verdict = {
    ok: reasons.length === 0,
    reasons,
    costUsd: typeof result?.total_cost_usd === 'number' ? result.total_cost_usd : null,
    turns: typeof result?.num_turns === 'number' ? result.num_turns : null,
    claimsLeft,
    finished,
    filesWritten,
    lintExit,
  };
  if (result !== undefined) verdict.result = result;
  if (record !== undefined) verdict.record = record;
  return verdict;
}

/**
 * What it touched: its record's `changed` and `findings` when it logged; else what git says
 * changed since it started (with sessions running side by side, theirs too: see docs/architecture.md).
 */
function touchedFiles(root: string, record: SessionRecord | undefined, started: Date): string[] {
  const files = new Set(record?.changed ?? []);
  if (record?.findings !== undefined) files.add(record.findings);
  if (record?.status === 'logged') return [...files].sort();
  const changed = changedSince(root, isoSeconds(started));
  if (changed.ok) for (const path of changed.changed) files.add(path);
  return [...files].sort();
}

function listed(urls: string[]): string {
  return `\`${urls.slice(0, 3).join('`, `')}\`${urls.length > 3 ? ', …' : ''}`;
}

function isFile(path: string): boolean {
  try {
    return existsSync(path) && statSync(path).isFile();
  } catch {
    return false;
  }
}
