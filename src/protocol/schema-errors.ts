/**
 * Turns ajv's errors into problems a person can read: a dotted key and a reason.
 */
import type { ErrorObject } from 'ajv';

/** A compiled (standalone) ajv validator. */
export type Validator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

/** One schema problem: where (a dotted key) and why. */
export interface SchemaProblem {
  key: string;
  reason: string;
}

/** Turns ajv's errors into `key` + reason pairs a person can read. */
export function describeErrors(errors: ErrorObject[] | null | undefined): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const error of errors ?? []) {
    // An `if`/`then` failure repeats as "must match \"then\" schema"; the `then` branch's own error says what is missing.
    if (error.keyword === 'if') continue;
    const path = error.instancePath.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
    let reason: string;
    if (error.keyword === 'additionalProperties') {
      path.push(String((error.params as { additionalProperty: string }).additionalProperty));
      reason = 'is not a known key';
    } else if (error.keyword === 'enum') {
      reason = `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((value) => `\`${JSON.stringify(value)}\``).join(', ')}`;
    } else if (error.keyword === 'required') {
      path.push(String((error.params as { missingProperty: string }).missingProperty));
      reason = 'is required';
    } else {
      reason = error.message ?? 'is invalid';
    }
    const key = path.length === 0 ? '(top level)' : path.join('.');
    const text = `${key} ${reason}`;
    if (seen.has(text)) continue;
    seen.add(text);
    problems.push({ key, reason });
  }
  return preferSpecific(problems);
}

/** `oneOf` failures repeat a key with every branch's reason; keep the most specific line per key. */
function preferSpecific(problems: SchemaProblem[]): SchemaProblem[] {
  const byKey = new Map<string, SchemaProblem>();
  for (const problem of problems) {
    const existing = byKey.get(problem.key);
    if (!existing || /must match (a|exactly one) schema|must be (array|object)$/.test(existing.reason)) byKey.set(problem.key, problem);
  }
  // A deeper key explains its parent's failure better than the parent's generic line.
  return [...byKey.values()].filter(
    (problem) => !(/must match (a|exactly one) schema/.test(problem.reason) && [...byKey.keys()].some((key) => key !== problem.key && key.startsWith(problem.key + '.'))),
  );
}


/** Runs a validator and describes what failed. */
export function check(validate: Validator, data: unknown): SchemaProblem[] {
  return validate(data) ? [] : describeErrors(validate.errors);
}
