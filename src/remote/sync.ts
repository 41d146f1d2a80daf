/**
 * `relay sync`: one clone's state and the remote's branch made one, with retries.
 *
 * 1. Commit the state tree's changes (the layout's paths only; nothing else of the work tree).
 * 2. Fetch the remote's branch. If it has commits this clone lacks: renumber this side's new
 *    numbered files (tasks, drafts, finals, findings) that the incoming side also added under
 *    the same number, above the highest number there (links rewritten, as
 *    `layout-duplicate-id --fix` does), so the merge meets no add/add conflict; then merge it
 *    (the queue files through the relay merge driver). A conflict elsewhere is aborted and
 *    reported: the clone is left as it was before the merge.
 * 3. Push the branch with a lease on the tip just merged. Another clone that pushed first makes
 *    the lease fail: fetch, merge and push again (bounded, with a random pause).
 * 4. When the branch is the remote's default branch: remove the claim refs of every URL done
 *    on it as pushed (completions that landed, and strays), on the remote and here, each with
 *    a lease on the commit read.
 *
 * Nothing is lost: the local commit is made before anything else, merges never drop a
 * completion (the driver keeps the union of urls_done.md), and a failed step leaves the
 * commits where they were. A second run with nothing new does nothing (idempotent).
 */
import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Config } from '../protocol/config.js';
import { numberedName, type NumberedKind } from '../protocol/layout.js';
import { debug } from '../debug.js';
import { withLock, type LockOptions } from '../state/lock.js';
import type { OperationFailure } from '../state/queue-files.js';
import { QUEUE_LOCK } from '../state/queue-files.js';
import { renumberAbove, type Renumbered } from '../state/renumber.js';
import { doneOnBranch, pruneLanded } from '../claims/claims.js';
import { localStore } from '../claims/store.js';
import { fetchBranch, remoteContext, trackingRef, type RemoteContext } from './context.js';
import { firstLine, git } from '../claims/git.js';
import { isMap } from '../claims/store.js';
import { pushRefs, remoteStore } from './store.js';

/** Options of `syncRemote`. */
export interface SyncOptions {
  remote: string;
  /** Named in the commit message of the state's changes. */
  agent: string;
  /** Push attempts before giving up on a remote that keeps moving (default 30). */
  attempts?: number;
  lock?: LockOptions;
}

/** What `syncRemote` did. */
export interface SyncResult {
  ok: true;
  branch: string;
  /** The state's changes were committed first. */
  committed: boolean;
  /** Merges of the remote's branch made. */
  merged: number;
  /** Pushes of the branch made (0: the remote already had everything). */
  pushes: number;
  renumbered: Renumbered[];
  /** Claim refs removed because their URL is done on the branch. */
  released: number;
}

const DEFAULT_ATTEMPTS = 30;

/** Fetches, merges and pushes the current branch through `remote`; see the module comment. */
export function syncRemote(root: string, config: Config, options: SyncOptions): SyncResult | OperationFailure {
  const context = remoteContext(root, options.remote);
  if ('ok' in context) return context;
  if (git(['config', '--get', 'merge.relay-queue.driver'], root).code !== 0) {
    return { ok: false, error: 'Unexpected clone without the relay merge driver, expected `merge.relay-queue.driver` in its git config; run `relay init` (git config is not cloned)' };
  }
  // One sync at a time per clone: two would fight over the index and the merge.
  const locked = withLock(root, 'sync', () => syncLocked(context, config, options), options.lock);
  return locked.ok ? locked.value : { ok: false, error: `Cannot sync: ${locked.error}` };
}

