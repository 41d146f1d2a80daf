/**
 * The fleet's queue operations: claim, done, release, handoff, add, status, one file each around one
 * queue transaction (queue-transaction.ts). Every write takes the queue lock, re-reads both
 * files under it, and replaces them atomically, so 200 agents claiming at once never get the
 * same URL and no update is lost. Lines an operation does not own are kept byte for byte.
 */
export { addUrls, type AddOptions, type AddResult } from './queue-add.js';
export { claimUrls, type Claim, type ClaimOptions, type ClaimResult } from './queue-claim.js';
export { completeUrls, type Completion, type DoneOptions, type DoneResult } from './queue-done.js';
export {
  configuredTtlHours,
  DEFAULT_TTL_HOURS,
  DONE_HEADING,
  isStaleClaim,
  QUEUE_LOCK,
  queueFileExists,
  queuePaths,
  TODO_HEADING,
  type OperationFailure,
  type QueuePaths,
  type Rejection,
} from './queue-files.js';
export { handoffUrls, type Handoff, type HandoffOptions, type HandoffResult } from './queue-handoff.js';
export { releaseUndelivered, releaseUrls, type Release, type ReleaseOptions, type ReleaseResult, type UndeliveredOptions } from './queue-release.js';
export { queueStatus, type QueueStatus } from './queue-status.js';
