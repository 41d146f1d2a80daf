/**
 * The index listing answers from git's own `ls-files -s -z` bytes: each answer is checked
 * against the same output read the plain way (split at every NUL, every entry decoded), on a
 * real repository with names outside ASCII and outside the BMP, a symbolic link, numbered
 * spellings, nested folders and a path in merge conflict (three stages, no stage 0).
 */
import { execFileSync } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IndexListing } from '../../src/lint/index-listing.js';
import { git } from '../helpers/run.js';
import { removeTree, writeTree } from '../helpers/tree.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) removeTree(dir);
});

/** Every entry of the listing, decoded: `{ mode, object, stage, path }`. */
function entries(output: Buffer): Array<{ mode: string; object: string; stage: string; path: string }> {
  return output
    .toString('utf8')
    .split('\0')
    .filter(Boolean)
    .map((entry) => {
      const [meta, path] = [entry.slice(0, entry.indexOf('\t')), entry.slice(entry.indexOf('\t') + 1)];
      const [mode, object, stage] = meta.split(' ');
      return { mode: mode!, object: object!, stage: stage!, path };
    });
}

describe('index listing', () => {
  it('answers as a plain reading of the same output does', () => {
    const root = writeTree({
      'a.md': 'a\n',
      'plan/task-001.md': '1\n',
      'plan/task-0001.md': '1\n',
      'plan/task-12345.md': '2\n',
      'plan/sub/x.md': 'x\n',
      'plan-b.md': 'b\n',
      'é.md': 'e\n',
      '😀.md': 's\n',
      'z/😀/y.md': 'y\n',
      'z/ab.md': 'y\n',
      'conflict.md': 'base\n',
    });
    dirs.push(root);
    symlinkSync('a.md', join(root, 'link.md'));
    git(root, ['init', '-q', '-b', 'main']);
    git(root, ['add', '-A']);
    git(root, ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'base']);
    // A merge conflict: conflict.md at stages 1, 2 and 3, none at 0.
    git(root, ['checkout', '-qb', 'other']);
    writeFileSync(join(root, 'conflict.md'), 'theirs\n');
    git(root, ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qam', 'theirs']);
    git(root, ['checkout', '-q', 'main']);
    writeFileSync(join(root, 'conflict.md'), 'ours\n');
    git(root, ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qam', 'ours']);
    try {
      git(root, ['-c', 'user.name=t', '-c', 'user.email=t@t', 'merge', '-q', 'other']);
    } catch {
      // The conflict is the point.
    }
    const output = execFileSync('git', ['ls-files', '-s', '-z', '--', '.'], { cwd: root });
    const all = entries(output);
    expect(all.filter((entry) => entry.path === 'conflict.md').map((entry) => entry.stage)).toEqual(['1', '2', '3']);
    const listing = IndexListing.parse(output);
    const paths = [...new Set(all.map((entry) => entry.path))];

    expect(listing.paths()).toEqual(paths);
    for (const path of [...paths, 'b.md', 'plan', 'plan/task-01.md', 'plan/sub', 'z/😀', '😀', '']) {
      expect([path, listing.has(path)]).toEqual([path, paths.includes(path)]);
      const stageZero = all.find((entry) => entry.path === path && entry.stage === '0');
      expect([path, listing.objectOf(path)]).toEqual([path, stageZero?.object]);
      expect([path, listing.isSymlink(path)]).toEqual([path, all.some((entry) => entry.path === path && entry.mode === '120000')]);
      expect([path, listing.isDirectory(path)]).toEqual([path, path === '' || paths.some((other) => other.startsWith(`${path}/`))]);
      const prefix = path === '' ? '' : `${path}/`;
      const names = [...new Set(paths.filter((other) => other.startsWith(prefix)).map((other) => other.slice(prefix.length).split('/')[0]!))].sort();
      expect([path, listing.listDir(path)]).toEqual([path, names.length > 0 ? names : undefined]);
    }
    expect(listing.isSymlink('link.md')).toBe(true);
    expect(listing.objectOf('conflict.md')).toBeUndefined();
    expect(listing.has('conflict.md')).toBe(true);
    for (const prefix of ['plan/task-', 'plan/task-0', 'plan/task-000', 'plan/task-0000', 'z/😀', 'z/😀/', 'z/a', 'nothing/', 'é', '😀.md', '😀.mdx', '']) {
      expect([prefix, listing.anyStartsWith(prefix)]).toEqual([prefix, paths.some((path) => path.startsWith(prefix))]);
    }
  });
});
