/**
 * The focused lint (the PostToolUse hook, `--staged`) can never disagree with the full lint.
 * The contract, checked edit by edit: from a tree that lints clean, after any edit of a queue
 * file, the focused run reports exactly what the full lint reports on the edited tree; from a
 * tree with earlier problems, it reports only the full lint's messages, and all of them on the
 * changed lines and on every line whose answer the change affects (its messages before and
 * after differ, line references aside).
 *
 * Trees: the example trees, every rule example that has a queue, and a seeded fleet-like tree
 * with notes, claims and stray lines. Edits: every single-line deletion, and an insertion and a
 * replacement at every line (lines drawn from a pool of twins, claims, bad items, fences,
 * comments and disable comments), then seeded random multi-line edits. In-process through the
 * engine; a sample goes through the real hook, `protocol-lint --staged` and real git in
 * differential-cli.test.ts. The seed is printed on failure; `RELAY_DIFF_SEED` replays one.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lint } from '../../src/lint/engine.js';
import { changedRegion } from '../../src/lint/focus.js';
import { defaultConfig, type Config } from '../../src/protocol/config.js';
import { rules } from '../../src/rules/index.js';
import { removeTree, writeTree } from '../helpers/tree.js';

const SEED = Number(process.env.RELAY_DIFF_SEED ?? 20261207);
const REPO = join(__dirname, '../..');
const NOW = new Date('2026-03-20T12:00:00Z');
const roots: string[] = [];
afterAll(() => roots.splice(0).forEach(removeTree));

/** mulberry32: a small seeded PRNG. */
function random(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), state | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return Math.floor((((value ^ (value >>> 14)) >>> 0) / 4294967296) * n);
  };
}

interface Tree {
  name: string;
  root: string;
  config: Config;
  now: Date;
}

function ruleExampleTrees(): Tree[] {
  return rules.flatMap((rule) =>
    rule.docs.examples
      .filter((example) => 'urls_todo.md' in example.files || 'urls_done.md' in example.files)
      .map((example) => {
        const root = writeTree(example.files, example.latin1Files);
        roots.push(root);
        const config = { ...defaultConfig(), ...(example.config ?? {}) } as Config;
        if (example.options) config.rules = { [rule.id]: [rule.severity, example.options] };
        return { name: `${rule.id}: ${example.title}`, root, config, now: example.now ? new Date(example.now) : NOW };
      }),
  );
}

function exampleTree(name: string): Tree {
  const root = writeTree({});
  roots.push(root);
  cpSync(join(REPO, 'examples', name), root, { recursive: true });
  return { name: `examples/${name}`, root, config: defaultConfig(), now: NOW };
}

/** A fleet-like tree: notes, claims fresh and stale, done items with outputs, stray lines. */
function fleetTree(pick: (n: number) => number): Tree {
  const todo = ['# Pending URLs', ''];
  const done = ['# Completed URLs', ''];
  for (let index = 0; index < 40; index++) {
    const url = `https://example.com/${['posts', 'guides', 'a'][pick(3)]}/${index}`;
    const kind = pick(6);
    if (kind === 0) done.push(`- ${url} (completed 2026-03-${10 + pick(9)}, by w${pick(3)})`);
    else if (kind === 1) todo.push(`- ${url} (claimed by w${pick(3)} at 2026-03-20T0${pick(9)}:00:00Z)`);
    else if (kind === 2) todo.push(`- ${url} (from the sitemap, claimed by w${pick(3)} at 2026-03-19T0${pick(9)}:00:00Z)`);
    else if (kind === 3) todo.push(`- ${url} (priority high)`);
    else todo.push(`- ${url}`);
  }
  todo.splice(5, 0, '', '## Later', '');
  const root = writeTree({ 'urls_todo.md': todo.join('\n') + '\n', 'urls_done.md': done.join('\n') + '\n', 'CLAUDE.md': '# P\n\n## Session Protocol\n\nGet up to speed, then log this.\n' });
  roots.push(root);
  return { name: 'fleet-like', root, config: defaultConfig(), now: NOW };
}

/** URLs found in a text, to make twins of. */
function urlsOf(text: string): string[] {
  return [...text.matchAll(/https?:\/\/[^\s)]+/g)].map((match) => match[0]);
}

