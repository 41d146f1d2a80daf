import { loadFrontMatterSupport, type Project } from '../lint/project.js';
import type { Rule } from '../lint/types.js';
import { tooBigMessage } from '../protocol/regular-file.js';
import { validateFinalFrontMatter } from '../protocol/schemas.js';
import { judgeVerdict, rootRelativePath, sha256Hex, type VerdictProblem } from '../protocol/verdict.js';
import { frontMatterData, lintedQueues, reportSchemaProblems, targetsOfKind } from './util.js';

const SCHEMA_FILE = 'schemas/final.schema.json';
const HOW_TO_APPROVE = 'have a reviewer approve the draft (front matter `verdict: approved`, `reviewer`, `reviewed`, `draft_sha256`) or take the URL out of the done queue until then';

/** Draft hashes by path, per project: several done items may share one final. */
const draftHashes = new WeakMap<Project, Map<string, string | { error: string } | undefined>>();

/** The SHA-256 of a file's bytes as the lint reads it (working tree or index), `{ error }` when it is too big, or undefined when it cannot be read. */
function hashOf(project: Project, path: string): string | { error: string } | undefined {
  let known = draftHashes.get(project);
  if (!known) draftHashes.set(project, (known = new Map()));
  if (known.has(path)) return known.get(path);
  const limit = project.config.maxDocumentBytes;
  const result = project.source.read(path, limit);
  // A file over the limit comes back with its size and no bytes: it is not read, and said so.
  const hash = !result.ok ? undefined : result.buffer ? sha256Hex(result.buffer) : { error: tooBigMessage(path, result.size ?? limit + 1, limit) };
  known.set(path, hash);
  return hash;
}

/** What is wrong with a done item's final, said for the message. */
function describe(final: string, problem: VerdictProblem): string {
  switch (problem.kind) {
    case 'no-verdict':
      return `whose final \`${final}\` has no \`verdict\`, expected \`verdict: approved\` on the draft as it is now; ${HOW_TO_APPROVE}`;
    case 'changes-requested':
      return `whose final \`${final}\` has \`verdict: changes-requested\`, expected \`verdict: approved\`; revise the draft and have it reviewed again, or take the URL out of the done queue`;
    case 'unknown-verdict':
      return `whose final \`${final}\` has \`verdict: ${problem.verdict}\`, expected \`verdict: approved\` (or \`changes-requested\`); ${HOW_TO_APPROVE}`;
    case 'incomplete':
      return `whose final \`${final}\` approves without ${problem.missing.map((key) => `\`${key}\``).join(' and ')}, expected the reviewed draft's path and SHA-256 so the approval is of the draft as it is now; add them`;
    case 'outside-root':
      return `whose final \`${final}\` approves \`${problem.reviewed}\`, expected the draft's path from the root (like \`review/draft-001.mdx\`); fix \`reviewed\``;
    case 'draft-missing':
      return `whose final \`${final}\` approves \`${problem.reviewed}\`, which does not exist, expected the reviewed draft; fix \`reviewed\` or restore the draft`;
    case 'draft-unreadable':
      return `whose final \`${final}\` approves \`${problem.reviewed}\`, which cannot be hashed: ${problem.error}`;
    case 'stale':
      return `whose final \`${final}\` approves \`${problem.reviewed}\` at \`${problem.recorded.slice(0, 12)}…\`, but the draft is now \`${problem.actual.slice(0, 12)}…\`, expected an approval of the draft as it is now; have it reviewed again and update \`draft_sha256\``;
  }
}

