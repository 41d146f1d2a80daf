/**
 * Front matter, read with js-yaml (the engine gray-matter uses, ten times faster here than
 * `yaml` on 5,000 plans) and its core schema, so dates stay strings; every other language is
 * refused: front matter is data, never code. The delimiters are found here and js-yaml is given
 * exactly the block gray-matter would give it, so a `...` closer or a `----` line in the body
 * cannot shift what is parsed. gray-matter itself is not called: around the same js-yaml call it
 * copies every document into a Buffer and rebuilds its options, which cost 17 % of the full lint
 * of the bench's 14,000-file tree, measured side by side (docs/performance.md).
 */
import jsYaml from 'js-yaml';

/** Front matter found at the top of a document. */
export type FrontMatter =
  | { present: false }
  | { present: true; ok: true; data: Record<string, unknown>; bodyStartLine: number; body: string }
  | { present: true; ok: false; reason: string; line: number; column: number; bodyStartLine: number; body: string };

/** Front matter languages gray-matter would run as code (relay runs none of them). */
const EXECUTABLE = new Set(['js', 'javascript', 'coffee', 'coffeescript', 'cson', 'toml']);

/**
 * What gray-matter 4 did with `---\n<block>\n---\n` under `language: 'yaml'`: the text from
 * just after the opening `---` up to the first `\n---`; `{}` when only comments and blanks
 * remain, else js-yaml's answer for it.
 */
function parseBlock(block: string): unknown {
  const after = `\n${block}\n---\n`;
  const matter = after.slice(0, after.indexOf('\n---'));
  if (matter.replace(/^\s*#[^\n]+/gm, '').trim() === '') return {};
  return jsYaml.load(matter, { schema: jsYaml.CORE_SCHEMA });
}

/** Reads the front matter of a document whose text starts after any BOM. */
export function readFrontMatter(text: string): FrontMatter {
  if (!text.startsWith('---')) return { present: false };
  const firstNewline = text.indexOf('\n');
  const opener = (firstNewline === -1 ? text : text.slice(0, firstNewline)).replace(/\r$/, '');
  const language = opener.slice(3).trim();
  if (!/^[A-Za-z]*$/.test(language) || opener.startsWith('----')) return { present: false };
  const close = findClose(text, firstNewline);
  if (close === undefined) {
    return { present: true, ok: false, reason: 'the front matter opened on line 1 is never closed with `---`', line: 1, column: 1, bodyStartLine: 1, body: text };
  }
  const bodyStartLine = close.line + 1;
  const body = text.slice(close.end);
  if (language !== '' && language.toLowerCase() !== 'yaml' && language.toLowerCase() !== 'yml') {
    const known = EXECUTABLE.has(language.toLowerCase());
    const reason = known ? `\`---${language}\` front matter is executable and is never run; use YAML` : `\`---${language}\` front matter is not YAML; use YAML`;
    return { present: true, ok: false, reason, line: 1, column: 1, bodyStartLine, body };
  }
  try {
    const data = parseBlock(text.slice(firstNewline + 1, close.start));
    if (data === null || data === undefined) return { present: true, ok: true, data: {}, bodyStartLine, body };
    if (typeof data !== 'object' || Array.isArray(data)) {
      return { present: true, ok: false, reason: 'front matter must be a YAML mapping of keys to values', line: 2, column: 1, bodyStartLine, body };
    }
    return { present: true, ok: true, data: data as Record<string, unknown>, bodyStartLine, body };
  } catch (error) {
    if (error instanceof jsYaml.YAMLException) {
      // js-yaml is given the text from just after the opening `---`, so js-yaml's
      // 0-based line n is the file's line n + 1.
      const mark = (error as jsYaml.YAMLException & { mark?: { line: number; column: number } }).mark;
      const reason = (error as { reason?: string }).reason ?? error.message.split('\n')[0]!;
      return { present: true, ok: false, reason: `front matter is not valid YAML: ${reason}`, line: (mark?.line ?? 1) + 1, column: (mark?.column ?? 0) + 1, bodyStartLine, body };
    }
    return { present: true, ok: false, reason: `front matter could not be read: ${(error as Error).message}`, line: 1, column: 1, bodyStartLine, body };
  }
}

function findClose(text: string, firstNewline: number): { line: number; start: number; end: number } | undefined {
  if (firstNewline === -1) return undefined;
  let start = firstNewline + 1;
  let line = 2;
  while (start <= text.length) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    const content = text.slice(start, end).replace(/\r$/, '');
    if (content === '---' || content === '...') return { line, start, end: newline === -1 ? text.length : newline + 1 };
    if (newline === -1) return undefined;
    start = newline + 1;
    line++;
  }
  return undefined;
}
