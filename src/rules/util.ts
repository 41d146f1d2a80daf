/**
 * Small helpers the rules share.
 */
import type { ProjectFile } from '../lint/project.js';
import type { RuleContext } from '../lint/types.js';

/** The two queue files when either is being linted (the checks between them need both). */
export function queuePair(context: RuleContext<any>): { todo: ProjectFile; done: ProjectFile } | undefined {
  const { layout } = context.project.config;
  const involved = context.targets.some((file) => file.kind === 'todo' || file.kind === 'done');
  if (!involved) return undefined;
  return { todo: context.project.file(layout.todo), done: context.project.file(layout.done) };
}

/** The queue files being linted, each with its parsed model. */
export function lintedQueues(context: RuleContext<any>) {
  return context.targets.filter((file) => (file.kind === 'todo' || file.kind === 'done') && file.queue !== undefined);
}

/** Whether `YYYY-MM-DD` names a real calendar day. */
export function isRealDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * Whether a real `YYYY-MM-DD` lies in the future. "Today" is taken in the earliest time zone
 * to reach it (UTC+14), so nobody's today is ever called the future.
 */
export function isFutureDate(value: string, now: Date): boolean {
  return value > latestToday(now);
}

let todayCache: { now: number; today: string } | undefined;

/** Today's date in UTC+14, the last time zone to leave it; cached, as queues ask 50,000 times. */
export function latestToday(now: Date): string {
  if (todayCache?.now !== now.getTime()) todayCache = { now: now.getTime(), today: new Date(now.getTime() + 14 * 3600 * 1000).toISOString().slice(0, 10) };
  return todayCache.today;
}

/** The protocol files of the given kinds among the targets, readable ones only. */
export function targetsOfKind(context: RuleContext<any>, ...kinds: string[]): ProjectFile[] {
  return context.targets.filter((file) => file.kind !== undefined && kinds.includes(file.kind) && file.text !== undefined);
}
