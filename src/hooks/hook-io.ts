/**
 * What every hook entry point shares: reading the event from stdin in a way that survives
 * garbage, and running the hook so that an internal error never blocks or breaks a session
 * (it exits 0 with a one-line note on stderr, which Claude Code keeps in its debug log).
 * That holds for faults outside the handler too (an uncaught exception, a rejected promise)
 * and for a closed stdout or stderr (EPIPE): never a stack trace, never a non-zero exit
 * that Claude Code would show as a hook error. Every quiet exit says why under `RELAY_DEBUG=hook`.
 */
import { readStdinSync } from '../protocol/stdin.js';
import { debug } from '../debug.js';

/** The fields of a hook event that relay reads; everything else is ignored. */
export interface HookInput {
  session_id?: unknown;
  cwd?: unknown;
  hook_event_name?: unknown;
  source?: unknown;
  tool_name?: unknown;
  tool_input?: unknown;
  tool_response?: unknown;
  duration_ms?: unknown;
  stop_hook_active?: unknown;
  agent_type?: unknown;
  [key: string]: unknown;
}

/** What a hook wants Claude Code to see: stdout text and an exit code. */
export interface HookOutcome {
  stdout?: string;
  code?: 0 | 2;
  stderr?: string;
}

/** The most stdin a hook reads; Claude Code's events are far smaller, so more is garbage. */
const MAX_INPUT_BYTES = 8 * 1024 * 1024;

/** Parses a hook event; undefined for anything that is not a JSON object (garbage, empty, too big). */
export function parseHookInput(text: string): HookInput | undefined {
  if (text.length === 0 || text.length > MAX_INPUT_BYTES) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as HookInput) : undefined;
  } catch {
    return undefined;
  }
}

/** Reads all of stdin (fd 0); an unreadable stdin reads as empty. */
export function readStdin(): string {
  try {
    return readStdinSync();
  } catch {
    return '';
  }
}

/** A string field, or undefined when the field is missing or not a non-empty string. */
export function stringField(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Runs a hook: reads and parses stdin, calls `handle`, writes its outcome. Garbage on stdin
 * is a quiet exit 0; a throw is exit 0 with one line on stderr (fail open).
 */
export async function runHook(name: string, handle: (input: HookInput) => HookOutcome | Promise<HookOutcome>): Promise<void> {
  failOpenOnFaults(name);
  let outcome: HookOutcome = {};
  try {
    const input = parseHookInput(readStdin());
    if (input !== undefined) outcome = await handle(input);
    else debug('hook', `${name}: stdin is not a JSON object, nothing to do`);
  } catch (error) {
    debug('hook', () => `${name}: failing open on ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    outcome = { stderr: internalErrorLine(name, error) };
  }
  if (outcome.stdout) process.stdout.write(outcome.stdout);
  if (outcome.stderr) process.stderr.write(outcome.stderr);
  process.exitCode = outcome.code ?? 0;
}

function internalErrorLine(name: string, error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  return `relay ${name} hook: internal error, ignored (fail open): ${reason.split('\n')[0]}\n`;
}

let guarded = false;

/**
 * Makes every fault outside the handler an exit 0 with one stderr line: a closed pipe on
 * stdout or stderr (the outcome cannot be delivered, so there is nothing left to do), and
 * an exception or rejection no `try` caught (a late callback, a broken module).
 */
function failOpenOnFaults(name: string): void {
  if (guarded) return;
  guarded = true;
  for (const [stream, label] of [
    [process.stdout, 'stdout'],
    [process.stderr, 'stderr'],
  ] as const) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      debug('hook', `${name}: ${label} closed (${error.code ?? error.message}), the outcome was not delivered; exit 0`);
      process.exitCode = 0;
    });
  }
  const fault = (error: unknown) => {
    debug('hook', () => `${name}: failing open on an uncaught ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    try {
      process.stderr.write(internalErrorLine(name, error));
    } catch {
      // stderr is gone too: the exit code is all that is left.
    }
    process.exitCode = 0;
  };
  process.on('uncaughtException', fault);
  process.on('unhandledRejection', fault);
}
