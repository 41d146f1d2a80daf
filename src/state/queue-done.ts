/**
 * `relay done`: moves URLs from urls_todo.md to urls_done.md in one locked step.
 *
 * Write order: both new files are written in full beside the old ones first, so a full disk
 * fails before anything changed; then urls_done.md is renamed into place before urls_todo.md.
 * A writer killed between the two renames leaves the URL in both files, never in neither;
 * `protocol-lint --fix` (queue-overlap, done wins) and every later operation treat it as done.
 */
import type { Config } from '../protocol/config.js';
import { commitAll, type PreparedFile } from './atomic.js';
import { formatQueueItem, type LineEdit } from '../protocol/queue.js';
import { utcDate } from './identity.js';
import type { LockOptions } from './lock.js';
import { ALSO_CLAIMED_FIELD, type OperationFailure, type Rejection } from './queue-files.js';
import { urlTransaction } from './queue-transaction.js';

/** What happened to one URL given to `completeUrls`. */
export interface Completion {
  url: string;
  key: string;
  status: 'completed' | 'completed-not-pending' | 'already-done';
  /** Who held the claim, when it was not the completing agent. */
  claimedBy?: string;
}

/** Options of `completeUrls`. */
export interface DoneOptions {
  urls: string[];
  agent: string;
  now: Date;
  output?: string;
  lock?: LockOptions;
}

/** What `completeUrls` did. */
export interface DoneResult {
  ok: true;
  completed: Completion[];
  rejected: Rejection[];
}

/**
 * Moves URLs from urls_todo.md to urls_done.md with `(completed DATE, by AGENT, output PATH)`.
 * A URL that was not pending is still recorded as done (the work happened); one already done
 * is left as it is, and any copy of it still pending is removed (done wins).
 */
export function completeUrls(root: string, config: Config, options: DoneOptions): DoneResult | OperationFailure {
  return urlTransaction(root, config, options, ({ files, wanted, rejected, lookup }): DoneResult | OperationFailure => {
    const remove: LineEdit[] = [];
    const append: string[] = [];
    const completed: Completion[] = [];
    const date = utcDate(options.now);
    for (const { url, key } of wanted) {
      const pending = lookup.pending(key);
      for (const { start, end } of pending) remove.push({ start, end });
      // URLs given are distinct, so one completed here is not seen again.
      if (lookup.isDone(key)) {
        completed.push({ url, key, status: 'already-done' });
        continue;
      }
      const first = pending[0];
      const fields = [`completed ${date}`, `by ${options.agent}`];
      if (options.output !== undefined) fields.push(`output ${options.output}`);
      // Free-text notes travel with the item; the claim and old completion fields do not.
      if (first) fields.push(...first.notes.filter((note) => !ALSO_CLAIMED_FIELD.test(note)));
      append.push(formatQueueItem(first ? first.url : url, fields));
      const completion: Completion = { url: first ? first.url : url, key, status: first ? 'completed' : 'completed-not-pending' };
      const claimant = pending.find((item) => item.claim)?.claim?.agent;
      if (claimant !== undefined && claimant !== options.agent) completion.claimedBy = claimant;
      completed.push(completion);
    }
    // Both written beside their targets before either replaces one: a full disk (or a read-only
    // file) fails here with both queues as they were. Then done first: a crash between the two
    // renames leaves the URL in both files, never in neither.
    const writes: PreparedFile[] = [];
    try {
      if (append.length > 0) writes.push(files.prepareDone(append));
      if (remove.length > 0) writes.push(files.prepareTodo(remove));
    } catch (error) {
      for (const write of writes) write.abort();
      throw error;
    }
    commitAll(writes);
    return { ok: true, completed, rejected };
  });
}
