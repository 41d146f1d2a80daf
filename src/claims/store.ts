/**
 * Where claim and id refs are kept: the two back ends of one claims module.
 *
 * - **Here** (`localStore`): the repository's own refs, which every worktree of it shares.
 *   Writes are one `git update-ref --stdin` transaction with an old value per ref (all zeros
 *   for "must not exist"), git's compare-and-swap; claimers take a lock in the git common dir
 *   so they pick in file order without racing.
 * - **A remote** (`remoteStore` in src/remote/store.ts): the same refs on a git remote,
 *   written with `git push --force-with-lease`, mirrored here when a push wins.
 *
 * Both read records the same way: `git cat-file --batch-check` first, then `--batch` for the
 * small commits only, so a huge object under a ref is never loaded.
 */
import { hostname } from 'node:os';
import type { RemoteContext } from '../remote/context.js';
import { gitCommonDir } from '../state/git.js';
import { withLock } from '../state/lock.js';
import { firstLine, git, RECORD_IDENTITY } from './git.js';
import { listRefs, readMessages } from './records.js';

/** An operation on refs that cannot go on (git failed, the remote refused or cannot be reached). */
export interface RefFailure {
  ok: false;
  error: string;
}

/** One ref update: `id` undefined deletes; `expect` '' means "must not exist", a commit id "must still be this", undefined "whatever it holds". */
export interface RefUpdate {
  ref: string;
  id?: string | undefined;
  expect?: string | undefined;
}

/** How one ref update ended: a lost race is tried again elsewhere, a refusal ends the operation. */
export type RefOutcome = { status: 'ok' } | { status: 'lost'; reason: string } | { status: 'refused'; reason: string };

/** A place refs are kept. */
export interface RefStore {
  root: string;
  /** The remote's name, or undefined for the repository's own refs. */
  remote?: string;
  /** The clone and branch a remote works with. */
  context?: RemoteContext;
  /** `` here, or ` on remote \`origin\``: where, in messages. */
  where: string;
  host: string;
  /** The repository's object format when known (a remote's context asks it), else found on the first record written. */
  objectFormat?: string | undefined;
  /** Pick at random among the first free URLs (claimers race), else in file order (claimers are serialized). */
  spread: boolean;
  /** The refs under `patterns`, with their commit ids. */
  list(patterns: string[]): Map<string, string> | RefFailure;
  /** The messages of `wanted` refs' records (undefined: not a readable record). */
  read(refs: Map<string, string>, wanted: string[]): Map<string, string | undefined>;
  /** Applies the updates, each on its own; the outcome of each. */
  apply(updates: RefUpdate[]): Map<string, RefOutcome> | RefFailure;
  /** Runs `fn` under the lock `name` in the git common dir (claimers here take turns), or as it is (a remote: clones race). */
  serialize<T>(name: string, fn: () => T): T | RefFailure;
}

/** Whether a result is a map (not a failure). */
export function isMap<K, V>(value: Map<K, V> | RefFailure): value is Map<K, V> {
  return value instanceof Map;
}

/** The empty tree of each object format: git knows it without it being written. */
const EMPTY_TREE: Record<string, string> = {
  sha1: '4b825dc642cb6eb9a060e54bf8d69288fbee4904',
  sha256: '6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321',
};

/** Record commits this process wrote: a remote answering "up to date" holds one of these, or someone else's. */
export const ownRecords = new Set<string>();

/** Writes a record commit (empty tree, no parent) with `message` and returns its id. */
export function recordCommit(root: string, message: string, objectFormat?: string): string | RefFailure {
  const write = (tree: string) => git(['commit-tree', tree, '-F', '-'], root, { input: message, env: RECORD_IDENTITY });
  let commit = write(EMPTY_TREE[objectFormat ?? 'sha1'] ?? EMPTY_TREE.sha1!);
  if (commit.code !== 0) {
    // Another object format than the one named (or guessed: sha1): its empty tree, written.
    const asked = git(['hash-object', '-t', 'tree', '-w', '--stdin'], root);
    if (asked.code !== 0) return { ok: false, error: `Cannot write the empty tree: ${firstLine(asked.stderr)}` };
    commit = write(asked.stdout.trim());
  }
  if (commit.code !== 0) return { ok: false, error: `Cannot write a record commit: ${firstLine(commit.stderr)}` };
  const id = commit.stdout.trim();
  ownRecords.add(id);
  return id;
}

/** The repository's own refs, shared by its worktrees; undefined outside git. */
export function localStore(root: string): RefStore | undefined {
  if (gitCommonDir(root) === undefined) return undefined;
  return {
    root,
    where: '',
    host: hostname(),
    spread: false,
    list: (patterns) => listRefs(root, patterns),
    read: (refs, wanted) => readMessages(root, refs, wanted),
    apply: (updates) => updateRefs(root, updates),
    serialize(name, fn) {
      const locked = withLock(root, name, fn);
      return locked.ok ? locked.value : { ok: false, error: `Cannot take the \`${name}\` lock: ${locked.error}` };
    },
  };
}

/**
 * Applies ref updates here, each with its old value, as one `git update-ref --stdin`
 * transaction; a ref that fails its compare-and-swap is a lost race, and the rest are applied
 * again without it.
 */
export function updateRefs(root: string, updates: RefUpdate[]): Map<string, RefOutcome> | RefFailure {
  const outcomes = new Map<string, RefOutcome>();
  let pending = updates;
  while (pending.length > 0) {
    // `create` is "must not exist"; an old value is "must still be this"; none is "whatever it holds".
    const lines = pending.map(({ ref, id, expect }) => `${expect === '' ? `create ${ref} ${id}` : id === undefined ? `delete ${ref}` : `update ${ref} ${id}`}${expect ? ` ${expect}` : ''}`);
    const run = git(['update-ref', '--stdin'], root, { input: `start\n${lines.join('\n')}\nprepare\ncommit\n` });
    if (run.code === 0) {
      for (const { ref } of pending) outcomes.set(ref, { status: 'ok' });
      break;
    }
    const failed = /cannot lock ref '([^']+)': (.*)/.exec(run.stderr);
    if (!failed || !pending.some(({ ref }) => ref === failed[1])) return { ok: false, error: `Cannot update refs here: ${firstLine(run.stderr)}` };
    outcomes.set(failed[1]!, { status: 'lost', reason: failed[2]! });
    pending = pending.filter(({ ref }) => ref !== failed[1]);
  }
  return outcomes;
}
