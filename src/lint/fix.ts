/**
 * `--fix`: applies the line removals fixable rules asked for (queue overlap and duplicates),
 * and renumbers colliding ids (layout-duplicate-id, through state/renumber.ts), with the
 * same atomic writer the relay CLI uses. Only the named lines go; every other
 * byte of the file is kept. If a file changed on disk since it was linted (a fleet keeps
 * writing), it is left alone, so no concurrent update is lost.
 */
import { outsideRootReason } from '../protocol/inside-root.js';
import { readRegularFile } from '../protocol/regular-file.js';
import { join } from 'node:path';
import { splitSegments } from '../protocol/queue.js';
import { writeFileAtomic } from '../state/atomic.js';
import { FaultError } from '../state/fault.js';
import { withLock } from '../state/lock.js';
import { QUEUE_LOCK } from '../state/queue-operations.js';
import { renumberDuplicates } from '../state/renumber.js';
import type { Project } from './project.js';

/**
 * Applies fixes under the queue lock that `relay claim`/`done` take, so a fix never races a
 * fleet's writes; returns the paths rewritten.
 */
export function applyFixes(project: Project, fixes: Map<string, Set<number>>): string[] {
  if (fixes.size === 0) return [];
  const locked = withLock(project.root, QUEUE_LOCK, () => applyUnlocked(project, fixes));
  if (!locked.ok) throw new FaultError(`--fix could not take the queue lock: ${locked.error}`);
  return locked.value;
}

function applyUnlocked(project: Project, fixes: Map<string, Set<number>>): string[] {
  const fixed: string[] = [];
  for (const [path, lines] of fixes) {
    const file = project.file(path);
    const content = file.content;
    if (!content.ok || lines.size === 0) continue;
    const absolute = join(project.root, path);
    const bom = content.bom ? '\uFEFF' : '';
    const linted = bom + content.text;
    // Judged again just before the write: a link or FIFO swapped in since the lint read is not written through or opened.
    if (outsideRootReason(project.root, absolute) !== undefined) continue;
    let current: string;
    try {
      const bytes = readRegularFile(absolute);
      if (bytes === undefined) continue;
      current = bytes.toString('utf8');
    } catch {
      continue;
    }
    if (current !== linted) continue;
    writeFileAtomic(absolute, bom + splitSegments(content.text).filter((_, index) => !lines.has(index + 1)).join(''));
    fixed.push(path);
  }
  return fixed;
}

/**
 * Renumbers the colliding ids these files take part in (state/renumber.ts, under the ids lock);
 * returns the paths created or rewritten.
 */
export function applyRenumbering(project: Project, paths: string[]): string[] {
  const result = renumberDuplicates(project.root, project.config, { only: paths });
  if (!result.ok) throw new Error(`--fix could not renumber: ${result.error}`);
  return [...new Set([...result.renumbered.flatMap((moved) => [moved.to, ...moved.along.map((along) => along.to)]), ...result.rewritten])].sort();
}
