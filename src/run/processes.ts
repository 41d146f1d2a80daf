/**
 * Process groups and the processes a session leaves behind, found through /proc: a tool
 * process Claude Code started keeps `CLAUDE_CODE_SESSION_ID` in its environment even after the
 * CLI was killed and it was re-parented (docs/architecture.md, fleet-runner.md).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { debug } from '../debug.js';
import { isProcessAlive } from '../state/atomic.js';

/** Sends `signal` to the process group led by `pgid`; false when no process of it is left. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') debug('run', `cannot send ${signal} to group ${pgid}: ${String(error)}`);
    return false;
  }
}

/** Whether `pid` runs: a zombie has ended (in a container nobody may ever reap it). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the command name, which is in parentheses and may contain any byte.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    // No /proc, or the pid is gone from it: the same check the lock uses decides.
    return isProcessAlive(pid);
  }
}

/** Whether `pid` runs and is session `sessionId`'s CLI (`--session-id <id>` in its arguments): a pid reused by another process is not. */
export function isSessionProcess(pid: number, sessionId: string): boolean {
  if (pid <= 0 || !isRunning(pid)) return false;
  let argv: string[];
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
  } catch {
    // No /proc: the pid alone decides.
    debug('run', `no /proc/${pid}/cmdline: pid ${pid} taken for session ${sessionId} unchecked`);
    return true;
  }
  return argv.some((arg, index) => (arg === '--session-id' && argv[index + 1] === sessionId) || arg === `--session-id=${sessionId}`);
}

/** When `pid` started, in clock ticks since boot (field 22 of /proc/PID/stat); undefined without /proc. Tells a pid from its reuse. */
export function processStartTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The running processes that belong to session `sessionId`: `CLAUDE_CODE_SESSION_ID=<id>` in
 * their environment, or `--session-id <id>` in their arguments. Empty where there is no /proc.
 */
export function sessionProcesses(sessionId: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    debug('run', 'no /proc: processes a session left behind cannot be found');
    return [];
  }
  const marker = `CLAUDE_CODE_SESSION_ID=${sessionId}`;
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    let environ: string[];
    let argv: string[];
    try {
      // Another user's processes are unreadable, and cannot be a session of ours.
      environ = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
      argv = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
    } catch {
      continue;
    }
    const byArgument = argv.some((arg, index) => (arg === '--session-id' && argv[index + 1] === sessionId) || arg === `--session-id=${sessionId}`);
    if ((environ.includes(marker) || byArgument) && isRunning(pid)) found.push(pid);
  }
  return found;
}

/**
 * Kills every process still carrying session `sessionId` (SIGKILL: the session has ended, so
 * what is left is an orphan); returns their pids. Repeats while new ones appear, as a dying
 * tool may have forked, a bounded number of times.
 */
export function reapSessionProcesses(sessionId: string): number[] {
  const reaped = new Set<number>();
  for (let round = 0; round < 5; round++) {
    const found = sessionProcesses(sessionId).filter((pid) => !reaped.has(pid) || isRunning(pid));
    if (found.length === 0) break;
    for (const pid of found) {
      try {
        process.kill(pid, 'SIGKILL');
        reaped.add(pid);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') debug('run', `cannot kill orphan ${pid} of session ${sessionId}: ${String(error)}`);
      }
    }
  }
  return [...reaped].sort((a, b) => a - b);
}
