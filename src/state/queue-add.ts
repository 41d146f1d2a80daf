/** `relay add`: appends new URLs to urls_todo.md under the queue lock. */
import type { Config } from '../protocol/config.js';
import { formatQueueItem } from '../protocol/queue.js';
import type { LockOptions } from './lock.js';
import type { OperationFailure, Rejection } from './queue-files.js';
import { urlTransaction } from './queue-transaction.js';

/** Options of `addUrls`. */
export interface AddOptions {
  urls: string[];
  lock?: LockOptions;
}

/** What `addUrls` did. */
export interface AddResult {
  ok: true;
  added: string[];
  rejected: Rejection[];
}

/** Appends new URLs to urls_todo.md; rejects those already pending or done (compared normalised). */
export function addUrls(root: string, config: Config, options: AddOptions): AddResult | OperationFailure {
  return urlTransaction(root, config, options, ({ files, wanted, rejected, lookup }): AddResult | OperationFailure => {
    const added: string[] = [];
    for (const { url, key, slashKey } of wanted) {
      if (lookup.isDone(key, slashKey)) rejected.push({ url, reason: `already done in \`${config.layout.done}\`` });
      else if (lookup.pending(key, slashKey).length > 0) rejected.push({ url, reason: `already pending in \`${config.layout.todo}\`` });
      else added.push(url);
    }
    if (added.length > 0) {
      files.writeTodo([], added.map((url) => formatQueueItem(url, [])));
    }
    return { ok: true, added, rejected };
  });
}
