/**
 * `relay handoff`: moves claims from one agent to another (a writer handing its URL to a
 * reviewer) in one locked step, so two handoffs of one URL never both win and the URL is never
 * unclaimed in between, where a third agent could take it.
 */
import type { Config } from '../protocol/config.js';
import { formatQueueItem, type LineEdit } from '../protocol/queue.js';
import { isoSeconds } from './identity.js';
import type { LockOptions } from './lock.js';
import { annotationFields, CLAIM_FIELD, type OperationFailure, type Rejection } from './queue-files.js';
import { urlTransaction } from './queue-transaction.js';

/** One URL handed over. */
export interface Handoff {
  url: string;
  key: string;
  from: string;
  to: string;
  /** The new claim's time: the handoff's. */
  at: string;
}

/** Options of `handoffUrls`. */
export interface HandoffOptions {
  urls: string[];
  /** Who must hold the claims now. */
  from: string;
  to: string;
  now: Date;
  /** Hand over claims held by agents other than `from` too. */
  force: boolean;
  lock?: LockOptions;
}

/** What `handoffUrls` did. */
export interface HandoffResult {
  ok: true;
  handed: Handoff[];
  rejected: Rejection[];
}

/** Re-stamps each URL's claim as `to`'s at `now`; a URL not claimed by `from` (unless `force`) is rejected. */
export function handoffUrls(root: string, config: Config, options: HandoffOptions): HandoffResult | OperationFailure {
  return urlTransaction(root, config, options, ({ files, wanted, rejected, lookup }): HandoffResult | OperationFailure => {
    const at = isoSeconds(options.now);
    const edits: LineEdit[] = [];
    const handed: Handoff[] = [];
    for (const { url, key } of wanted) {
      const lines = lookup.pending(key);
      if (lookup.isDone(key)) {
        rejected.push({ url, reason: `already done in \`${config.layout.done}\`; nothing to hand over` });
        continue;
      }
      if (lines.length === 0) {
        rejected.push({ url, reason: `not pending in \`${config.layout.todo}\`` });
        continue;
      }
      const claimedLines = lines.filter((item) => item.claim);
      if (claimedLines.length === 0) {
        rejected.push({ url, reason: `not claimed, expected a claim by \`${options.from}\`; \`relay claim\` it first` });
        continue;
      }
      const holder = claimedLines.find((item) => item.claim!.agent !== options.from)?.claim!.agent;
      if (holder !== undefined && !options.force) {
        rejected.push({ url, reason: `claimed by \`${holder}\`, not \`${options.from}\`; pass \`--agent ${holder}\` if you act for it, or \`--force\`` });
        continue;
      }
      // Every line of the URL carries the new claim: a twin line left with the old one would still hold it for `from`.
      for (const item of claimedLines) {
        const fields = annotationFields(item).filter((field) => !CLAIM_FIELD.test(field));
        fields.push(`claimed by ${options.to} at ${at}`);
        edits.push({ start: item.start, end: item.end, content: formatQueueItem(item.url, fields) });
      }
      handed.push({ url: lines[0]!.url, key, from: holder ?? options.from, to: options.to, at });
    }
    if (edits.length > 0) files.writeTodo(edits);
    return { ok: true, handed, rejected };
  });
}
