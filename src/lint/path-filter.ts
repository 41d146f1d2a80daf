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
  const wrapped = `/${path}/`;
  return ALWAYS_IGNORED_NAMES.some((name) => wrapped.includes(`/${name}/`));
}

/** The folder names ALWAYS_IGNORED stands for; a test checks the two agree. */
export const ALWAYS_IGNORED_NAMES = ['node_modules', '.git'];

/** Answers, for root-relative POSIX paths, whether they are ignored and which nested root holds them. */
export class PathFilter {
  /** The config's `ignores` with ALWAYS_IGNORED, or {@link alwaysIgnored} when the config has none of its own. */
  private readonly matches: IgnoreMatcher;
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
    const matches = this.matches;
    if (matches(path)) return true;
    // alwaysIgnored judges every folder on the way at once; picomatch on the path and each
    // folder on its way cost ~40 ms for a walk of 14,000 files.
    if (matches === alwaysIgnored) return false;
    for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
      if (matches(path.slice(0, slash))) return true;
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