/** A done item whose output is a final without an approving verdict on the draft's current content. */
export const reviewVerdict: Rule = {
  id: 'review-verdict',
  description: "A done item whose `output` is a final without an approving verdict on the draft's current content",
  severity: 'error',
  docs: {
    rationale:
      'A URL is done when its final is approved, and approved means the draft as it is now: a draft edited after the review was not reviewed. The reviewer writes the verdict into the final\'s front matter: `verdict` (`approved` or `changes-requested`), `reviewer` (its agent id), `reviewed` (the draft\'s path from the root, like `review/draft-001.mdx`) and `draft_sha256` (the SHA-256 of the draft file\'s bytes, in hex: `sha256sum review/draft-001.mdx`). A done item in `urls_done.md` whose annotation names a final (`output review/final-001.mdx`, as `relay done --output` writes it) is reported when that final has no verdict, asks for changes, approves without `reviewed` and `draft_sha256`, or approves a draft whose bytes have changed since. `relay done --output` refuses the same finals. Verdict fields of the wrong shape in any final are reported against `schemas/final.schema.json`. Only the drafts of done items with a final `output` are read to be hashed.',
    examples: [
      {
        title: 'No verdict, changes requested, and a draft edited after its approval',
        files: {
          'urls_done.md':
            '# Completed URLs\n- https://example.com/a (completed 2026-03-19, by reviewer-1, output review/final-001.mdx)\n- https://example.com/b (completed 2026-03-19, output review/final-002.mdx)\n- https://example.com/c (completed 2026-03-19, output review/final-003.mdx)\n',
          'review/draft-003.mdx': '# Draft, edited after review\n',
          'review/final-001.mdx': '# Final\n',
          'review/final-002.mdx': '---\nverdict: changes-requested\nreviewer: reviewer-1\n---\n# Final\n',
          'review/final-003.mdx':
            '---\nverdict: approved\nreviewer: reviewer-1\nreviewed: review/draft-003.mdx\ndraft_sha256: 8d7d3f1e0e0c5b2f3a1c7a6e5b4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d\n---\n# Final\n',
        },
        messages: [
          'urls_done.md:2:3 Unexpected done item whose final `review/final-001.mdx` has no `verdict`, expected `verdict: approved` on the draft as it is now; have a reviewer approve the draft (front matter `verdict: approved`, `reviewer`, `reviewed`, `draft_sha256`) or take the URL out of the done queue until then',
          'urls_done.md:3:3 Unexpected done item whose final `review/final-002.mdx` has `verdict: changes-requested`, expected `verdict: approved`; revise the draft and have it reviewed again, or take the URL out of the done queue',
          'urls_done.md:4:3 Unexpected done item whose final `review/final-003.mdx` approves `review/draft-003.mdx` at `8d7d3f1e0e0c…`, but the draft is now `d854a4b22741…`, expected an approval of the draft as it is now; have it reviewed again and update `draft_sha256`',
        ],
      },
      {
        title: 'Verdict fields of the wrong shape',
        files: {
          'review/final-001.mdx': '---\nverdict: lgtm\nreviewer: reviewer-1\n---\n# Final\n',
          'review/final-002.mdx': '---\nverdict: approved\nreviewer: reviewer-1\nreviewed: review/draft-002.mdx\ndraft_sha256: abc\n---\n# Final\n',
        },
        messages: [
          'review/final-001.mdx:2:1 Unexpected `verdict` value `lgtm` in the front matter, expected it to be one of `"approved"`, `"changes-requested"`; fix it (see schemas/final.schema.json)',
          'review/final-002.mdx:5:1 Unexpected `draft_sha256` value `abc` in the front matter, expected it to be the SHA-256 of the draft, 64 lower-case hex digits; fix it (see schemas/final.schema.json)',
        ],
      },
      {
        title: 'An approval of the draft as it is',
        files: {
          'urls_done.md': '# Completed URLs\n- https://example.com/a (completed 2026-03-19, by reviewer-1, output review/final-001.mdx)\n- https://example.com/b (completed 2026-03-19, output review/draft-002.mdx)\n',
          'review/draft-001.mdx': '# Draft\n',
          'review/final-001.mdx':
            '---\nverdict: approved\nreviewer: reviewer-1\nreviewed: review/draft-001.mdx\ndraft_sha256: c47fffce7ab6215da4633829b59605e9bdf14fb3d49b6ac0fe8105e639b9c4f9\n---\n# Final\n',
        },
        messages: [],
      },
    ],
  },
  async check(context) {
    for (const file of targetsOfKind(context, 'final')) {
      const data = frontMatterData(file);
      if (data === undefined) continue;
      const problems = validateFinalFrontMatter(data).map(({ key, reason }) =>
        key === 'draft_sha256' && reason.startsWith('must match pattern') ? { key, reason: 'must be the SHA-256 of the draft, 64 lower-case hex digits' } : key === 'reviewed' && reason.startsWith('must match pattern') ? { key, reason: "must be the draft's path from the root, like `review/draft-001.mdx`" } : { key, reason },
      );
      reportSchemaProblems(context, file, data, problems, SCHEMA_FILE);
    }

    const { project } = context;
    for (const queue of lintedQueues(context)) {
      if (queue.kind !== 'done') continue;
      for (const item of queue.queue!.items) {
        if (item.output === undefined) continue;
        const output = rootRelativePath(item.output);
        // Only finals carry verdicts; an output outside the root is not a final of this tree.
        if (output === undefined || project.file(output).kind !== 'final') continue;
        const final = project.file(output);
        if (!project.pathExists(output)) {
          context.report({
            file: queue.path,
            line: item.line,
            column: item.column,
            message: `Unexpected done item whose output \`${item.output}\` does not exist, expected the reviewed final; write it, or fix the \`output\` path`,
          });
          continue;
        }
        if (final.text === undefined) continue; // file-encoding or file-unreadable reports it
        // A queue-only run (a hook after an edit to urls_done.md) has not loaded the front matter reader.
        await loadFrontMatterSupport();
        const frontMatter = final.frontMatter;
        if (frontMatter.present && !frontMatter.ok) continue; // frontmatter-syntax reports it
        const problem = judgeVerdict(frontMatterData(final), (path) => hashOf(project, path));
        if (problem) context.report({ file: queue.path, line: item.line, column: item.column, message: `Unexpected done item ${describe(output, problem)}` });
      }
    }
  },
};
