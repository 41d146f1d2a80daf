import type { Rule } from '../lint/types.js';
import { lintedQueues } from './util.js';

/** A list item in a queue file that is not a URL item. */
export const queueItemSyntax: Rule = {
  id: 'queue-item-syntax',
  description: 'A list item in a queue file that is not a `- <url> (annotation)` item',
  severity: 'error',
  docs: {
    rationale:
      'Queue files are read line by line by every session and tool: one item per line, `- ` then an absolute http(s) URL, then optionally one parenthesised annotation. Headings, blank lines, prose and HTML comments are fine and kept; list items in any other form are not, because a tool would silently skip them. A URL with a control character, whitespace, a single quote, a backtick or `$(` is refused too: agents paste queue URLs into shell commands (single-quoted, as `relay done \'URL\'`), and those characters would end the quoting, split the command or run a command of their own. Percent-encode them (`%27`, `%60`, `%24%28`, `%20`).',
    examples: [
      {
        title: 'Items a tool could not read',
        files: {
          'urls_todo.md': '# Pending URLs\n* https://example.com/a\n- example.com/b\n- https://example.com/c claimed\n  - https://example.com/d\n- ftp://example.com/e\n',
        },
        messages: [
          'urls_todo.md:2:1 Unexpected list item, expected `- <url>`: the list marker `*` is not `-`; write `- <url>`',
          'urls_todo.md:3:3 Unexpected list item, expected `- <url>`: `example.com/b` is not a queue URL: it is not a valid absolute URL',
          'urls_todo.md:4:3 Unexpected list item, expected `- <url>`: text after the URL must be one parenthesised annotation, like `(completed 2026-03-19)`',
          'urls_todo.md:5:1 Unexpected list item, expected `- <url>`: a nested or indented list item is not a queue item; write `- <url>` at the start of the line',
          'urls_todo.md:6:3 Unexpected list item, expected `- <url>`: `ftp://example.com/e` is not a queue URL: its scheme `ftp` is not http or https',
        ],
      },
      {
        title: 'URLs a shell would run or split',
        files: {
          'urls_todo.md': "# Pending URLs\n- https://example.com/$(touch${IFS}x)\n- https://example.com/a`id`\n- https://example.com/it's\n- https://example.com/?q=$(id)\n",
        },
        messages: [
          'urls_todo.md:2:3 Unexpected list item, expected `- <url>`: `https://example.com/$(touch${IFS}x)` is not a queue URL: it holds `$(`, which a shell runs as a command; percent-encode it as `%24%28`',
          'urls_todo.md:3:3 Unexpected list item, expected `- <url>`: `https://example.com/a`id`` is not a queue URL: it holds a backtick, which a shell runs as a command; percent-encode it as `%60`',
          "urls_todo.md:4:3 Unexpected list item, expected `- <url>`: `https://example.com/it's` is not a queue URL: it holds a single quote, which ends the quotes around it in a shell command; percent-encode it as `%27`",
          'urls_todo.md:5:3 Unexpected list item, expected `- <url>`: `https://example.com/?q=$(id)` is not a queue URL: it holds `$(`, which a shell runs as a command; percent-encode it as `%24%28`',
        ],
      },
      {
        title: 'The seed forms',
        files: {
          'urls_todo.md': '# Pending URLs\n\n- https://example.com/article-1\n- https://example.com/article-2 (claimed by writer-7 at 2026-03-19T10:00:00Z)\n',
          'urls_done.md': '# Completed URLs\n- https://example.com/article-0 (completed 2026-03-19)\n',
        },
        messages: [],
        now: '2026-03-19T12:00:00Z',
      },
    ],
  },
  check(context) {
    for (const file of lintedQueues(context)) {
      for (const problem of file.queue!.problems) {
        context.report({ file: file.path, line: problem.line, column: problem.column, message: `Unexpected list item, expected \`- <url>\`: ${problem.reason}` });
      }
    }
  },
};
