/**
 * `RELAY_DEBUG`: says on stderr why a slower or fallback path was taken, so no fallback is
 * silent. The variable names topics, separated by commas or spaces (`git,focus,queue,lock,fs,
 * hook,path,claims`), or `1`/`all`/`*` for every topic. Each line reads
 * `relay:<topic> <message>`. Off (and free: one environment read per process) by default.
 */
import { writeSync } from 'node:fs';

/** The topics a fallback can be reported under; tests match on them. */
export type DebugTopic = 'git' | 'focus' | 'queue' | 'lock' | 'fs' | 'hook' | 'path' | 'config' | 'run' | 'remote' | 'claims' | 'dashboard';

let topics: Set<string> | 'all' | null | undefined;

function enabledTopics(): Set<string> | 'all' | null {
  if (topics !== undefined) return topics;
  const value = (process.env.RELAY_DEBUG ?? '').trim();
  if (value === '' || value === '0') topics = null;
  else if (value === '1' || value === 'all' || value === '*') topics = 'all';
  else topics = new Set(value.split(/[\s,]+/).filter(Boolean));
  return topics;
}

/** Whether `RELAY_DEBUG` asks for `topic`. */
export function debugEnabled(topic: DebugTopic): boolean {
  const on = enabledTopics();
  return on === 'all' || (on !== null && on.has(topic));
}

/** Prints `relay:<topic> <message>` on stderr when `RELAY_DEBUG` asks for the topic; a message function is called only then. */
export function debug(topic: DebugTopic, message: string | (() => string)): void {
  if (!debugEnabled(topic)) return;
  const text = typeof message === 'function' ? message() : message;
  try {
    writeSync(2, `relay:${topic} ${text}\n`);
  } catch {
    // stderr closed or full: debugging output is never worth failing for.
  }
}

/** The one-line reason of an error, for a debug message (`ENOENT: no such file…`). */
export function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Forgets the parsed `RELAY_DEBUG` (for tests that change it within one process). */
export function resetDebugTopics(): void {
  topics = undefined;
}
