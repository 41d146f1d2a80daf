/**
 * Folders the state writers create files in, checked to stay inside the root: a cloned
 * repository may hold a symbolic link (`review -> /etc`) or a config layout path (`../x`)
 * that would send a write elsewhere (PROTOCOL §10).
 */
import { lstatSync, mkdirSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { debug } from '../debug.js';

/** A folder that exists inside the root, or why it cannot be used. */
export type FolderResult = { ok: true; path: string } | { ok: false; error: string };

/** Whether `path` (a real path) is `root` or inside it. */
function isInside(realRoot: string, path: string): boolean {
  const inside = relative(realRoot, path);
  return inside === '' || (!inside.startsWith(`..${sep}`) && inside !== '..' && !isAbsolute(inside));
}

/**
 * Creates (if needed) the root-relative folder `folder` and returns its absolute path, refusing
 * one whose real location (symbolic links resolved, segment by segment) leaves the root.
 */
export function ensureFolderInsideRoot(root: string, folder: string): FolderResult {
  const realRoot = realpathSync(root);
  const target = resolve(root, folder);
  if (!isInside(resolve(root), target)) {
    return { ok: false, error: `Unexpected folder \`${folder}\` outside the root, expected a path inside it; fix the layout in the config file` };
  }
  const segments = relative(resolve(root), target).split(sep).filter((segment) => segment !== '');
  let current = resolve(root);
  for (const segment of segments) {
    current = join(current, segment);
    let exists = true;
    try {
      const stats = lstatSync(current);
      if (stats.isSymbolicLink()) {
        // A link inside the tree is fine; one that leaves it is refused before anything is written through it.
        const real = realpathSync(current);
        if (!isInside(realRoot, real)) {
          return { ok: false, error: `Unexpected symbolic link \`${folder}\` leaving the root, expected a folder inside it; replace the link with a folder` };
        }
        debug('path', `${current} is a symbolic link to ${real}, inside the root`);
      } else if (!stats.isDirectory()) {
        return { ok: false, error: `Unexpected file at \`${relative(resolve(root), current).split(sep).join('/')}\`, expected a folder; move it away` };
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') return { ok: false, error: `Cannot use the folder \`${folder}\` (${code ?? String(error)})` };
      exists = false;
    }
    if (!exists) {
      try {
        mkdirSync(current);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // Another writer made it first.
        if (code !== 'EEXIST') return { ok: false, error: `Cannot create the folder \`${folder}\` (${code ?? String(error)})` };
      }
    }
  }
  return { ok: true, path: target };
}