/** The pool an inserted or replacing line is drawn from: twins and variants of the tree's own URLs, and every kind of line. */
function poolLine(pick: (n: number) => number, urls: string[]): string {
  const url = urls.length > 0 ? urls[pick(urls.length)]! : 'https://example.com/a';
  const variant = () => {
    const parsed = url.replace(/^https?:\/\/([^/]+)/, (_whole, host: string) => `HTTPS://${host.toUpperCase()}:443`);
    return [parsed, `${url}#part`, url.endsWith('/') ? url.slice(0, -1) : `${url}/`, url.replace(/\/([^/]*)$/, '/./x/../$1')][pick(4)]!;
  };
  const lines = [
    () => `- https://example.com/new-${pick(1000)}`,
    () => `- ${url}`,
    () => `- ${variant()}`,
    () => `- ${url} (claimed by agent-${pick(3)} at 2026-03-20T1${pick(2)}:00:00Z)`,
    () => `- ${url} (claimed by agent-${pick(3)} at 2026-03-1${pick(9)}T10:00:00Z)`,
    () => `- ${url} (note, claimed by agent-1 at 2026-03-20T10:00:00Z)`,
    () => `- ${url} (claimed by alice at 2026-03-20T10:00:00Z; also claimed by bob at 2026-03-20T10:05:00Z)`,
    () => `- ${url} (completed 2026-03-1${pick(9)})`,
    () => `- ${url} (completed 2999-01-01)`,
    () => `- ${url} (completed, by w1)`,
    () => `- ${url} (completed 2026-03-18, output review/final-00${pick(3) + 1}.mdx)`,
    () => ['- not a url', '* https://example.com/star', '  - https://example.com/indented', '- <https://example.com/angle>', '-', '1. https://example.com/n', '- https://example.com/x extra words'][pick(7)]!,
    () => ['```', '~~~', '<!-- a comment -->', '<!--', '-->', '<!-- protocol-lint-disable queue-duplicate -->', '<!-- protocol-lint-enable -->', '<!-- protocol-lint-disable-next-line -->'][pick(8)]!,
    () => ['', '# Heading', 'Some prose.', '<<<<<<< HEAD', '>>>>>>> theirs'][pick(5)]!,
    () => ['- https://example.com/caf%C3%A9', '- https://example.com/café', '- https://example.com', '- https://example.com/a\\b', '- https://example.com/a%2Fb', '- ftp://example.com/x'][pick(6)]!,
  ];
  return lines[pick(lines.length)]!();
}

type Messages = Map<string, string[]>;

/** Messages by `file:line`, each `column rule severity text`. */
async function run(tree: Tree, options: { targets?: string[]; previous?: Map<string, string> } = {}): Promise<Messages> {
  const { results } = await lint({ root: tree.root, config: tree.config, now: tree.now, ...options });
  const byLine: Messages = new Map();
  for (const result of results) {
    for (const message of result.messages) {
      const key = `${result.filePath}:${message.line}`;
      const list = byLine.get(key) ?? [];
      list.push(`${message.column} ${message.ruleId} ${message.severity} ${message.message}`);
      byLine.set(key, list.sort());
    }
  }
  return byLine;
}

const flat = (messages: Messages) => [...messages].flatMap(([at, list]) => list.map((text) => `${at} ${text}`)).sort();
const withoutLineNumbers = (list: string[] | undefined) => (list ?? []).map((text) => text.replace(/line \d+/g, 'line #')).join('\n');

let checked = 0;

