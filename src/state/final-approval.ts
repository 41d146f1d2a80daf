/**
 * The gate of `relay done --output`: a final may be recorded as done only when it approves its
 * draft as the draft is now. The judgement is `judgeVerdict`, the one the `review-verdict`
 * rule makes, so the command refuses exactly the finals the linter would report.
 */
import { classifyPath } from '../protocol/layout.js';
import type { Config } from '../protocol/config.js';
import { readFrontMatter } from '../protocol/frontmatter.js';
import { readDocument } from '../protocol/regular-file.js';
import { judgeVerdict, rootRelativePath, sha256Hex, type VerdictProblem } from '../protocol/verdict.js';

/** Why a final cannot be recorded as done: a verdict problem, or a final that cannot be read. */
export type FinalProblem = VerdictProblem | { kind: 'final-missing' } | { kind: 'final-unreadable'; error: string } | { kind: 'front-matter'; reason: string };

/** Whether `output` (as given to `relay done --output`) names a final of this tree; only finals carry verdicts. */
export function isFinalOutput(output: string, config: Config): boolean {
  const path = rootRelativePath(output);
  if (path === undefined) return false;
  const classified = classifyPath(path, config.layout);
  return 'kind' in classified && classified.kind === 'final';
}

/**
 * What keeps the final at `output` from approving its draft as it is now; undefined when it
 * approves. The final and the draft are read as every reader reads a document: inside the root,
 * regular files, at most `maxDocumentBytes`.
 */
export function finalApprovalProblem(root: string, config: Config, output: string): FinalProblem | undefined {
  const path = rootRelativePath(output);
  const final = path === undefined ? undefined : readDocument(root, path, config.maxDocumentBytes);
  if (final === undefined) return { kind: 'final-missing' };
  if (!final.ok) return { kind: 'final-unreadable', error: final.error };
  const frontMatter = readFrontMatter(final.bytes.toString('utf8').replace(/^\uFEFF/, ''));
  if (frontMatter.present && !frontMatter.ok) return { kind: 'front-matter', reason: frontMatter.reason };
  const data = frontMatter.present && frontMatter.ok ? frontMatter.data : undefined;
  return judgeVerdict(data, (draft) => {
    const read = readDocument(root, draft, config.maxDocumentBytes);
    return read === undefined ? undefined : read.ok ? sha256Hex(read.bytes) : { error: read.error };
  });
}
