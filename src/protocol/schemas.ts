/**
 * JSON Schema validation with ajv for the config file and front matter. Validators are
 * compiled on first use, so a run that meets no front matter never pays for ajv.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import configSchema from '../../schemas/config.schema.json' with { type: 'json' };
import planSchema from '../../schemas/plan.schema.json' with { type: 'json' };
import postmortemSchema from '../../schemas/postmortem.schema.json' with { type: 'json' };

let ajv: Ajv | undefined;
const compiled = new Map<object, ValidateFunction>();

function validator(schema: object): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    ajv ??= new Ajv({ allErrors: true, strict: false });
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

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
  return collapseAlternatives(problems);
}

/** `oneOf`/`anyOf` failures repeat one key with every branch's reason; keep one line per key. */
function collapseAlternatives(problems: SchemaProblem[]): SchemaProblem[] {
  const byKey = new Map<string, SchemaProblem>();
  for (const problem of problems) {
    const existing = byKey.get(problem.key);
    if (!existing) byKey.set(problem.key, problem);
    else if (/must match (a|exactly one) schema/.test(existing.reason)) byKey.set(problem.key, problem);
  }
  return [...byKey.values()];
}

function check(schema: object, data: unknown): SchemaProblem[] {
  const validate = validator(schema);
  return validate(data) ? [] : describeErrors(validate.errors);
}

/** Validates a parsed config file; returns `key reason` lines. */
export function validateConfigSchema(data: unknown): string[] {
  return check(configSchema, data).map((problem) => `\`${problem.key}\` ${problem.reason}`);
}

/** Validates plan front matter. */
export function validatePlanFrontMatter(data: unknown): SchemaProblem[] {
  return check(planSchema, data);
}

/** Validates postmortem front matter. */
export function validatePostmortemFrontMatter(data: unknown): SchemaProblem[] {
  return check(postmortemSchema, data);
}
