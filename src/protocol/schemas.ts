/**
 * JSON Schema validation of front matter. The validators are compiled by ajv at build time
 * (standalone code in src/generated/, one module per schema), so no run pays for compiling
 * schemas or loading ajv, and a run loads only the validators it uses.
 */
import { validatePlan } from '../generated/validate-plan.js';
import { validateFinal } from '../generated/validate-final.js';
import { validatePostmortem } from '../generated/validate-postmortem.js';
import { validateSession } from '../generated/validate-session.js';
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

/** Validates the verdict fields of a final's front matter. */
export function validateFinalFrontMatter(data: unknown): SchemaProblem[] {
  return check(validateFinal, data);
}

/** Validates session record front matter. */
export function validateSessionFrontMatter(data: unknown): SchemaProblem[] {
  return check(validateSession, data);
}
