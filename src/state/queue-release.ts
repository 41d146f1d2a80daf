/** `relay release`: removes claims so the URLs can be claimed again, under the queue lock. */
import type { Config } from '../protocol/config.js';
import { formatQueueItem, parseQueue, type LineEdit, type QueueItem } from '../protocol/queue.js';
import type { LockOptions } from './lock.js';
import { ALSO_CLAIMED_FIELD, annotationFields, CLAIM_FIELD, type OperationFailure, type Rejection } from './queue-files.js';
import { urlTransaction } from './queue-transaction.js';

/** What happened to one URL given to `releaseUrls`. */
export interface Release {
  url: string;
  key: string;
  status: 'released' | 'not-claimed';
  /** Whose claim was removed. */
  from?: string;
}

/** Options of `releaseUrls`. */
export interface ReleaseOptions {
  urls: string[];
  /** Release every claim `agent` holds instead of listed URLs. */
  all: boolean;
  agent: string;
  /** Release claims held by other agents too. */
  force: boolean;
  lock?: LockOptions;
}

/** What `releaseUrls` did. */
export interface ReleaseResult {
  ok: true;
  released: Release[];
  rejected: Rejection[];
}

/** Removes claims so the URLs can be claimed again; another agent's claim only with `force`. */
export function releaseUrls(root: string, config: Config, options: ReleaseOptions): ReleaseResult | OperationFailure {
  return urlTransaction(root, config, options, ({ files, wanted, rejected, lookup }): ReleaseResult | OperationFailure => {
    const replace: LineEdit[] = [];
    const released: Release[] = [];
    const unclaim = (item: QueueItem): void => {
      // A second claim the merge kept as a note goes too: the URL is free again.
      const fields = annotationFields(item).filter((field) => !CLAIM_FIELD.test(field) && !ALSO_CLAIMED_FIELD.test(field));
      replace.push({ start: item.start, end: item.end, content: formatQueueItem(item.url, fields) });
    };
    if (options.all) {
      // Every claim of the agent: the lines that name it, read whole.
      for (const item of parseQueue(files.todoText ?? '').items) {
        if (item.claim?.agent !== options.agent) continue;
        unclaim(item);
        released.push({ url: item.url, key: item.key, status: 'released', from: item.claim.agent });
      }
    }
    for (const { url, key } of wanted) {
      const lines = lookup.pending(key);
      if (lines.length === 0) {
        rejected.push({ url, reason: `not pending in \`${config.layout.todo}\`` });
        continue;
      }
      const claimedLines = lines.filter((item) => item.claim);
      if (claimedLines.length === 0) {
        released.push({ url: lines[0]!.url, key, status: 'not-claimed' });
        continue;
      }
      const others = claimedLines.filter((item) => item.claim!.agent !== options.agent);
      if (others.length > 0 && !options.force) {
        rejected.push({ url, reason: `claimed by \`${others[0]!.claim!.agent}\`, not \`${options.agent}\`; pass \`--force\` to release it anyway` });
        continue;
      }
      for (const line of claimedLines) unclaim(line);
      released.push({ url: lines[0]!.url, key, status: 'released', from: claimedLines[0]!.claim!.agent });
    }
    if (replace.length > 0) files.writeTodo(replace);
    return { ok: true, released, rejected };
  });
}

/** Options of `releaseUndelivered`. */
export interface UndeliveredOptions {
  /** The URLs claimed but never delivered. */
  urls: string[];
  /** The claim they were taken in: only lines still claimed by this agent at this time are released. */
  agent: string;
  at: string;
  lock?: LockOptions;
}

/**
 * Releases claims a `relay claim` took but could not deliver (its reader closed the pipe),
 * under the lock: only lines still claimed by the same agent with the same timestamp, so a
 * claim made since, by anyone, is left alone. Returns how many were released.
 */
export function releaseUndelivered(root: string, config: Config, options: UndeliveredOptions): { ok: true; released: number } | OperationFailure {
  return urlTransaction(root, config, { urls: options.urls, lock: options.lock }, ({ files, wanted, lookup }) => {
    const replace: LineEdit[] = [];
    for (const { key } of wanted) {
      for (const item of lookup.pending(key)) {
        if (item.claim?.agent !== options.agent || item.claim.at !== options.at) continue;
        const fields = annotationFields(item).filter((field) => !CLAIM_FIELD.test(field));
        replace.push({ start: item.start, end: item.end, content: formatQueueItem(item.url, fields) });
      }
    }
    if (replace.length > 0) files.writeTodo(replace);
    return { ok: true as const, released: replace.length };
  });
}
