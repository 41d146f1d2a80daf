/**
 * Calendar dates as the protocol writes them (`YYYY-MM-DD`).
 */

/** Whether `YYYY-MM-DD` names a real calendar day. */
export function isRealDate(value: string): boolean {
  // A done queue of 50,000 items holds a few hundred distinct days: each is judged once.
  const known = verdicts.get(value);
  if (known !== undefined) return known;
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  let real = false;
  if (match) {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const date = new Date(Date.UTC(year, month - 1, day));
    real = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  }
  if (verdicts.size < 10_000) verdicts.set(value, real);
  return real;
}

/** `isRealDate`'s answers so far. */
const verdicts = new Map<string, boolean>();

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

/** `YYYY-MM-DD`, optionally `THH:MM`, `:SS`, fractions and a zone (`Z` or `±HH:MM`). */
const ISO_TIME = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):?(\d{2}))?)?$/;

/**
 * An ISO 8601 time as a Date, or undefined when it is not one or names a day or hour that
 * does not exist. `new Date` alone is too lenient: it reads `2026-02-30` as March 2 and
 * `1` as a year.
 */
export function parseIsoTime(value: string): Date | undefined {
  const match = ISO_TIME.exec(value);
  if (!match || !isRealDate(match[1]!)) return undefined;
  const [, , hours, minutes, seconds, zone, zoneHours, zoneMinutes] = match;
  if (hours !== undefined && (Number(hours) > 23 || Number(minutes) > 59 || Number(seconds ?? 0) > 59)) return undefined;
  if (zone !== undefined && zone !== 'Z' && (Number(zoneHours) > 23 || Number(zoneMinutes) > 59)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
