/**
 * The gate of `relay done --output`: a final may be recorded as done only when it approves its
 * draft as the draft is now. The judgement is `judgeVerdict`, the one the `review-verdict`
 * rule makes, so the command refuses exactly the finals the linter would report.
 */
import { realpathSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { classifyPath } from '../protocol/layout.js';
import type { Config } from '../protocol/config.js';
import { readFrontMatter } from '../protocol/frontmatter.js';
import { NotRegularFileError, readRegularFile } from '../protocol/regular-file.js';
import { judgeVerdict, rootRelativePath, sha256Hex, type VerdictProblem } from '../protocol/verdict.js';

/** Why a final cannot be recorded as done: a verdict problem, or a final that cannot be read. */
export type FinalProblem = VerdictProblem | { kind: 'final-missing' } | { kind: 'front-matter'; reason: string };

/** Whether `output` (as given to `relay done --output`) names a final of this tree; only finals carry verdicts. */
export function isFinalOutput(output: string, config: Config): boolean {
  const path = rootRelativePath(output);
  if (path === undefined) return false;
  const classified = classifyPath(path, config.layout);
  return 'kind' in classified && classified.kind === 'final';
}

/** What keeps the final at `output` from approving its draft as it is now; undefined when it approves. */
export function finalApprovalProblem(root: string, output: string): FinalProblem | undefined {
  const path = rootRelativePath(output);
  const bytes = path === undefined ? undefined : readInsideRoot(root, path);
  if (bytes === undefined) return { kind: 'final-missing' };
  const frontMatter = readFrontMatter(bytes.toString('utf8').replace(/^\uFEFF/, ''));
  if (frontMatter.present && !frontMatter.ok) return { kind: 'front-matter', reason: frontMatter.reason };
  const data = frontMatter.present && frontMatter.ok ? frontMatter.data : undefined;
  return judgeVerdict(data, (draft) => {
    const draftBytes = readInsideRoot(root, draft);
    return draftBytes === undefined ? undefined : sha256Hex(draftBytes);
  });
}

/** A regular file's bytes at a root-relative path whose real location is inside the root; undefined otherwise. */
function readInsideRoot(root: string, path: string): Buffer | undefined {
  let real: string;
  try {
    real = realpathSync(join(root, path));
  } catch {
    return undefined;
  }
  const fromRoot = relative(realpathSync(root), real);
  // A link out of the root is no file of this tree (a cloned repository is untrusted input).
  if (fromRoot === '' || fromRoot === '..' || fromRoot.startsWith(`..${sep}`)) return undefined;
  try {
    return readRegularFile(real);
  } catch (error) {
    // A FIFO or device is no final or draft; anything else is a fault to report.
    if (error instanceof NotRegularFileError) return undefined;
    throw error;
  }
}
