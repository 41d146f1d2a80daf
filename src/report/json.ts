import type { FileResult } from '../lint/types.js';

/** ESLint-compatible JSON: one entry per linted file. */
export function formatJson(results: FileResult[]): string {
  return JSON.stringify(results);
}
