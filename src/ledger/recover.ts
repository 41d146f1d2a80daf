/**
 * Recovering a session that never logged: what changed in the tree since it started, asked of
 * git (commits since its start, and uncommitted changes made since then), written into its
 * record, which is closed as `recovered`. git cannot say which session made a change, so the
 * list is what changed while it ran; the next session reads it as a lead, not a verdict.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../protocol/config.js';
import { runGit } from '../state/git.js';
import { debug } from '../debug.js';
import { closeSession, isValidSessionId, readSession, RECORD_LIMITS, sessionsEnabled, sessionsFolder, type LedgerOutcome } from './records.js';

/** What `recoverSession` needs. */
export interface RecoverSessionOptions {
  sessionId: string;
  now: Date;
}

/** What changed under `root` since `started`, root-relative: committed since then, or uncommitted and modified since then. */
export function changedSince(root: string, started: string): { ok: true; changed: string[] } | { ok: false; error: string } {
  // Argument vectors only, never a shell; -z keeps odd names unquoted; --relative keeps paths under the root.
  const committed = runGit(['log', `--since=${started}`, '--name-only', '--format=', '-z', '--relative', '--no-renames'], root);
  let changed: Set<string>;
  if (committed.ok) changed = new Set(names(committed.stdout));
  else if (isUnbornWorkTree(root)) {
    // A repository with no commit yet has no history to ask; its changes are all uncommitted.
    debug('git', `no commits yet under ${root}; only uncommitted changes are read`);
    changed = new Set();
  } else return { ok: false, error: `Cannot ask git what changed since \`${started}\` (${committed.error})` };
  const startedMs = Date.parse(started);
  const uncommitted = [
    runGit(['diff', '--name-only', '-z', '--relative', '--no-renames'], root),
    runGit(['diff', '--cached', '--name-only', '-z', '--relative', '--no-renames'], root),
    runGit(['ls-files', '--others', '--exclude-standard', '-z'], root),
  ];
  for (const result of uncommitted) {
    if (!result.ok) {
      debug('git', `uncommitted changes not read: ${result.error}`);
      continue;
    }
    for (const name of names(result.stdout)) {
      // An uncommitted change older than the session's start was someone else's.
      if (modifiedSince(join(root, name), startedMs)) changed.add(name);
    }
  }
  return { ok: true, changed: [...changed].sort() };
}

/** Whether `root` is in a git work tree whose branch has no commit yet. */
function isUnbornWorkTree(root: string): boolean {
  const inside = runGit(['rev-parse', '--is-inside-work-tree'], root);
  return inside.ok && inside.stdout.trim() === 'true' && !runGit(['rev-parse', '--verify', '-q', 'HEAD'], root).ok;
}

function names(output: string): string[] {
  return output.split('\0').map((name) => name.trim()).filter((name) => name !== '');
}

/** Whether a file was modified at or after `sinceMs`; a deleted file counts (its deletion is the change). */
function modifiedSince(path: string, sinceMs: number): boolean {
  try {
    return statSync(path).mtimeMs >= sinceMs - 1000;
  } catch {
    return true;
  }
}

/**
 * Closes an open record as `recovered`, with the files changed since its start (git); the
 * ledger's own records are left out of the list.
 */
export function recoverSession(root: string, config: Config, options: RecoverSessionOptions): LedgerOutcome {
  if (!sessionsEnabled()) return { ok: true, disabled: true };
  if (!isValidSessionId(options.sessionId)) {
    return { ok: false, error: `Unexpected session id \`${options.sessionId}\`, expected 1 to 128 letters, digits, \`.\`, \`_\` or \`-\`; pass another \`--session\`` };
  }
  const record = readSession(root, config, options.sessionId);
  if (!record) return { ok: false, error: `Unexpected session \`${options.sessionId}\` with no record, expected \`${sessionsFolder(config)}/${options.sessionId}.md\`; list them with \`relay session list --open\`` };
  if (record.status !== 'open') {
    return { ok: false, error: `Unexpected session \`${options.sessionId}\` already \`${record.status}\`, expected an open one; nothing to recover` };
  }
  const found = changedSince(root, record.started);
  if (!found.ok) return found;
  const folder = `${sessionsFolder(config)}/`;
  const changed = found.changed.filter((name) => !name.startsWith(folder)).slice(0, RECORD_LIMITS.changed);
  return closeSession(root, config, { sessionId: options.sessionId, status: 'recovered', changed, now: options.now });
}
