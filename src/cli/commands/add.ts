/** `relay add`: appends new URLs to urls_todo.md. */
import { addUrls } from '../../state/queue-operations.js';
import { failure, JSON_OPTION, rejections, urlArguments, usage, type CommandDefinition } from './command.js';

/** `relay add`. */
export const add: CommandDefinition = {
  name: 'add',
  summary: 'add new URLs to urls_todo.md',
  positionals: 'URL... | -',
  options: { ...JSON_OPTION },
  help: `Usage: relay add URL... [--json]
       relay add - < urls.txt

Appends new URLs to urls_todo.md. URLs already pending or done (compared after
normalisation), or differing from one only by a trailing slash, are rejected and listed on
stderr with exit 1; the others are still added.
With "-", reads URLs from stdin: one per line, "- URL" list lines accepted, "#" lines skipped.
`,
  details: `Appends new URLs to \`urls_todo.md\` (creating it with its heading if missing). URLs already
pending or done — compared after normalisation (scheme and host lower-cased, default port and
fragment dropped) — and URLs given twice are rejected on stderr with exit 1; the others are
still added. A URL that differs from a pending or done one (or another one given) only by a
trailing slash (\`https://example.com/a/\` beside \`https://example.com/a\`) is refused as a
likely duplicate, naming the one it matches: lint reports such a pair, and no relay command
could take it back out. stdout lists what was added. Use \`--\` before URLs that start with \`-\`.
`,
  run(context) {
    if (context.positionals.length === 0) return usage('add', 'Missing URLs, expected `relay add URL...` or `relay add -` with URLs on stdin');
    const urls = urlArguments(context);
    if (urls.length === 0) return { code: 0, stderr: 'relay add: no URLs on stdin; nothing to do\n' };
    const result = addUrls(context.root, context.config, { urls });
    if (!result.ok) return failure(result, 'add');
    const stderr = rejections('add', result.rejected);
    const code = result.rejected.length > 0 ? 1 : 0;
    if (context.values.json) return { code, stdout: JSON.stringify({ added: result.added, rejected: result.rejected }) + '\n', stderr };
    return { code, stdout: result.added.map((url) => `${url}\n`).join(''), stderr };
  },
};
