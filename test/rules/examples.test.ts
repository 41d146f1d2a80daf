/**
 * Every rule's documented examples are its tests: the docs and the behaviour cannot drift.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/protocol/config.js';
import { lint } from '../../src/lint/engine.js';
import { rules } from '../../src/rules/index.js';
import { removeTree, writeTree } from '../helpers/tree.js';

describe.each(rules.map((rule) => [rule.id, rule] as const))('%s', (_id, rule) => {
  it('has at least one example with messages and one without', () => {
    expect(rule.docs.examples.some((example) => example.messages.length > 0)).toBe(true);
    expect(rule.docs.examples.some((example) => example.messages.length === 0)).toBe(true);
  });

  it.each(rule.docs.examples.map((example) => [example.title, example] as const))('example: %s', async (_title, example) => {
    const root = writeTree(example.files, example.latin1Files);
    try {
      const config = { ...defaultConfig(), ...(example.config ?? {}) };
      if (example.options) config.rules = { [rule.id]: [rule.severity, example.options] };
      const now = example.now ? new Date(example.now) : new Date('2026-03-20T12:00:00Z');
      const { results } = await lint({ root, config, now, rules: [rule] });
      const messages = results.flatMap((result) => result.messages.map((message) => `${result.filePath}:${message.line}:${message.column} ${message.message}`));
      expect(messages).toEqual(example.messages);
      for (const result of results) for (const message of result.messages) expect(message.ruleId).toBe(rule.id);
      if (example.fixed) {
        await lint({ root, config, now, rules: [rule], fix: true });
        for (const [path, expected] of Object.entries(example.fixed)) {
          expect(readFileSync(join(root, path), 'utf8')).toBe(expected);
        }
      }
    } finally {
      removeTree(root);
    }
  });
});

describe('the registry', () => {
  it('has one source file per rule, named by its id', () => {
    const files = readdirSync(join(__dirname, '../../src/rules')).filter((name) => name !== 'index.ts' && name !== 'util.ts' && name.endsWith('.ts'));
    expect(files.map((name) => name.replace(/\.ts$/, '')).sort()).toEqual(rules.map((rule) => rule.id).sort());
  });

  it('has unique kebab-case ids', () => {
    const ids = rules.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z]+(-[a-z]+)*$/);
  });
});
