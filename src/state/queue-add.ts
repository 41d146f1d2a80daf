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
    const added: { url: string; key: string; slashKey: string }[] = [];
    for (const { url, key, slashKey } of wanted) {
      if (lookup.isDone(key)) rejected.push({ url, reason: `already done in \`${config.layout.done}\`` });
      else if (lookup.pending(key).length > 0) rejected.push({ url, reason: `already pending in \`${config.layout.todo}\`` });
      else {
        // Lint reports such a pair (queue-duplicate, queue-overlap) and no command could undo it.
        const twin = lookup.slashTwin(key, slashKey) ?? added.find((other) => other.slashKey === slashKey && other.key !== key);
        if (twin === undefined) added.push({ url, key, slashKey });
        else {
          const where = 'file' in twin ? `${twin.file === 'todo' ? 'pending in' : 'done in'} \`${twin.file === 'todo' ? config.layout.todo : config.layout.done}\`` : 'given in this command';
          rejected.push({ url, reason: `likely a duplicate of \`${twin.url}\` (${where}), the two differ only by a trailing slash, which lint reports as one URL listed twice` });
        }
      }
    }
    if (added.length > 0) {
      files.writeTodo([], added.map(({ url }) => formatQueueItem(url, [])));
    }
    return { ok: true, added: added.map(({ url }) => url), rejected };
  });
}
