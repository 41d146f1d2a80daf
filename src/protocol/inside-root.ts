/**
 * Keeping every path relay and protocol-lint read or write inside the root (PROTOCOL §10). A
 * cloned repository may hold a symbolic link (`postmortems -> /etc`, `h -> ~`) or a config
 * layout path (`../x`, `/etc/passwd`, `h/.bashrc`) that would send a read or a write
 * elsewhere. A path is judged by its real location: the deepest part of it that exists is
 * resolved with `realpath` (a dangling link is followed by hand, since a write would create
 * its target), and the rest appended. A symbolic link whose real location stays inside the
 * root is followed; one that leaves it is refused.
 */
import { lstatSync, mkdirSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { debug } from '../debug.js';

/** A path inside the root (absolute, as given, not resolved), or why it cannot be used. */
export type PathResult = { ok: true; path: string } | { ok: false; error: string };

/** A folder that exists inside the root, or why it cannot be used. */
export type FolderResult = PathResult;

/** Links followed by hand before a path is judged a loop, as the kernel's own limit. */
const MAX_HOPS = 40;

/** Whether `path` is `root` or inside it (both absolute, compared as written). */
export function isInside(root: string, path: string): boolean {
  const inside = relative(root, path);
  return inside === '' || (!inside.startsWith(`..${sep}`) && inside !== '..' && !isAbsolute(inside));
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

/**
 * Where `path` really is: the real path of its deepest existing part, with the rest appended.
 * A dangling symbolic link is followed to where it points. Throws ELOOP for a link loop.
 */
export function realLocation(path: string, hops = 0): string {
  const absolute = resolve(path);
  try {
    return realpathSync.native(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
  }
  let isLink = false;
  try {
    isLink = lstatSync(absolute).isSymbolicLink();
  } catch {
    // Nothing there: judged by its folder.
  }
  if (isLink) {
    if (hops >= MAX_HOPS) throw Object.assign(new Error(`too many symbolic links at ${absolute}`), { code: 'ELOOP' });
    return realLocation(resolve(dirname(absolute), readlinkSync(absolute)), hops + 1);
  }
  const parent = dirname(absolute);
  if (parent === absolute) return absolute;
  return join(realLocation(parent, hops), basename(absolute));
}

/** The root's real path (the root itself when it cannot be resolved, so the check still runs lexically). */
function realRootOf(root: string): string {
  try {
    return realpathSync.native(root);
  } catch {
    return resolve(root);
  }
}

/**
 * Why the absolute path `path` may not be used under `root` (its real location leaves the
 * root), or undefined when it may. `label` is how the path is named in the message.
 */
export function outsideRootReason(root: string, path: string, label = toPosix(relative(resolve(root), resolve(path)))): string | undefined {
  const absolute = resolve(root, path);
  if (!isInside(resolve(root), absolute)) {
    debug('path', `refused ${absolute}: it is not under the root ${resolve(root)}`);
    return `Unexpected path \`${label}\` outside the root, expected a path inside it`;
  }
  let real: string;
  try {
    real = realLocation(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    debug('path', `refused ${absolute}: its real location cannot be resolved (${code})`);
    return `Unexpected path \`${label}\` that cannot be resolved (${code}), expected a file or folder inside the root; fix or remove the symbolic link`;
  }
  const realRoot = realRootOf(root);
  if (!isInside(realRoot, real)) {
    debug('path', `refused ${absolute}: its real location ${real} is outside the root's real path ${realRoot}`);
    return `Unexpected path \`${label}\` leaving the root through a symbolic link (to \`${real}\`), expected a path inside it; replace the link with a real file or folder`;
  }
  if (real !== join(realRoot, relative(resolve(root), absolute))) debug('path', `${absolute} is a symbolic link to ${real}, inside the root: followed`);
  return undefined;
}

/** The absolute path of root-relative `path`, refused when its real location leaves the root. */
export function resolveInsideRoot(root: string, path: string, label = path): PathResult {
  const absolute = resolve(root, path);
  const why = outsideRootReason(root, absolute, label);
  return why === undefined ? { ok: true, path: absolute } : { ok: false, error: why };
}

/**
 * Every layout path of a config (`layout.todo`, …) whose real location leaves the root, each as
 * an error naming its key (all of them, so one run reports them all); empty when all stay inside.
 */
export function layoutOutsideRoot(root: string, layout: object): string[] {
  const errors: string[] = [];
  for (const [key, value] of Object.entries(layout)) {
    const why = typeof value === 'string' ? outsideRootReason(root, resolve(root, value), value) : undefined;
    if (why !== undefined) errors.push(`${why} (\`layout.${key}\`)`);
  }
  return errors;
}

/**
 * Creates (if needed) the root-relative folder `folder` and returns its absolute path, refusing
 * one whose real location (symbolic links resolved, segment by segment) leaves the root.
 */
export function ensureFolderInsideRoot(root: string, folder: string): FolderResult {
  const base = resolve(root);
  const target = resolve(root, folder);
  const why = outsideRootReason(root, target, folder);
  if (why !== undefined) return { ok: false, error: why };
  const segments = relative(base, target).split(sep).filter((segment) => segment !== '');
  let current = base;
  for (const segment of segments) {
    current = join(current, segment);
    let exists = true;
    try {
      // stat, not lstat: a link here was judged inside the root above, and is followed.
      const stats = lstatSync(current).isSymbolicLink() ? realStat(current) : lstatSync(current);
      if (!stats.isDirectory()) {
        return { ok: false, error: `Unexpected file at \`${toPosix(relative(base, current))}\`, expected a folder; move it away` };
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A fault of the machine (permission denied, …) propagates with its path: the CLIs say it in one line.
      if (code !== 'ENOENT') throw error;
      exists = false;
    }
    if (!exists) {
      try {
        mkdirSync(current);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // Another writer made it first.
        if (code !== 'EEXIST') throw error;
      }
    }
  }
  // Checked again now that the folders exist: a link swapped in meanwhile is caught here.
  const again = outsideRootReason(root, target, folder);
  return again === undefined ? { ok: true, path: target } : { ok: false, error: again };
}

function realStat(path: string) {
  return lstatSync(realpathSync.native(path));
}
