import { lineContent, splitSegments } from '../protocol/queue.js';
import type { Rule } from '../lint/types.js';

const MARKER = /^(<{7}|\|{7}|>{7})(?: |$)/;

/** Conflict markers left in a protocol file. */
export const mergeConflictMarker: Rule = {
  id: 'merge-conflict-marker',
  description: 'A `<<<<<<<` / `>>>>>>>` conflict marker left in a protocol file',
  severity: 'error',
  docs: {
    rationale:
      'A merge that stopped half way leaves both sides in the file between markers; sessions would read both. Resolve the conflict and remove the markers. For the queue files, `relay init` sets up the relay merge driver, which merges them item by item so these conflicts do not happen.',
    examples: [
      {
        title: 'An unresolved conflict',
        files: {
          'urls_todo.md': '# Pending URLs\n<<<<<<< HEAD\n- https://example.com/a\n=======\n- https://example.com/b\n>>>>>>> feature\n',
        },
        messages: [
          'urls_todo.md:2:1 Unexpected merge conflict marker `<<<<<<<`, expected the conflict resolved; keep the right lines and delete the markers (`relay init` sets up the queue merge driver)',
          'urls_todo.md:6:1 Unexpected merge conflict marker `>>>>>>>`, expected the conflict resolved; keep the right lines and delete the markers (`relay init` sets up the queue merge driver)',
        ],
      },
      {
        title: 'A setext heading is not a marker',
        files: { 'review/findings-001.md': 'Findings\n=======\n\nNothing new.\n' },
        messages: [],
      },
    ],
  },
  check(context) {
    for (const file of context.targets) {
      if (!file.isProtocol) continue;
      const text = file.text;
      if (text === undefined || (!text.includes('<<<<<<<') && !text.includes('>>>>>>>') && !text.includes('|||||||'))) continue;
      const segments = splitSegments(text);
      for (let index = 0; index < segments.length; index++) {
        const match = MARKER.exec(lineContent(segments[index]!));
        if (!match) continue;
        context.report({
          file: file.path,
          line: index + 1,
          column: 1,
          message: `Unexpected merge conflict marker \`${match[1]}\`, expected the conflict resolved; keep the right lines and delete the markers (\`relay init\` sets up the queue merge driver)`,
        });
      }
    }
  },
};