function syncLocked(context: RemoteContext, config: Config, options: SyncOptions): SyncResult | OperationFailure {
  const { root } = context;
  const result: SyncResult = { ok: true, branch: context.branch, committed: false, merged: 0, pushes: 0, renumbered: [], released: 0 };
  const committed = commitState(context, config, `relay sync: state of ${options.agent}`, options.lock);
  if (committed !== true && committed !== false) return committed;
  result.committed = committed;
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    const fetched = fetchBranch(context);
    if (fetched !== true && fetched !== false) return fetched;
    const theirs = fetched ? revParse(root, trackingRef(context)) : undefined;
    const head = revParse(root, 'HEAD');
    if (head === undefined) return { ok: false, error: 'Unexpected branch without commits, expected at least one; commit the state tree first' };
    if (theirs !== undefined && git(['merge-base', '--is-ancestor', theirs, 'HEAD'], root).code !== 0) {
      const renumbered = makeRoom(context, config, theirs, options);
      if (!Array.isArray(renumbered)) return renumbered;
      result.renumbered.push(...renumbered);
      const merged = mergeLocked(context, theirs, options.lock);
      if (merged !== true) return merged;
      result.merged++;
    }
    const tip = revParse(root, 'HEAD')!;
    if (tip === theirs) break;
    const ref = `refs/heads/${context.branch}`;
    const outcomes = pushRefs(root, context.remote, [{ ref, id: tip, expect: theirs ?? '' }], { verify: true });
    result.pushes++;
    if (!isMap(outcomes)) return outcomes;
    const outcome = outcomes.get(ref)!;
    if (outcome.status === 'ok') break;
    if (outcome.status === 'refused') {
      return { ok: false, error: `The remote \`${context.remote}\` refused the push of \`${context.branch}\`: ${outcome.reason}; the commits are kept here, fix the cause and run \`relay sync\` again` };
    }
    if (attempt >= attempts) {
      return { ok: false, error: `Cannot push \`${context.branch}\` to \`${context.remote}\`: other clones pushed first ${attempts} times in a row; the commits are kept here, run \`relay sync\` again` };
    }
    debug('remote', `push of ${context.branch} lost a race (${outcome.reason}); fetching again (attempt ${attempt + 1})`);
    pause(20 + Math.random() * 80 * Math.min(attempt, 5));
  }
  // Refs go only once their completion is on the default branch: a branch that holds it could still be abandoned.
  const branchIsDefault = defaultBranch(context) === context.branch;
  if (!branchIsDefault) debug('claims', `not pruning: \`${context.branch}\` is not the default branch of ${context.remote}`);
  const keys = branchIsDefault ? doneOnBranch(root, config, 'HEAD') : new Set<string>();
  const store = remoteStore(root, context.remote);
  if ('ok' in store) return store;
  const released = pruneLanded(store, keys);
  if (!released.ok) return released;
  // And the refs here: mirrors of the remote's, and this repository's worktrees' own.
  const here = localStore(root);
  const local = here && pruneLanded(here, keys);
  if (local && !local.ok) return local;
  result.released = released.removed;
  return result;
}

/** The remote's default branch (what its HEAD names), else `main` or `master` when that is the branch. */
function defaultBranch(context: RemoteContext): string | undefined {
  const run = git(['ls-remote', '--symref', context.remote, 'HEAD'], context.root);
  const named = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(run.stdout)?.[1];
  return named ?? (['main', 'master'].includes(context.branch) ? context.branch : undefined);
}

/** The commit id a name points at, or undefined. */
function revParse(root: string, name: string): string | undefined {
  const run = git(['rev-parse', '-q', '--verify', `${name}^{commit}`], root);
  return run.code === 0 ? run.stdout.trim() : undefined;
}

/** The layout's paths that exist or are tracked: what sync commits. */
function statePaths(root: string, config: Config): string[] {
  const paths = [...new Set(Object.values(config.layout))].filter((path) => existsSync(join(root, path)) || git(['ls-files', '--error-unmatch', '--', path], root).code === 0);
  return paths;
}

/** Commits the state tree's changes (under the queue lock, so the queue files are whole); false when nothing changed. */
function commitState(context: RemoteContext, config: Config, message: string, lock: LockOptions | undefined): boolean | OperationFailure {
  const { root } = context;
  const locked = withLock(
    root,
    QUEUE_LOCK,
    (): boolean | OperationFailure => {
      const paths = statePaths(root, config);
      if (paths.length === 0) return false;
      const added = git(['add', '-A', '--', ...paths], root);
      if (added.code !== 0) return { ok: false, error: `Cannot stage the state tree: ${firstLine(added.stderr)}` };
      if (git(['diff', '--cached', '--quiet', '--', ...paths], root).code === 0) return false;
      // `--only` semantics: what else the user staged stays staged and out of this commit.
      const commit = git(['commit', '-q', '--no-verify', '-m', message, '--', ...paths], root);
      if (commit.code !== 0) return { ok: false, error: `Cannot commit the state tree: ${firstLine(commit.stderr)}${/identity|tell me who you are/i.test(commit.stderr) ? '; set `git config user.name` and `user.email`' : ''}` };
      return true;
    },
    lock,
  );
  return locked.ok ? locked.value : { ok: false, error: `Cannot commit the state tree: ${locked.error}` };
}

/** The numbered files (root-relative) a side added since `base`. */
function addedNumbered(root: string, config: Config, base: string, tip: string): string[] {
  const run = git(['diff', '--name-only', '--no-renames', '--diff-filter=A', '-z', '--relative', base, tip, '--', config.layout.plan, config.layout.review], root);
  return run.stdout.split('\0').filter((path) => path !== '' && numberedName(posix.basename(path)) !== undefined);
}

