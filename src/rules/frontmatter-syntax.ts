import type { Rule } from '../lint/types.js';
import { lintedDocuments } from './util.js';

/** Front matter languages that gray-matter would run as code. */
const EXECUTABLE = new Set(['js', 'javascript', 'coffee', 'coffeescript', 'cson']);
const LANGUAGE = /^`---([A-Za-z]+)`/;
const YAML_ERROR = 'front matter is not valid YAML: ';

/** Front matter that does not parse, is not a mapping, or is not YAML (executable front matter is never run). */
export const frontmatterSyntax: Rule = {
  id: 'frontmatter-syntax',
  description: 'YAML front matter that does not parse; executable (`---js`) front matter, which is never run',
  severity: 'error',
  docs: {
    rationale:
      'Any protocol document may start with YAML front matter between `---` lines; it must parse, be a mapping of keys to values, and be closed. Front matter is data, never code: gray-matter would run `---js` / `---javascript` (and CoffeeScript) front matter as JavaScript, so relay never hands it to an engine and reports it here; other languages (`---toml`) are not read either. YAML is read with the core schema, so dates stay text, and a key written twice is an error. The message gives the line and column of the YAML problem.',
    examples: [
      {
        title: 'Broken, executable and unclosed front matter',
        files: {
          'plan/task-001.md': '---\nid: task-001\nid: task-002\n---\n# A task\n',
          'plan/task-002.md': '---js\n{ id: require("fs").writeFileSync("pwned", "") }\n---\n# A task\n',
          'plan/task-003.md': '---\nid: task-003\n# A task\n',
          'review/findings-001.md': '---\n- a list\n---\n# Findings\n',
          'plan/task-004.md': '---\nurls: [https://example.com/a\n---\n# A task\n',
        },
        messages: [
          'plan/task-001.md:3:1 Unexpected YAML in the front matter: duplicated mapping key, expected valid YAML; fix the syntax',
          'plan/task-002.md:1:1 Unexpected executable `---js` front matter, expected YAML between `---` lines; it is never run, rewrite it as YAML',
          'plan/task-003.md:1:1 Unexpected front matter opened on line 1 and never closed, expected a closing `---` line; close it, or remove the opening `---`',
          'plan/task-004.md:3:1 Unexpected YAML in the front matter: unexpected end of the stream within a flow collection, expected valid YAML; fix the syntax',
          'review/findings-001.md:2:1 Unexpected front matter that is not a mapping, expected `key: value` lines; write it as YAML keys and values',
        ],
      },
      {
        title: 'YAML front matter, and none',
        files: {
          'plan/task-001.md': '---\nid: task-001\nstatus: todo\ncreated: 2026-03-15\n---\n# A task\n',
          'plan/task-002.md': '# A task\n\n---\n\nA thematic break is not front matter.\n',
        },
        messages: [],
      },
    ],
  },
  check(context) {
    for (const file of lintedDocuments(context)) {
      const frontMatter = file.frontMatter;
      if (!frontMatter.present || frontMatter.ok) continue;
      const { reason } = frontMatter;
      let message: string;
      const language = LANGUAGE.exec(reason)?.[1];
      if (reason.startsWith(YAML_ERROR)) {
        message = `Unexpected YAML in the front matter: ${reason.slice(YAML_ERROR.length).replace(/\.$/, '')}, expected valid YAML; fix the syntax`;
      } else if (language !== undefined && EXECUTABLE.has(language.toLowerCase())) {
        message = `Unexpected executable \`---${language}\` front matter, expected YAML between \`---\` lines; it is never run, rewrite it as YAML`;
      } else if (language !== undefined) {
        message = `Unexpected \`---${language}\` front matter, expected YAML between \`---\` lines; rewrite it as YAML`;
      } else if (reason.includes('never closed')) {
        message = 'Unexpected front matter opened on line 1 and never closed, expected a closing `---` line; close it, or remove the opening `---`';
      } else if (reason.includes('mapping')) {
        message = 'Unexpected front matter that is not a mapping, expected `key: value` lines; write it as YAML keys and values';
      } else {
        message = `Unexpected front matter: ${reason}, expected YAML between \`---\` lines; fix it`;
      }
      context.report({ file: file.path, line: frontMatter.line, column: frontMatter.column, message });
    }
  },
};
