/**
 * Which protocol files a Bash command changed, found without running git and without
 * walking the tree: a Bash command's effects cannot be read from its text (a script, a
 * `relay done`, a `sed -i`), so the hook looks at modification times instead, within the
 * window the command ran in (its `duration_ms` plus slack for coarse file-system clocks):
 *
 * - the two queue files are stat'ed;
 * - each protocol folder is stat'ed, and only a folder whose own mtime moved (a file was
 *   created, deleted or atomically replaced in it) is listed and its entries stat'ed;
 * - paths named in the command text are stat'ed, which catches in-place appends
 *   (`>> review/findings-003.md`) that leave the folder's mtime alone.
 *
 * It is conservative the other way too: a file another session changed in the same window
 * is reported as well, which only means it gets linted.
 */
import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { classifyPath, type Layout } from '../protocol/layout.js';

/** Slack for file systems whose clocks are coarse (FAT: 2 s) and for clock skew. */
export const MTIME_SLACK_MS = 2000;

/** Root-relative POSIX paths of protocol files modified at or after `sinceMs`. */
export function protocolFilesChangedSince(root: string, layout: Layout, sinceMs: number, command: string, cwd: string): string[] {
  const found = new Set<string>();
  const consider = (rel: string) => {
    if (classifyPath(rel, layout).type !== 'none' && modifiedSince(join(root, rel), sinceMs)) found.add(rel);
  };
  consider(layout.todo);
  consider(layout.done);
  consider(layout.claudeMd);
  for (const folder of [layout.plan, layout.review, layout.postmortems]) scanFolder(root, folder, sinceMs, layout, found);
  let waves: string[] = [];
  try {
    waves = readdirSync(join(root, layout.discovery)).filter((name) => /^wave[-_ ]?\d+$/i.test(name));
  } catch {
    // No discovery folder.
  }
  scanFolder(root, layout.discovery, sinceMs, layout, found);
  for (const wave of waves) scanFolder(root, `${layout.discovery}/${wave}`, sinceMs, layout, found);
  for (const token of pathTokens(command)) {
    const absolute = isAbsolute(token) ? token : resolve(cwd, token);
    const rel = relative(root, absolute);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) continue;
    consider(rel.split(sep).join('/'));
  }
  return [...found].sort();
}

/** Lists a folder whose own mtime moved and adds its recently modified files. */
function scanFolder(root: string, folder: string, sinceMs: number, layout: Layout, found: Set<string>): void {
  if (!modifiedSince(join(root, folder), sinceMs)) return;
  let names: string[];
  try {
    names = readdirSync(join(root, folder));
  } catch {
    return;
  }
  for (const name of names) {
    const rel = `${folder}/${name}`;
    if (classifyPath(rel, layout).type === 'none') continue;
    const path = join(root, folder, name);
    try {
      const stats = statSync(path);
      if (stats.isFile() && stats.mtimeMs >= sinceMs) found.add(rel);
    } catch {
      // Deleted while we looked.
    }
  }
}

function modifiedSince(path: string, sinceMs: number): boolean {
  try {
    return statSync(path).mtimeMs >= sinceMs;
  } catch {
    return false;
  }
}

/** Words of a command that could be paths (split at whitespace, quotes and shell operators). */
export function pathTokens(command: string): string[] {
  return command
    .split(/[\s"'`;&|<>()]+/)
    .map((token) => token.replace(/^[0-9]*>+/, ''))
    .filter((token) => token.length > 2 && token.length < 500 && /\.(md|mdx)$/i.test(token));
}
