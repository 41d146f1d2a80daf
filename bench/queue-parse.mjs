#!/usr/bin/env node
/**
 * Why queue files get a line parser: parses one queue file with remark-parse (a full
 * Markdown tree) and with a plain line split, and prints both times.
 *
 *   node bench/queue-parse.mjs [bench/out/tree-scale-1/urls_todo.md]
 *
 * Needs the root devDependencies (unified, remark-parse) and a generated tree.
 */
import { readFileSync } from 'node:fs';
import { unified } from 'unified';
import remarkParse from 'remark-parse';

const file = process.argv[2] ?? new URL('out/tree-scale-1/urls_todo.md', import.meta.url);
const text = readFileSync(file, 'utf8');

let started = process.hrtime.bigint();
const tree = unified().use(remarkParse).parse(text);
const remarkMs = Number(process.hrtime.bigint() - started) / 1e6;
const listItems = tree.children.filter((node) => node.type === 'list').reduce((sum, list) => sum + list.children.length, 0);

started = process.hrtime.bigint();
let lineItems = 0;
for (const line of text.split('\n')) if (line.startsWith('- ')) lineItems += 1;
const lineMs = Number(process.hrtime.bigint() - started) / 1e6;

console.log(`remark-parse: ${remarkMs.toFixed(0)} ms for ${listItems} list items`);
console.log(`line split:   ${lineMs.toFixed(1)} ms for ${lineItems} items`);
