/**
 * The ordered rule registry. Ids are stable and never reused (PROTOCOL §3).
 */
import type { Rule } from '../lint/types.js';
import { fileEncoding } from './file-encoding.js';
import { fileUnreadable } from './file-unreadable.js';
import { mergeConflictMarker } from './merge-conflict-marker.js';
import { queueDoneDate } from './queue-done-date.js';
import { queueDuplicate } from './queue-duplicate.js';
import { queueItemSyntax } from './queue-item-syntax.js';
import { queueOverlap } from './queue-overlap.js';
import { queueStaleClaim } from './queue-stale-claim.js';

/** Every rule, in the order they run and are documented. */
export const rules: Rule<any>[] = [
  queueOverlap,
  queueDuplicate,
  queueItemSyntax,
  queueDoneDate,
  queueStaleClaim,
  mergeConflictMarker,
  fileEncoding,
  fileUnreadable,
];

/** A rule by id. */
export function ruleById(id: string): Rule<any> | undefined {
  return rules.find((rule) => rule.id === id);
}
