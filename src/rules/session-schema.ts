import type { Rule } from '../lint/types.js';
import { validateSessionFrontMatter } from '../protocol/schemas.js';
import { frontMatterData, frontMatterPosition, reportSchemaProblems, targetsOfKind } from './util.js';

const SCHEMA_FILE = 'schemas/session.schema.json';

/** Readable reasons for the schema's patterns, by the last part of the key. */
const PATTERN_REASONS: Record<string, string> = {
  started: 'must be an ISO 8601 date-time with a zone, like `2026-03-19T10:00:00Z`',
  ended: 'must be an ISO 8601 date-time with a zone, like `2026-03-19T10:00:00Z`',
  sha256: 'must be the SHA-256 of the file, 64 lower-case hex digits',
  claimed: 'must be an absolute http(s) URL',
  done: 'must be an absolute http(s) URL',
  session_id: 'must be 1 to 128 letters, digits, `.`, `_` or `-`',
};

/** The schema's problems, with its long patterns said in words. */
function readableProblems(data: unknown): { key: string; reason: string }[] {
  return validateSessionFrontMatter(data).map(({ key, reason }) => {
    if (!reason.startsWith('must match pattern') || reason === 'must match pattern "\\S"') return { key, reason };
    const parts = key.split('.');
    const named = PATTERN_REASONS[parts[parts.length - 1]!] ?? PATTERN_REASONS[parts[0]!];
    return { key, reason: named ?? reason };
  });
}

/** A session record whose front matter does not match its schema or its file name. */
export const sessionSchema: Rule = {
  id: 'session-schema',
  description: 'A session record (`sessions/<session-id>.md`) whose front matter does not match `schemas/session.schema.json` or its file name',
  severity: 'error',
  docs: {
    rationale:
      'The session ledger (`sessions/<session-id>.md`, PROTOCOL §8) is how the next session learns that one started and never logged. Its YAML front matter is checked against `schemas/session.schema.json`, which ships with relay: `session_id` (the file name without `.md`), `agent`, `role`, `run` (optional), `started` (an ISO 8601 date-time with a zone), `status` (open, logged, failed, recovered), `briefing` (the files the briefing read, each `{path, sha256}`), and once the session logs: `ended` (required when `status` is `logged`), `claimed` and `done` (URLs), `findings` (the log it wrote), `changed` (files) and, for a failed session, `reason`. Other keys are refused, so a typo does not silently drop a field. `relay session start` and `relay session end` write these records; front matter that does not parse is `frontmatter-syntax`\'s to report.',
    examples: [
      {
        title: 'A record without front matter, one with wrong values, and one named for another session',
        files: {
          'sessions/empty.md': '# Session\n',
          'sessions/s-1.md': '---\nsession_id: s-1\nagent: writer-1\nrole: writer\nstarted: yesterday\nstatus: done\nbriefing:\n  - path: urls_todo.md\n---\n',
          'sessions/s-2.md': '---\nsession_id: s-3\nagent: writer-2\nrole: writer\nstarted: 2026-03-19T10:00:00Z\nstatus: logged\n---\n',
        },
        messages: [
          'sessions/empty.md:1:1 Unexpected session record without front matter, expected the YAML fields of schemas/session.schema.json; `relay session start` writes them',
          'sessions/s-1.md:5:1 Unexpected `started` value `yesterday` in the front matter, expected it to be an ISO 8601 date-time with a zone, like `2026-03-19T10:00:00Z`; fix it (see schemas/session.schema.json)',
          'sessions/s-1.md:6:1 Unexpected `status` value `done` in the front matter, expected it to be one of `"open"`, `"logged"`, `"failed"`, `"recovered"`; fix it (see schemas/session.schema.json)',
          'sessions/s-1.md:7:1 Unexpected front matter without `briefing.0.sha256`, expected `briefing.0.sha256` (schemas/session.schema.json requires it); add it',
          'sessions/s-2.md:1:1 Unexpected front matter without `ended`, expected `ended` (schemas/session.schema.json requires it); add it',
          'sessions/s-2.md:2:1 Unexpected session_id `s-3` in `sessions/s-2.md`, expected `s-2` as in the file name; fix the id or rename the file',
        ],
      },
      {
        title: 'An open record and a logged one',
        files: {
          'sessions/4f1c2b9e-8d7a-4c1e-9f3b-2a6d5e8c7b10.md':
            '---\nsession_id: 4f1c2b9e-8d7a-4c1e-9f3b-2a6d5e8c7b10\nagent: writer-1\nrole: writer\nstarted: 2026-03-19T10:00:00Z\nstatus: open\nbriefing:\n  - path: urls_todo.md\n    sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n---\n',
          'sessions/s-2.md':
            '---\nsession_id: s-2\nagent: reviewer-1\nrole: reviewer\nrun: run-7\nstarted: 2026-03-19T10:00:00Z\nstatus: logged\nbriefing: []\nended: 2026-03-19T10:40:00+01:00\nclaimed: [https://example.com/a]\ndone: [https://example.com/a]\nfindings: review/findings-001.md\nchanged: [review/final-001.mdx]\n---\n# Session s-2\n',
        },
        messages: [],
      },
    ],
  },
  check(context) {
    for (const file of targetsOfKind(context, 'session')) {
      const frontMatter = file.frontMatter;
      if (!frontMatter.present) {
        context.report({
          file: file.path,
          line: 1,
          column: 1,
          message: `Unexpected session record without front matter, expected the YAML fields of ${SCHEMA_FILE}; \`relay session start\` writes them`,
        });
        continue;
      }
      const data = frontMatterData(file);
      if (data === undefined) continue;
      reportSchemaProblems(context, file, data, readableProblems(data), SCHEMA_FILE);
      const own = file.classification.type === 'protocol' ? file.classification.sessionId : undefined;
      if (typeof data.session_id === 'string' && own !== undefined && data.session_id !== own) {
        context.report({
          file: file.path,
          ...frontMatterPosition(file, 'session_id'),
          message: `Unexpected session_id \`${data.session_id}\` in \`${file.path}\`, expected \`${own}\` as in the file name; fix the id or rename the file`,
        });
      }
    }
  },
};
