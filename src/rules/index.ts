/**
 * The ordered rule registry. Ids are stable and never reused (PROTOCOL §3).
 */
import type { Rule } from '../lint/types.js';
import { claudeMdProtocol } from './claude-md-protocol.js';
import { fileEncoding } from './file-encoding.js';
import { fileUnreadable } from './file-unreadable.js';
import { frontmatterSyntax } from './frontmatter-syntax.js';
import { layoutDuplicateId } from './layout-duplicate-id.js';
import { layoutFileName } from './layout-file-name.js';
import { layoutMisplacedFile } from './layout-misplaced-file.js';
import { layoutUnknownFile } from './layout-unknown-file.js';
import { linkBroken } from './link-broken.js';
import { mergeConflictMarker } from './merge-conflict-marker.js';
import { planFrontmatterSchema } from './plan-frontmatter-schema.js';
import { planTitle } from './plan-title.js';
import { postmortemDate } from './postmortem-date.js';
import { postmortemPlaceholder } from './postmortem-placeholder.js';
import { postmortemPreventionEnforced } from './postmortem-prevention-enforced.js';
import { postmortemSchema } from './postmortem-schema.js';
import { postmortemSections } from './postmortem-sections.js';
import { postmortemTitle } from './postmortem-title.js';
import { queueClaimConflict } from './queue-claim-conflict.js';
import { queueDoneDate } from './queue-done-date.js';
import { queueDuplicate } from './queue-duplicate.js';
import { queueItemSyntax } from './queue-item-syntax.js';
import { queueOverlap } from './queue-overlap.js';
import { queueStaleClaim } from './queue-stale-claim.js';
import { reviewOrphanDraft } from './review-orphan-draft.js';
import { reviewVerdict } from './review-verdict.js';
import { sessionSchema } from './session-schema.js';
import { sessionUnlogged } from './session-unlogged.js';
import { waveInheritance } from './wave-inheritance.js';
import { waveSequence } from './wave-sequence.js';

/** Every rule, in the order they run and are documented (the order of PROTOCOL §3). */
export const rules: Rule<any>[] = [
  layoutMisplacedFile,
  layoutFileName,
  layoutUnknownFile,
  layoutDuplicateId,
  queueOverlap,
  queueDuplicate,
  queueItemSyntax,
  queueDoneDate,
  queueStaleClaim,
  queueClaimConflict,
  postmortemTitle,
  postmortemDate,
  postmortemSections,
  postmortemPlaceholder,
  postmortemSchema,
  frontmatterSyntax,
  planFrontmatterSchema,
  planTitle,
  reviewOrphanDraft,
  waveSequence,
  linkBroken,
  mergeConflictMarker,
  claudeMdProtocol,
  fileEncoding,
  fileUnreadable,
  reviewVerdict,
  postmortemPreventionEnforced,
  waveInheritance,
  sessionUnlogged,
  sessionSchema,
];

/** A rule by id. */
export function ruleById(id: string): Rule<any> | undefined {
  return rules.find((rule) => rule.id === id);
}
