/** `relay status` and the briefing: counts of the queues, read without the lock. */
import type { Config } from '../protocol/config.js';
import { parseQueueLineAt, walkQueue, type QueueFile, type QueueItem } from '../protocol/queue.js';
import { readClaimRefs, type ClaimRefs } from '../claims/view.js';
import { queuePaths, readQueueText, type OperationFailure, type Queues } from './queue-files.js';

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

/**
 * Reads the queues without the lock (reading todo first never misses a URL that is moving to
 * done) and counts them as they are read: no item is kept.
 */
export function queueStatus(root: string, config: Config, options: StatusOptions): QueueStatus | OperationFailure {
  const paths = queuePaths(root, config);
  const todo = readQueueText(paths.todo, config.layout.todo, false);
  if (!todo.ok) return todo;
  const done = readQueueText(paths.done, config.layout.done, false);
  if (!done.ok) return done;
  return countQueues(todo.text, done.text, { refs: readClaimRefs(root), ...options });
}

/** What {@link queueStatus} counts by. */
export interface StatusOptions {
  now: Date;
  ttlHours: number;
  /** How many of the next URLs to list (default 5). */
  next?: number;
  /** The claims and completions every worktree shares (src/claims/view.ts), when in git. */
  refs?: ClaimRefs | undefined;
}

/** The counts of queues already parsed (the dashboard parses them once for the counts and the burn-down). */
export function statusOfQueues(queues: Queues, options: StatusOptions): QueueStatus {
  return countQueues(queues.todoText === undefined ? undefined : queues.todo, queues.doneText === undefined ? undefined : queues.done, options);
}

/** A queue the counts walk: parsed, or its text (read item by item through the queue reader, no item kept); undefined when the file does not exist. */
export type CountedQueue = QueueFile | string | undefined;

/** Calls `visit` with each item of a queue in file order; returns how many list lines are not items. */
function eachItem(queue: CountedQueue, visit: (item: QueueItem) => void): number {
  if (queue === undefined) return 0;
  if (typeof queue !== 'string') {
    for (const item of queue.items) visit(item);
    return queue.problems.length;
  }
  let problems = 0;
  walkQueue(queue, (start, end, line) => {
    const parsed = parseQueueLineAt(queue, start, end, line);
    if (parsed === undefined) return;
    if ('key' in parsed) visit(parsed);
    else problems++;
  });
  return problems;
}

/**
 * THE count of the queues, for `relay status`, the briefing and the dashboard alike: distinct
 * pending URLs not done, split by whether the URL is claimed (the first claimed line speaks for
 * it, else a claim ref of another worktree), and distinct done URLs. A pending URL another
 * worktree completed (its ref says so) counts as done: it is never free.
 */
export function countQueues(todo: CountedQueue, done: CountedQueue, options: StatusOptions): QueueStatus {
  const { refs } = options;
  const doneKeys = new Set<string>();
  let doneLines = 0;
  let syntaxProblems = eachItem(done, (item) => {
    doneLines++;
    doneKeys.add(item.key);
  });
  // Each pending URL once, in file order, with its first claimed line.
  const first = new Map<string, string>();
  const claims = new Map<string, QueueItem>();
  const lines = new Map<string, number>();
  let duplicates = doneLines - doneKeys.size;
  syntaxProblems += eachItem(todo, (item) => {
    if (first.has(item.key)) duplicates++;
    else {
      first.set(item.key, item.url);
      // Lines are kept only for the stale claims a ref may hold (usually none).
      if (refs && refs.claimed.size > 0) lines.set(item.key, item.line);
    }
    if (item.claim && !claims.has(item.key)) claims.set(item.key, item);
  });
  const claimsByAgent: Record<string, number> = {};
  const staleClaims: QueueStatus['staleClaims'] = [];
  const next: string[] = [];
  let claimed = 0;
  let unclaimed = 0;
  let overlap = 0;
  let doneElsewhere = 0;
  for (const [key, url] of first) {
    if (doneKeys.has(key)) {
      overlap++;
      continue;
    }
    if (refs?.completed.has(key)) {
      doneElsewhere++;
      continue;
    }
    const line = claims.get(key);
    const holder = line ? { ...line.claim!, url: line.url, line: line.line } : refs?.claimed.has(key) ? { ...refs.claimed.get(key)!, url, line: lines.get(key) ?? 0 } : undefined;
    if (holder) {
      claimed++;
      claimsByAgent[holder.agent] = (claimsByAgent[holder.agent] ?? 0) + 1;
      if (isStale(holder.at, options)) {
        const entry: QueueStatus['staleClaims'][number] = { url: holder.url, agent: holder.agent, line: holder.line };
        if (holder.at !== undefined) entry.at = holder.at;
        staleClaims.push(entry);
      }
    } else {
      unclaimed++;
      if (next.length < (options.next ?? 5)) next.push(url);
    }
  }
  return {
    ok: true,
    todoExists: todo !== undefined,
    doneExists: done !== undefined,
    pending: claimed + unclaimed,
    claimed,
    unclaimed,
    done: doneKeys.size + doneElsewhere,
    claimsByAgent,
    staleClaims,
    next,
    overlap,
    duplicates,
    syntaxProblems,
    ttlHours: options.ttlHours,
  };
}

/** Whether a claim made `at` is older than the TTL; a claim with no readable time counts as stale (as `isStaleClaim` judges a line). */
function isStale(at: string | undefined, options: StatusOptions): boolean {
  const time = at === undefined ? Number.NaN : Date.parse(at);
  return Number.isNaN(time) || options.now.getTime() - time > options.ttlHours * 3_600_000;
}