/** Lints `path` after `before` became `after`, both ways, and checks the contract. */
async function check(tree: Tree, path: string, before: string, after: string, fullBefore: Messages, label: string): Promise<void> {
  const region = changedRegion(before, after);
  if (region === undefined) return;
  writeFileSync(join(tree.root, path), after);
  try {
    const full = await run(tree);
    const focused = await run(tree, { targets: [path], previous: new Map([[path, before]]) });
    checked++;
    const where = `seed ${SEED}, ${tree.name}, ${path}, ${label}\n--- before\n${before}--- after\n${after}`;
    if (fullBefore.size === 0) {
      expect(flat(focused), where).toEqual(flat(full));
      return;
    }
    // Every focused message is one of the full lint's.
    const fullSet = new Set(flat(full));
    for (const message of flat(focused)) expect(fullSet.has(message), `${where}\nfocused reported ${message}, which the full lint does not`).toBe(true);
    // Lines the change touched or whose answer it changed get all of the full lint's messages.
    const lineOf = (offset: number, text: string) => text.slice(0, offset).split('\n').length;
    const first = lineOf(region.from, after);
    const afterLast = region.afterEnd === region.from ? first - 1 : lineOf(region.afterEnd - 1, after);
    const beforeLast = region.beforeEnd === region.from ? first - 1 : lineOf(region.beforeEnd - 1, before);
    const shift = afterLast - beforeLast;
    const split = (key: string) => [key.slice(0, key.lastIndexOf(':')), Number(key.slice(key.lastIndexOf(':') + 1))] as const;
    const toAfter = (file: string, line: number) => (file !== path || line < first ? line : line > beforeLast ? line + shift : undefined);
    const toBefore = (file: string, line: number) => (file !== path || line < first ? line : line > afterLast ? line - shift : undefined);
    const keys = new Set(full.keys());
    for (const key of fullBefore.keys()) {
      const [file, line] = split(key);
      const mapped = toAfter(file, line);
      if (mapped !== undefined) keys.add(`${file}:${mapped}`);
    }
    for (const key of keys) {
      const [file, line] = split(key);
      const old = toBefore(file, line);
      const affected = old === undefined || withoutLineNumbers(full.get(key)) !== withoutLineNumbers(fullBefore.get(`${file}:${old}`));
      if (affected) expect(focused.get(key) ?? [], `${where}\nat ${key}`).toEqual(full.get(key) ?? []);
    }
  } finally {
    writeFileSync(join(tree.root, path), before);
  }
}

/** Every single-line deletion, and an insertion and a replacement at every line. */
async function everyLine(tree: Tree, pick: (n: number) => number): Promise<void> {
  for (const path of [tree.config.layout.todo, tree.config.layout.done]) {
    let before: string;
    try {
      before = readFileSync(join(tree.root, path), 'utf8');
    } catch {
      continue;
    }
    const fullBefore = await run(tree);
    const urls = urlsOf(before + readOther(tree, path));
    const lines = before.split('\n');
    for (let index = 0; index <= lines.length; index++) {
      const edit = (replaced: number, ...added: string[]) => [...lines.slice(0, index), ...added, ...lines.slice(index + replaced)].join('\n');
      if (index < lines.length) await check(tree, path, before, edit(1), fullBefore, `delete line ${index + 1}`);
      await check(tree, path, before, edit(0, poolLine(pick, urls)), fullBefore, `insert before line ${index + 1}`);
      if (index < lines.length) await check(tree, path, before, edit(1, poolLine(pick, urls)), fullBefore, `replace line ${index + 1}`);
    }
  }
}

function readOther(tree: Tree, path: string): string {
  try {
    return readFileSync(join(tree.root, path === tree.config.layout.todo ? tree.config.layout.done : tree.config.layout.todo), 'utf8');
  } catch {
    return '';
  }
}

/** Seeded random edits of several lines. */
async function randomEdits(tree: Tree, pick: (n: number) => number, count: number): Promise<void> {
  for (let round = 0; round < count; round++) {
    const path = pick(2) === 0 ? tree.config.layout.todo : tree.config.layout.done;
    let before: string;
    try {
      before = readFileSync(join(tree.root, path), 'utf8');
    } catch {
      continue;
    }
    const urls = urlsOf(before + readOther(tree, path));
    const lines = before.split('\n');
    const at = pick(lines.length + 1);
    const added = Array.from({ length: pick(4) }, () => poolLine(pick, urls));
    const after = [...lines.slice(0, at), ...added, ...lines.slice(at + pick(4))].join(pick(8) === 0 ? '\r\n' : '\n');
    await check(tree, path, before, after, await run(tree), `random edit ${round}`);
  }
}

describe('the focused lint against the full lint', () => {
  it('agrees on the example trees, line by line', async () => {
    const pick = random(SEED);
    for (const tree of [exampleTree('blog-pipeline'), exampleTree('broken')]) await everyLine(tree, pick);
  });

  it('agrees on every rule example with a queue, line by line', async () => {
    const pick = random(SEED + 1);
    for (const tree of ruleExampleTrees()) await everyLine(tree, pick);
  });

  it('agrees on a fleet-like tree, line by line and on seeded random edits', async () => {
    const pick = random(SEED + 2);
    const tree = fleetTree(pick);
    await everyLine(tree, pick);
    await randomEdits(tree, pick, 1500);
  });

  it('agrees on seeded random edits of the rule examples', async () => {
    const pick = random(SEED + 3);
    const trees = ruleExampleTrees();
    const start = checked;
    for (let round = 0; round < 2500; round++) await randomEdits(trees[pick(trees.length)]!, pick, 1);
    expect(checked - start).toBeGreaterThan(1000);
  });
});
