/**
 * The locks this process holds, so the atomic writer can check, just before it replaces a
 * file, that each is still ours. A holder paused (SIGSTOP, a suspended laptop, a swapped-out
 * process) past the stale age has had its lock broken and maybe taken by another writer; on
 * waking it must not write over what that writer did. Kept apart from `lock.ts` so the writer
 * and the lock do not import each other.
 */
import { readFileSync } from 'node:fs';
import { debug, reason } from '../debug.js';

/** Lock file path → the token this process wrote into it. */
const held = new Map<string, string>();

/** Thrown by the atomic writer when a lock this process took was broken and the write must not happen. */
export class LostLockError extends Error {
  constructor(
    readonly lockPath: string,
    readonly target: string,
    holder: string,
  ) {
    super(
      `Lost the lock \`${lockPath}\` before writing \`${target}\`: it was broken as stale while this process was paused or slow and ${holder}; \`${target}\` was not written, run the command again`,
    );
    this.name = 'LostLockError';
  }
}

/** Records that this process holds the lock at `lockPath` under `token`. */
export function noteLockHeld(lockPath: string, token: string): void {
  held.set(lockPath, token);
}

/** Forgets a lock this process released (or lost). */
export function noteLockReleased(lockPath: string): void {
  held.delete(lockPath);
}

/**
 * Throws `LostLockError` unless every lock this process holds still carries its token. Every
 * held lock is checked, not only one "covering" `target`: a process takes one lock per
 * operation, and matching roots to targets would have to agree on symbolic links and relative
 * paths, which a check that must never be skipped cannot afford.
 */
export function assertLocksHeld(target: string): void {
  for (const [lockPath, token] of held) {
    let text: string;
    try {
      text = readFileSync(lockPath, 'utf8');
    } catch (error) {
      debug('lock', `lost \`${lockPath}\`: cannot read it before writing \`${target}\` (${reason(error)})`);
      throw new LostLockError(lockPath, target, 'the lock file is gone');
    }
    let current: { token?: unknown; pid?: unknown; host?: unknown } = {};
    try {
      current = JSON.parse(text) as typeof current;
    } catch {
      // Not a lock this code wrote; certainly not ours.
    }
    if (current.token === token) continue;
    debug('lock', `lost \`${lockPath}\`: it holds token \`${String(current.token)}\`, this process took it as \`${token}\``);
    const holder = typeof current.pid === 'number' ? `it is now held by pid ${current.pid} on \`${String(current.host)}\`` : 'another process holds it now';
    throw new LostLockError(lockPath, target, holder);
  }
}
