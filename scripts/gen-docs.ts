/**
 * Generates the rule docs (docs/rules/<id>.md, docs/rules/README.md) and the config file's
 * JSON Schema (schemas/config.schema.json) from the rule registry, the command sections of
 * docs/relay-cli.md and the README's command list from the relay command table, and the
 * plugin manifest's version from package.json, so docs, schema and behaviour come from one
 * source. Run by `npm run build`; CI checks the output is committed.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { join } from 'node:path';
import { commands, commandSynopsis } from '../src/cli/commands/index.js';
import { DEFAULT_LAYOUT } from '../src/protocol/layout.js';
import { rules } from '../src/rules/index.js';
import type { Rule, RuleExample } from '../src/lint/types.js';

const level = { $ref: '#/definitions/level' };

// Rules without options share one definition, so the compiled validator stays small: hooks
// load it on every run where a config file exists.
function settingSchema(rule: Rule<any>): Record<string, unknown> {
  const description = `${rule.description} (default: ${rule.severity}${rule.fixable ? ', fixable' : ''})`;
  if (!rule.options) return { description, $ref: '#/definitions/setting' };
  return { description, oneOf: [level, { type: 'array', items: [level, rule.options.schema], minItems: 1, maxItems: 2 }] };
}

const configSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'protocol-lint configuration (.protocol-lint.json)',
  description: 'Configuration of protocol-lint for one relay state tree. The folder holding this file is the root of the tree.',
  type: 'object',
  definitions: {
    level: { description: 'off, warning (warn, 1) or error (2)', enum: ['off', 'warn', 'warning', 'error', 0, 1, 2] },
    setting: {
      oneOf: [
        { $ref: '#/definitions/level' },
        { type: 'array', items: [{ $ref: '#/definitions/level' }, { type: 'object', additionalProperties: false, properties: {} }], minItems: 1, maxItems: 2 },
      ],
    },
  },
  properties: {
    $schema: { type: 'string' },
    layout: {
      description: 'Where the protocol files live, relative to the root.',
      type: 'object',
      properties: Object.fromEntries(
        Object.entries(DEFAULT_LAYOUT).map(([key, value]) => [key, { type: 'string', minLength: 1, pattern: '^(?!/)(?!.*(^|/)\\.\\.(/|$)).*$', default: value }]),
      ),
      additionalProperties: false,
    },
    rules: {
      description: 'Rule levels and options: "off" | "warning" | "error", or [level, options].',
      type: 'object',
      properties: Object.fromEntries(rules.map((rule) => [rule.id, settingSchema(rule)])),
      additionalProperties: false,
    },
    ignores: { description: 'Glob patterns (relative to the root) of paths never linted.', type: 'array', items: { type: 'string', minLength: 1 } },
    maxDocumentBytes: { description: 'Documents larger than this are skipped with a file-unreadable message.', type: 'integer', minimum: 1 },
    remote: {
      description: 'The git remote relay claim, done, release, new and sync work through (claims as refs under refs/relay/ on it; docs/sharing-through-git.md). Absent: claims are local to the clone.',
      type: 'string',
      minLength: 1,
      pattern: '^[^\\s-]\\S*$',
    },
  },
  additionalProperties: false,
};

function fence(content: string): string {
  const longest = Math.max(2, ...[...content.matchAll(/`+/g)].map((match) => match[0].length));
  return '`'.repeat(longest + 1);
}

function renderExample(example: RuleExample): string {
  const parts = [`### ${example.title}`, ''];
  if (example.options) parts.push(`With options \`${JSON.stringify(example.options)}\`:`, '');
  if (example.config) parts.push(`With config \`${JSON.stringify(example.config)}\`:`, '');
  for (const [path, content] of Object.entries({ ...example.files, ...(example.latin1Files ?? {}) })) {
    const shown = path in (example.latin1Files ?? {}) ? `${content} (saved as Latin-1)` : content;
    const visible = shown.replace(/\uFEFF/g, '<BOM>').replace(/\r/g, '<CR>');
    const marker = fence(visible);
    parts.push(`\`${path}\`:`, '', `${marker}markdown`, visible.endsWith('\n') ? visible.slice(0, -1) : visible, marker, '');
  }
  if (example.now) parts.push(`Linted at \`${example.now}\`.`, '');
  if (example.messages.length === 0) parts.push('No problems.', '');
  else {
    const marker = fence(example.messages.join('\n'));
    parts.push('Messages:', '', `${marker}text`, ...example.messages, marker, '');
  }
  if (example.fixed) {
    for (const [path, content] of Object.entries(example.fixed)) {
      const marker = fence(content);
      parts.push(`After \`--fix\`, \`${path}\`:`, '', `${marker}markdown`, content.endsWith('\n') ? content.slice(0, -1) : content, marker, '');
    }
  }
  return parts.join('\n');
}

function renderRule(rule: Rule<any>): string {
  const lines = [
    `# ${rule.id}`,
    '',
    `${rule.description}.`,
    '',
    `- Default: **${rule.severity}**`,
    `- Fixable with \`--fix\`: ${rule.fixable ? 'yes' : 'no'}`,
  ];
  if (rule.options) {
    const properties = (rule.options.schema.properties ?? {}) as Record<string, { type?: string }>;
    for (const [name, schema] of Object.entries(properties)) {
      lines.push(`- Option \`${name}\` (${schema.type ?? 'value'}), default \`${JSON.stringify((rule.options.defaults as Record<string, unknown>)[name])}\``);
    }
  }
  lines.push('', '## Why', '', rule.docs.rationale, '', '## Examples', '', 'These examples are also the rule\'s tests (`test/rules/examples.test.ts`).', '');
  for (const example of rule.docs.examples) lines.push(renderExample(example));
  lines.push(
    '## Configure',
    '',
    'In `.protocol-lint.json`:',
    '',
    '```json',
    JSON.stringify({ rules: { [rule.id]: rule.options ? [rule.severity, rule.options.defaults] : 'off' } }),
    '```',
    '',
    `Or for one spot: \`<!-- protocol-lint-disable ${rule.id} -->\` … \`<!-- protocol-lint-enable ${rule.id} -->\`, or \`<!-- protocol-lint-disable-next-line ${rule.id} -->\`.`,
    '',
  );
  return lines.join('\n');
}

const docsDir = join('docs', 'rules');
mkdirSync(docsDir, { recursive: true });
for (const name of readdirSync(docsDir)) rmSync(join(docsDir, name));
for (const rule of rules) writeFileSync(join(docsDir, `${rule.id}.md`), renderRule(rule));
writeFileSync(
  join(docsDir, 'README.md'),
  [
    '# protocol-lint rules',
    '',
    '| id | default | fixable | catches |',
    '|---|---|---|---|',
    ...rules.map((rule) => `| [${rule.id}](${rule.id}.md) | ${rule.severity} | ${rule.fixable ? 'yes' : ''} | ${rule.description} |`),
    '',
  ].join('\n'),
);
writeFileSync(join('schemas', 'config.schema.json'), JSON.stringify(configSchema, null, 2) + '\n');

// ajv standalone validators, one module per schema: compiled here, so no run pays for
// schema compilation or loads ajv, and a hook that validates only the config loads only that.
const schemaFiles = {
  config: ['validateConfig', 'config.schema.json'],
  plan: ['validatePlan', 'plan.schema.json'],
  postmortem: ['validatePostmortem', 'postmortem.schema.json'],
  session: ['validateSession', 'session.schema.json'],
  final: ['validateFinal', 'final.schema.json'],
} as const;
mkdirSync(join('src', 'generated'), { recursive: true });
for (const name of readdirSync(join('src', 'generated'))) rmSync(join('src', 'generated', name));
for (const [module, [exportName, file]] of Object.entries(schemaFiles)) {
  const ajv = new Ajv({ allErrors: true, strict: false, code: { source: true, esm: true, lines: true } });
  ajv.addSchema(JSON.parse(readFileSync(join('schemas', file), 'utf8')), file);
  // ajv's ESM output still require()s its runtime helpers; turn those into imports so the file is pure ESM.
  const runtime = new Map<string, string>();
  const code = (standaloneCode as unknown as (ajv: Ajv, refs: Record<string, string>) => string)(ajv, { [exportName]: file }).replace(
    /require\("(ajv\/dist\/runtime\/[a-z0-9]+)"\)/g,
    (_match, runtimeModule: string) => {
      if (!runtime.has(runtimeModule)) runtime.set(runtimeModule, `runtime${runtime.size}`);
      return runtime.get(runtimeModule)!;
    },
  );
  // The helpers are CommonJS with `exports.default`; under some loaders the default import is the
  // function itself, so accept both shapes.
  const runtimeImports = [...runtime]
    .map(([runtimeModule, alias]) => `import ${alias}Module from '${runtimeModule}.js';\nconst ${alias} = typeof ${alias}Module === 'function' ? { default: ${alias}Module } : ${alias}Module;`)
    .join('\n');
  writeFileSync(
    join('src', 'generated', `validate-${module}.js`),
    `// Generated by scripts/gen-docs.ts from schemas/${file} with ajv standalone. Do not edit.\n` + runtimeImports + '\n' + code.replace('"use strict";', '') + '\n',
  );
  writeFileSync(
    join('src', 'generated', `validate-${module}.d.ts`),
    `// Generated by scripts/gen-docs.ts. Do not edit.\nimport type { ErrorObject } from 'ajv';\nexport declare const ${exportName}: ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };\n`,
  );
}

// The README's rule table, between its markers.
const readme = readFileSync('README.md', 'utf8');
const table = [
  '| id | default | fixable | catches |',
  '|---|---|---|---|',
  ...rules.map((rule) => `| [${rule.id}](docs/rules/${rule.id}.md) | ${rule.severity} | ${rule.fixable ? 'yes' : ''} | ${rule.description} |`),
].join('\n');
/** Replaces the text between `<!-- NAME:start -->` and `<!-- NAME:end -->` (keeping the markers and their indent). */
function replaceRegion(text: string, name: string, content: string, file: string): string {
  const region = new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?([ \\t]*<!-- ${name}:end -->)`);
  if (!region.test(text)) throw new Error(`${file}: missing the \`<!-- ${name}:start -->\` … \`<!-- ${name}:end -->\` markers`);
  return text.replace(region, (_match, open: string, close: string) => `${open}${content}${close}`);
}

