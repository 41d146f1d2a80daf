/**
 * Which paths of a root are the root's to lint: not matched by the config's `ignores` (nor
 * `node_modules/`, `.git/`), and not inside a nested root (a folder holding its own
 * `.protocol-lint.json`, linted under its own config). The full walk, paths given on the
 * command line, `--staged` and the hooks all ask this one place, so they cannot disagree.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_FILE } from '../protocol/config.js';

/** Whether a root-relative path matches: the config's `ignores` compiled (ignore-matcher.ts), or {@link alwaysIgnored}. */
export type IgnoreMatcher = (path: string) => boolean;

/**
 * What `ALWAYS_IGNORED` (`**\/node_modules/**`, `**\/.git/**`) matches, as picomatch matches
 * it, without loading picomatch: a path with a `node_modules` or `.git` segment. A config with
 * no `ignores` (most) needs no more, so the hooks never load picomatch for it.
 */
export function alwaysIgnored(path: string): boolean {
  return path.split('/').some((segment) => segment === 'node_modules' || segment === '.git');
}

/** Answers, for root-relative POSIX paths, whether they are ignored and which nested root holds them. */
export class PathFilter {
  private readonly matches: (path: string) => boolean;
  /** Folder → whether it holds a config file of its own. */
  private readonly roots = new Map<string, boolean>();

  constructor(
    readonly root: string,
    matches: IgnoreMatcher,
  ) {
    this.matches = matches;
  }

  /** Whether the path, or a folder on the way to it, matches the config's `ignores`. */
  isIgnored(path: string): boolean {
    if (this.matches(path)) return true;
    for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
      if (this.matches(path.slice(0, slash))) return true;
    }
    return false;
  }

  /** The outermost folder under the root that holds its own config file and contains the path; undefined when none. */
  nestedRootOf(path: string): string | undefined {
    for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
      const folder = path.slice(0, slash);
      let isRoot = this.roots.get(folder);
      if (isRoot === undefined) this.roots.set(folder, (isRoot = existsSync(join(this.root, folder, CONFIG_FILE))));
      if (isRoot) return folder;
    }
    return undefined;
  }
}
