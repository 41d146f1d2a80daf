import type { Rule } from '../lint/types.js';

/** A protocol file that is not UTF-8 text. */
export const fileEncoding: Rule = {
  id: 'file-encoding',
  description: 'A protocol file that is not UTF-8 text (invalid bytes, NUL bytes, UTF-16)',
  severity: 'error',
  docs: {
    rationale:
      'Every session and tool reads the state as UTF-8 text. A file with bytes that are not UTF-8, NUL bytes, or UTF-16 would be misread, so it is reported and its content is not linted further. A UTF-8 byte order mark and CRLF line endings are fine and kept as they are.',
    examples: [
      {
        title: 'A Latin-1 byte',
        files: {},
        latin1Files: { 'plan/task-001.md': '# Caf\u00e9 task\n' },
        messages: ['plan/task-001.md:1:6 Unexpected byte sequence that is not UTF-8; save the file as UTF-8'],
      },
      {
        title: 'BOM and CRLF are fine',
        files: { 'plan/task-001.md': '\uFEFF# A task\r\n\r\nDo it.\r\n' },
        messages: [],
      },
    ],
  },
  check(context) {
    for (const file of context.targets) {
      if (!file.isProtocol) continue;
      const content = file.content;
      if (!content.ok && content.problem.rule === 'file-encoding') {
        context.report({ file: file.path, line: content.problem.line, column: content.problem.column, message: content.problem.message });
      }
    }
  },
};