// The README: the rule table and the relay command list, between their markers.
const readmeList = commands.map((command) => `  - \`relay ${commandSynopsis(command)}\`: ${command.summary}\n`).join('');
writeFileSync('README.md', replaceRegion(replaceRegion(readme, 'rules', `${table}\n`, 'README.md'), 'relay-commands', readmeList, 'README.md'));

// docs/relay-cli.md: one section per relay command, between its markers; the prose around them is written by hand.
const commandSections = commands.map((command) => {
  const help = command.help.endsWith('\n') ? command.help : `${command.help}\n`;
  const parts = [`### \`relay ${commandSynopsis(command)}\``, '', `${command.summary[0]!.toUpperCase()}${command.summary.slice(1)}.`, '', `${fence(help)}text`, help.slice(0, -1), fence(help), ''];
  if (command.details) parts.push(command.details.trimEnd(), '');
  return parts.join('\n');
});
const cliDoc = readFileSync(join('docs', 'relay-cli.md'), 'utf8');
writeFileSync(
  join('docs', 'relay-cli.md'),
  replaceRegion(cliDoc, 'commands', `<!-- Generated by \`npm run build\` from src/cli/commands/; edit the commands there. -->\n\n${commandSections.join('\n')}`, 'docs/relay-cli.md'),
);

// The plugin manifest carries the version too; package.json is its one source.
const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
const manifestPath = join('plugin', '.claude-plugin', 'plugin.json');
const manifest = readFileSync(manifestPath, 'utf8');
writeFileSync(manifestPath, manifest.replace(/("version":\s*)"[^"]*"/, `$1${JSON.stringify(version)}`));
