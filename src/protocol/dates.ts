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
