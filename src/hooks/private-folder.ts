/**
 * The hooks' own folder for session memory and queue snapshots: `${CLAUDE_PLUGIN_DATA}`
 * (Claude Code keeps it per plugin, in the user's home), else `relay-<uid>` in the OS temp
 * folder. A shared temp folder is where another user can plant a link or a folder first, so
 * every folder used is created with mode 0700 and then checked without following links: it
 * must be a real folder, owned by this user, and not writable by group or others. A folder
 * that fails is refused (undefined, with the reason under `RELAY_DEBUG=hook`), and the hooks
 * then go without memory and snapshots rather than write where someone else can reach.
 */
import { chmodSync, lstatSync, mkdirSync, statSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { debug, reason } from '../debug.js';

function currentUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

/** Why a folder's status makes it unsafe for this user, or undefined when it is safe. */
function unsafeBecause(stats: Stats, uid: number | undefined): string | undefined {
  if (stats.isSymbolicLink()) return 'is a symbolic link';
  if (!stats.isDirectory()) return 'is not a folder';
  if (uid !== undefined && stats.uid !== uid) return `is owned by uid ${stats.uid}, not ${uid}`;
  if (uid !== undefined && (stats.mode & 0o022) !== 0) return `is writable by group or others (mode ${(stats.mode & 0o777).toString(8)})`;
  return undefined;
}

/**
 * Creates `path` (mode 0700) when it is missing and returns it when it is a private folder of
 * this user; undefined (and a debug line) when it is a link, someone else's, or open to others.
 * A folder of this user's that others can read is narrowed to 0700.
 */
export function ensurePrivateFolder(path: string): string | undefined {
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      debug('hook', `no private folder \`${path}\`, going without memory and snapshots: ${reason(error)}`);
      return undefined;
    }
  }
  try {
    const stats = lstatSync(path);
    const unsafe = unsafeBecause(stats, currentUid());
    if (unsafe !== undefined) {
      debug('hook', `refused the folder \`${path}\`: it ${unsafe}; going without memory and snapshots`);
      return undefined;
    }
    if (currentUid() !== undefined && (stats.mode & 0o777) !== 0o700) chmodSync(path, 0o700);
    return path;
  } catch (error) {
    debug('hook', `refused the folder \`${path}\`: ${reason(error)}; going without memory and snapshots`);
    return undefined;
  }
}

/**
 * The base folder of the hooks' files for this user, or undefined when no safe one exists.
 * `${CLAUDE_PLUGIN_DATA}` may itself be reached through a link (a home on another disk), so
 * it is judged by what it points to; the temp fallback is judged as it is (a planted link is refused).
 */
export function privateBase(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const data = env.CLAUDE_PLUGIN_DATA;
  if (data) {
    try {
      mkdirSync(data, { recursive: true, mode: 0o700 });
      const unsafe = unsafeBecause(statSync(data), currentUid());
      if (unsafe === undefined) return data;
      debug('hook', `refused CLAUDE_PLUGIN_DATA \`${data}\`: it ${unsafe}; going without memory and snapshots`);
    } catch (error) {
      debug('hook', `no CLAUDE_PLUGIN_DATA folder \`${data}\`: ${reason(error)}; going without memory and snapshots`);
    }
    return undefined;
  }
  const uid = currentUid();
  // Without uids (Windows) the temp folder is the user's own already.
  return ensurePrivateFolder(join(tmpdir(), `relay-${uid ?? 'user'}`));
}

/** A private subfolder of the base (`sessions`, `queue-snapshots`), created safely; undefined when refused. */
export function privateSubfolder(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const base = privateBase(env);
  return base === undefined ? undefined : ensurePrivateFolder(join(base, name));
}
