/** `relay status` and the briefing: counts of the queues, read without the lock. */
import type { Config } from '../protocol/config.js';
import type { QueueItem } from '../protocol/queue.js';
import { isStaleClaim, loadQueues, type OperationFailure, type Queues } from './queue-files.js';

/** Counts of the queues, for `relay status` and the briefing. */
export interface QueueStatus {
  ok: true;
  todoExists: boolean;
  doneExists: boolean;
  /** Distinct pending URLs not also done. */
  pending: number;
  claimed: number;
  unclaimed: number;
  done: number;
  /** Claims per agent, stale ones included. */
  claimsByAgent: Record<string, number>;
  staleClaims: { url: string; agent: string; at?: string; line: number }[];
  /** The next URLs `relay claim` would take. */
  next: string[];
  /** URLs in both files (done wins; `protocol-lint --fix` removes them from urls_todo.md). */
  overlap: number;
  /** Lines that repeat a URL already listed in the same file. */
  duplicates: number;
  /** List items that are not queue items. */
  syntaxProblems: number;
  ttlHours: number;
}

/** Reads the queues without the lock (reading todo first never misses a URL that is moving to done). */
export function queueStatus(root: string, config: Config, options: StatusOptions): QueueStatus | OperationFailure {
  const loaded = loadQueues(root, config);
  if (!loaded.ok) return loaded;
  return statusOfQueues(loaded.queues, options);
}

/** What {@link queueStatus} counts by. */
export interface StatusOptions {
  now: Date;
  ttlHours: number;
  /** How many of the next URLs to list (default 5). */
  next?: number;
}

/** The counts of queues already read (the dashboard reads them once for the counts and the burn-down). */
export function statusOfQueues(queues: Queues, options: StatusOptions): QueueStatus {
  const { todo, done, doneKeys, todoText, doneText } = queues;
  const seen = new Set<string>();
  const claimsByAgent: Record<string, number> = {};
  const staleClaims: QueueStatus['staleClaims'] = [];
  const next: string[] = [];
  let claimed = 0;
  let unclaimed = 0;
  let overlap = 0;
  let duplicates = 0;
  // The first claimed line of each URL speaks for it.
  const claimLines = new Map<string, QueueItem>();
  for (const item of todo.items) if (item.claim && !claimLines.has(item.key)) claimLines.set(item.key, item);
  for (const item of todo.items) {
    if (seen.has(item.key)) {
      duplicates++;
      continue;
    }
    seen.add(item.key);
    if (doneKeys.has(item.key)) {
      overlap++;
      continue;
    }
    const claim = claimLines.get(item.key);
    if (claim) {
      claimed++;
      const agent = claim.claim!.agent;
      claimsByAgent[agent] = (claimsByAgent[agent] ?? 0) + 1;
      if (isStaleClaim(claim, options.now, options.ttlHours)) {
        const entry: QueueStatus['staleClaims'][number] = { url: claim.url, agent, line: claim.line };
        if (claim.claim!.at !== undefined) entry.at = claim.claim!.at;
        staleClaims.push(entry);
      }
    } else {
      unclaimed++;
      if (next.length < (options.next ?? 5)) next.push(item.url);
    }
  }
  duplicates += done.items.length - doneKeys.size;
  return {
    ok: true,
    todoExists: todoText !== undefined,
    doneExists: doneText !== undefined,
    pending: claimed + unclaimed,
    claimed,
    unclaimed,
    done: doneKeys.size,
    claimsByAgent,
    staleClaims,
    next,
    overlap,
    duplicates,
    syntaxProblems: todo.problems.length + done.problems.length,
    ttlHours: options.ttlHours,
  };
}
