#!/usr/bin/env node
/**
 * The floor for a full lint: find every file under a tree and read it as UTF-8 text,
 * nothing else. A linter cannot do less work than this.
 *
 *   node bench/floor.mjs <tree>
 *
 * Finds files the way protocol-lint does (fast-glob, dot files skipped) when fast-glob is
 * installed, else with a plain recursive walk. Prints `files bytes finder`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(process.argv[2] ?? '.');

async function findFiles() {
  try {
    const { default: fastGlob } = await import('fast-glob');
    return { finder: 'fast-glob', files: fastGlob.sync('**/*', { cwd: root, dot: false, onlyFiles: true, followSymbolicLinks: false }) };
  } catch {
    const files = [];
    const walk = (folder) => {
      for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
        if (entry.name.startsWith('.')) continue;
        const rel = folder === '' ? entry.name : `${folder}/${entry.name}`;
        if (entry.isDirectory()) walk(rel);
        else if (entry.isFile()) files.push(rel);
      }
    };
    walk('');
    return { finder: 'fs-walk', files };
  }
}

const { finder, files } = await findFiles();
let characters = 0;
for (const file of files) characters += readFileSync(join(root, file), 'utf8').length;
console.log(`${files.length} ${characters} ${finder}`);
