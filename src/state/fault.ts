/**
 * Ordinary faults of the machine, not of relay (permission denied, a read-only or full disk, a
 * read-only file relay refuses to replace), as the one line relay and protocol-lint print for
 * them (PROTOCOL §10): what was found and where, never a stack trace.
 */
import { isAbsolute, relative } from 'node:path';
import { ReadOnlyFileError } from './atomic.js';

/** What a file system error code means to a user. */
export const FILE_SYSTEM_FAULTS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
};

/** A fault already worded as one line (a lock that could not be taken, a file that could not be read). */
export class FaultError extends Error {}

/** `path` as the user would type it: relative to `cwd` when inside it. */
export function shownPath(path: string, cwd: string): string {
  const inside = relative(cwd, path);
  return inside !== '' && !inside.startsWith('..') && !isAbsolute(inside) ? inside : path;
}

/** The one line (without the command's prefix) for an ordinary fault, or undefined when `error` is not one. */
export function faultLine(error: unknown, cwd: string): string | undefined {
  if (error instanceof FaultError) return error.message;
  if (error instanceof ReadOnlyFileError) {
    const shown = shownPath(error.path, cwd);
    return `\`${shown}\` is read-only (mode ${error.mode.toString(8).padStart(4, '0')}), expected a writable file; run \`chmod u+w ${shown}\` if it should change`;
  }
  const { code, path } = (error ?? {}) as NodeJS.ErrnoException;
  const what = code === undefined ? undefined : FILE_SYSTEM_FAULTS[code];
  // ENOENT only with the path it concerns: without one it is a fault of relay's own making.
  if (what === undefined || (code === 'ENOENT' && path === undefined)) return undefined;
  return `${what}${path === undefined ? '' : `: \`${path}\``}`;
}

/** The one line of an errno fault, else `code`: how the state operations word a file they could not use. */
export function describeFault(error: unknown, path: string): string {
  const { code } = (error ?? {}) as NodeJS.ErrnoException;
  const what = code === undefined ? undefined : FILE_SYSTEM_FAULTS[code];
  return what === undefined ? `cannot use \`${path}\` (${code ?? String(error)})` : `${what}: \`${path}\``;
}
