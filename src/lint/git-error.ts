/** Marks git errors from any copy of this module (protocol-lint's first module has its own). */
const BRAND = Symbol.for('relay.GitError');

/** Thrown when git cannot answer; the CLI turns it into exit 2. */
export class GitError extends Error {
  readonly [BRAND] = true;

  /** `instanceof` by brand, not by class: the error may come from the other bundle's copy. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}
