import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { ALWAYS_IGNORED } from '../../src/protocol/config.js';
import { ignoreMatcher } from '../../src/lint/ignore-matcher.js';
import { ALWAYS_IGNORED_NAMES, PathFilter } from '../../src/lint/path-filter.js';

const paths = [
  'node_modules',
  'node_modules/x/y.md',
  'a/node_modules',
  'a/node_modules/b.md',
  '.git',
  '.git/HEAD',
  'a/.git/config',
  '.gitignore',
  'a/.github/x.md',
  'my_node_modules/x.md',
  'node_modules_old/x.md',
  'plan/task-001.md',
  'urls_todo.md',
];

describe('PathFilter', () => {
  it('without ignores of its own, skips what ALWAYS_IGNORED matches on the path or a folder on its way', () => {
    const matches = picomatch(ALWAYS_IGNORED, { dot: true });
    const filter = new PathFilter('/nowhere', ignoreMatcher([]));
    for (const path of paths) {
      const segments = path.split('/');
      const expected = segments.some((_, index) => matches(segments.slice(0, index + 1).join('/')));
      expect(filter.isIgnored(path), path).toBe(expected);
    }
    expect(paths.filter((path) => filter.isIgnored(path))).toEqual(['node_modules', 'node_modules/x/y.md', 'a/node_modules', 'a/node_modules/b.md', '.git', '.git/HEAD', 'a/.git/config']);
  });

  it('names the same folders as ALWAYS_IGNORED', () => {
    expect(ALWAYS_IGNORED).toEqual(ALWAYS_IGNORED_NAMES.map((name) => `**/${name}/**`));
  });

  it('with ignores of its own, still skips ALWAYS_IGNORED and matches folders on the way', () => {
    const filter = new PathFilter('/nowhere', ignoreMatcher(['drafts/**']));
    expect(filter.isIgnored('drafts/x.md')).toBe(true);
    expect(filter.isIgnored('a/node_modules/b.md')).toBe(true);
    expect(filter.isIgnored('plan/task-001.md')).toBe(false);
  });
});
