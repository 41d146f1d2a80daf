/**
 * The reviewer's verdict in a final's front matter (PROTOCOL §8): `verdict`, `reviewer`,
 * `reviewed` (the draft's path from the root) and `draft_sha256` (the SHA-256 of the draft's
 * bytes). One judgement shared by the `review-verdict` rule and `relay done --output`, so the
 * linter and the command refuse the same finals.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';

/** Why a final does not approve its draft as it is now; undefined when it does. */
export type VerdictProblem =
  | { kind: 'no-verdict' }
  | { kind: 'changes-requested' }
  | { kind: 'unknown-verdict'; verdict: string }
  | { kind: 'incomplete'; missing: string[] }
  | { kind: 'outside-root'; reviewed: string }
  | { kind: 'draft-missing'; reviewed: string }
  | { kind: 'draft-unreadable'; reviewed: string; error: string }
  | { kind: 'stale'; reviewed: string; recorded: string; actual: string };

/** The SHA-256 of bytes, in lower-case hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A root-relative path from a front matter or annotation value (`./a/b` → `a/b`), or undefined when it leaves the root. */
export function rootRelativePath(value: string): string | undefined {
  if (value === '' || value.startsWith('/') || value.includes('\\') || value.includes('\0')) return undefined;
  const normalized = posix.normalize(value);
  if (normalized === '..' || normalized.startsWith('../') || normalized === '.') return undefined;
  return normalized;
}

/**
 * Judges a final's front matter data. `draftHash` returns the SHA-256 hex of the file at a
 * root-relative path, `{ error }` when it exists but may not be read (too big, say), or
 * undefined when there is no such file.
 */
export function judgeVerdict(data: Record<string, unknown> | undefined, draftHash: (path: string) => string | { error: string } | undefined): VerdictProblem | undefined {
  const verdict = data?.verdict;
  if (verdict === undefined || verdict === null) return { kind: 'no-verdict' };
  if (verdict === 'changes-requested') return { kind: 'changes-requested' };
  if (verdict !== 'approved') return { kind: 'unknown-verdict', verdict: String(verdict) };
  const missing = ['reviewed', 'draft_sha256'].filter((key) => typeof data![key] !== 'string' || data![key] === '');
  if (missing.length > 0) return { kind: 'incomplete', missing };
  const reviewed = data!.reviewed as string;
  const recorded = (data!.draft_sha256 as string).toLowerCase();
  const path = rootRelativePath(reviewed);
  if (path === undefined) return { kind: 'outside-root', reviewed };
  const actual = draftHash(path);
  if (actual === undefined) return { kind: 'draft-missing', reviewed };
  if (typeof actual !== 'string') return { kind: 'draft-unreadable', reviewed, error: actual.error };
  if (actual !== recorded) return { kind: 'stale', reviewed, recorded, actual };
  return undefined;
}
