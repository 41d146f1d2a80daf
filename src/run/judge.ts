/**
 * Judging a session that ended (PROTOCOL §6): success is the `result` event's `is_error`
 * (not the exit code or `subtype`: an API error exits 1 with `subtype: success`), plus no
 * claims left under its agent, its session record logged, and protocol-lint clean on what it
 * touched.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readRegularHead } from '../protocol/regular-file.js';
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
  /** Done in urls_done.md under its agent without having been given to it (it claimed more than its share). */
  unassigned: string[];
  /** What the session itself said went wrong, one clipped line: the `result` text, else its first stderr lines. */
  said?: string;
  /** Set when no retry can help (not logged in, no such agent or option, API 401/403, no binary): the line to stop the run with. */
  fatal?: string;
  /** Files it changed (its record's `changed`, and what git says changed since its start). */
  filesWritten: string[];
  /** 0 clean, 1 errors, null when there was nothing to lint or the lint could not run. */
  lintExit: number | null;
}

/** What a session says when its setup cannot work (not logged in, a bad key, no such agent or option): a retry only burns the queue. */
const FATAL = /not logged in|please run \/login|invalid api key|--agent '[^']*' not found|unknown option/i;

/** One line of a session's own text for a terminal: control characters out, at most 300 characters. */
function clip(text: string): string {
  const line = text.replace(/[\x00-\x1f\x7f\u0080-\u009f]+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

/** The first lines a session wrote to stderr (beside its stream), as one clipped line, or undefined. */
function stderrHead(streamPath: string): string | undefined {
  const lines = (readRegularHead(`${streamPath}.stderr`, 2048) ?? '').split('\n').map((line) => line.trim()).filter(Boolean).slice(0, 3);
  return lines.length === 0 ? undefined : clip(lines.join(' / '));
}

/** The last `result` event in a stream file, or undefined (a session interrupted or killed writes none). */
function readResultEvent(streamPath: string): ResultEvent | undefined {
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
    const key = keyOf(url);
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
  const text = typeof result?.result === 'string' && result.result.trim() !== '' ? clip(result.result) : undefined;
  const said = text ?? stderrHead(options.streamPath);
  if (result === undefined) {
    if (exit.spawnError === undefined) reasons.push(`No \`result\` event in the stream (exit \`${exit.exit ?? exit.signal}\`), expected one; ${said === undefined ? 'the session was interrupted or killed' : `stderr: "${said}"`}`);
  } else if (result.is_error) {
    const detail = [result.subtype && `subtype \`${result.subtype}\``, result.terminal_reason && `terminal_reason \`${result.terminal_reason}\``, result.api_error_status && `API status \`${result.api_error_status}\``].filter(Boolean);
    reasons.push(`The \`result\` event has \`is_error: true\`${detail.length > 0 ? ` (${detail.join(', ')})` : ''}${text === undefined ? '' : `: "${text}"`}`);
  }
  const authStatus = result?.is_error && (result.api_error_status === 401 || result.api_error_status === 403) ? `an authentication error (API ${result.api_error_status})` : undefined;
  const fatal = exit.spawnError ?? authStatus ?? (said !== undefined && (result === undefined || result.is_error) && FATAL.test(said) ? said : undefined);

  const loaded = loadQueues(root, config);
  let claimsLeft: string[] = [];
  let finished: string[] = [];
  let unassigned: string[] = [];
  if (loaded.ok) {
    // Every URL done under its agent counts, also those nobody gave it; those are flagged.
    const given = new Set((options.assigned ?? []).map(keyOf));
    unassigned = [...new Set(loaded.queues.done.items.filter((item) => item.by === agent && !given.has(item.key)).map((item) => item.url))];
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
    unassigned,
    filesWritten,
    lintExit,
  };
  if (said !== undefined) verdict.said = said;
  if (fatal !== undefined) verdict.fatal = fatal;
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

function keyOf(url: string): string {
  const normalized = normalizeUrl(url);
  return normalized.ok ? normalized.key : url;
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