/** The highest number of each kind in the plan and review folders at `revision`. */
function highestAt(context: RemoteContext, config: Config, revision: string): Partial<Record<NumberedKind, number>> {
  const highest: Partial<Record<NumberedKind, number>> = {};
  for (const folder of new Set([config.layout.plan, config.layout.review])) {
    const run = git(['ls-tree', '--name-only', '-z', revision, '--', `${context.prefix}${folder}/`], context.root);
    for (const path of run.stdout.split('\0')) {
      const parsed = numberedName(posix.basename(path));
      if (parsed) highest[parsed.kind] = Math.max(highest[parsed.kind] ?? 0, parsed.number);
    }
  }
  return highest;
}

/**
 * Renumbers this side's new numbered files that the incoming side also added under the same
 * kind and number (unless both added the very same file), then commits the move.
 */
function makeRoom(context: RemoteContext, config: Config, theirs: string, options: SyncOptions): Renumbered[] | OperationFailure {
  const { root } = context;
  const base = git(['merge-base', 'HEAD', theirs], root);
  if (base.code !== 0) return []; // Unrelated histories: git merge says so.
  const baseId = base.stdout.trim();
  const incoming = new Map<string, string>();
  for (const path of addedNumbered(root, config, baseId, theirs)) {
    const parsed = numberedName(posix.basename(path))!;
    incoming.set(`${parsed.kind}:${parsed.number}`, path);
  }
  if (incoming.size === 0) return [];
  const colliding: string[] = [];
  for (const path of addedNumbered(root, config, baseId, 'HEAD')) {
    const parsed = numberedName(posix.basename(path))!;
    const other = incoming.get(`${parsed.kind}:${parsed.number}`);
    if (other === undefined) continue;
    const same = other === path && revParseBlob(context, `HEAD:${context.prefix}${path}`) === revParseBlob(context, `${theirs}:${context.prefix}${other}`);
    if (!same) colliding.push(path);
  }
  if (colliding.length === 0) return [];
  // Tasks first: their drafts and finals move with them.
  const order: Record<NumberedKind, number> = { task: 0, draft: 1, final: 2, findings: 3 };
  colliding.sort((a, b) => order[numberedName(posix.basename(a))!.kind] - order[numberedName(posix.basename(b))!.kind] || (a < b ? -1 : 1));
  const moved = renumberAbove(root, config, colliding, highestAt(context, config, theirs));
  if (!moved.ok) return moved;
  const names = moved.renumbered.map((each) => `${posix.basename(each.from)} -> ${posix.basename(each.to)}`).join(', ');
  debug('remote', `renumbered before merging ${context.remote}/${context.branch}: ${names}`);
  const committed = commitState(context, config, `relay sync: renumber ${names} (taken on ${context.remote}/${context.branch})`, options.lock);
  if (committed !== true && committed !== false) return committed;
  return moved.renumbered;
}

function revParseBlob(context: RemoteContext, spec: string): string | undefined {
  const run = git(['rev-parse', '-q', '--verify', spec], context.root);
  return run.code === 0 ? run.stdout.trim() : undefined;
}

/** Merges `theirs` under the queue lock (no relay command rewrites a queue file mid-merge); aborts and says why on a conflict. */
function mergeLocked(context: RemoteContext, theirs: string, lock: LockOptions | undefined): true | OperationFailure {
  const { root } = context;
  const locked = withLock(
    root,
    QUEUE_LOCK,
    (): true | OperationFailure => {
      const merge = git(['merge', '-q', '--no-edit', '--no-verify', '-m', `relay sync: merge ${context.remote}/${context.branch}`, theirs], root);
      if (merge.code === 0) return true;
      const conflicted = git(['diff', '--name-only', '--diff-filter=U', '--relative'], root).stdout.split('\n').filter(Boolean);
      if (conflicted.length > 0) git(['merge', '--abort'], root);
      const what = conflicted.length > 0 ? `a conflict in ${conflicted.map((path) => `\`${path}\``).join(', ')}` : firstLine(merge.stderr || merge.stdout);
      return {
        ok: false,
        error: `Cannot merge ${context.remote}/${context.branch}: ${what}; nothing was changed. Merge by hand (\`git merge ${context.remote}/${context.branch}\`), commit, then run \`relay sync\` again`,
      };
    },
    lock,
  );
  return locked.ok ? locked.value : { ok: false, error: `Cannot merge: ${locked.error}` };
}

/** Sleeps `ms` without spinning (sync code: the git commands around it are synchronous too). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
