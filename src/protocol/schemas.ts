/**
 * JSON Schema validation of front matter. The validators are compiled by ajv at build time
 * (standalone code in src/generated/, one module per schema), so no run pays for compiling
 * schemas or loading ajv, and a run loads only the validators it uses.
 */
import { validatePlan } from '../generated/validate-plan.js';
import { validatePostmortem } from '../generated/validate-postmortem.js';
import { check, type SchemaProblem } from './schema-errors.js';

export type { SchemaProblem } from './schema-errors.js';

/** Validates plan front matter. */
export function validatePlanFrontMatter(data: unknown): SchemaProblem[] {
  return check(validatePlan, data);
}

/** Validates postmortem front matter. */
export function validatePostmortemFrontMatter(data: unknown): SchemaProblem[] {
  return check(validatePostmortem, data);
}
