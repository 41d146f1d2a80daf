import type { Project } from '../lint/project.js';
import type { Rule } from '../lint/types.js';

const SESSION_PROTOCOL = /session protocol/i;

/** Projects already told their CLAUDE.md is missing (the rule runs once per batch of files). */
const reportedMissing = new WeakSet<Project>();

/** CLAUDE.md missing, or without a Session Protocol section. */
export const claudeMdProtocol: Rule = {
  id: 'claude-md-protocol',
  description: 'CLAUDE.md missing, or without a Session Protocol section',
  severity: 'warning',
  docs: {
    rationale:
      'Every Claude Code session reads CLAUDE.md at start. Its Session Protocol section is what makes a session get up to speed before working and log what it did before stopping, so without it the shared state goes stale. A heading whose text contains "Session Protocol" (any level, any case) counts. A missing CLAUDE.md is reported only when the whole root is linted. `relay init` adds the section, or creates the file.',
    examples: [
      {
        title: 'No Session Protocol section',
        files: { 'CLAUDE.md': '# My project\n\nBe nice.\n' },
        messages: ['CLAUDE.md:1:1 Unexpected `CLAUDE.md` without a Session Protocol section, expected a heading like `## Session Protocol` saying how sessions get up to speed and log their work; add it (`relay init` does)'],
      },
      {
        title: 'No CLAUDE.md',
        files: { 'plan/task-001.md': '# A task\n' },
        messages: ['CLAUDE.md:1:1 Unexpected tree without `CLAUDE.md`, expected one at the root with a `## Session Protocol` section; `relay init` writes it'],
      },
      {
        title: 'The seed form',
        files: { 'CLAUDE.md': '# Blog pipeline\n\n## Session Protocol\n\n1. **Get up to speed** before anything else.\n' },
        messages: [],
      },
    ],
  },
  check(context) {
    const path = context.project.config.layout.claudeMd;
    if (context.full && !reportedMissing.has(context.project) && !context.project.exists(path)) {
      reportedMissing.add(context.project);
      context.report({
        file: path,
        line: 1,
        column: 1,
        message: `Unexpected tree without \`${path}\`, expected one at the root with a \`## Session Protocol\` section; \`relay init\` writes it`,
      });
    }
    for (const file of context.targets) {
      if (file.kind !== 'claude-md' || file.text === undefined) continue;
      if (file.scan.headings.some((heading) => SESSION_PROTOCOL.test(heading.text))) continue;
      context.report({
        file: file.path,
        line: 1,
        column: 1,
        message: `Unexpected \`${file.path}\` without a Session Protocol section, expected a heading like \`## Session Protocol\` saying how sessions get up to speed and log their work; add it (\`relay init\` does)`,
      });
    }
  },
};
