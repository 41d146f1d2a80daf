/**
 * The paths git's index holds under the root, as `git ls-files -s -z` lists them (started with
 * `git diff --cached` in the early shell, see staged-git.ts). `--staged` asks it which files a
 * commit holds for every folder check, and which object an unchanged queue is staged as.
 */

/** The staged paths (relative to the root), searched by binary search. */
export class IndexListing {
  private readonly sorted: string[];
  /** The object each sorted path is staged as at merge stage 0 (a path in conflict has none). */
  private readonly objects: (string | undefined)[];

  constructor(paths: string[], private readonly symlinks: Set<string>, objects: (string | undefined)[]) {
    // Byte order (git's) and JavaScript's string order differ around characters outside the BMP.
    if (paths.every((path, index) => index === 0 || paths[index - 1]! <= path)) {
      this.sorted = paths;
      this.objects = objects;
    } else {
      const order = paths.map((_, index) => index).sort((a, b) => (paths[a]! < paths[b]! ? -1 : paths[a]! > paths[b]! ? 1 : 0));
      this.sorted = order.map((index) => paths[index]!);
      this.objects = order.map((index) => objects[index]);
    }
  }

  /**
   * Parses `git ls-files -s -z` output: `<mode> <object> <stage>\t<path>\0` per entry, a path in
   * conflict once per stage. One indexOf pass over the text: splitting every record and keying a
   * Map by path took twice as long (~55 ms for 14,000 files), a fifth of a `--staged` run.
   */
  static parse(output: Buffer): IndexListing {
    const text = output.toString('utf8');
    const paths: string[] = [];
    const symlinks = new Set<string>();
    const objects: (string | undefined)[] = [];
    for (let start = 0; start < text.length; ) {
      let end = text.indexOf('\0', start);
      if (end === -1) end = text.length;
      const tab = text.indexOf('\t', start);
      if (tab !== -1 && tab < end) {
        const path = text.slice(tab + 1, end);
        const afterMode = text.indexOf(' ', start);
        const beforeStage = text.lastIndexOf(' ', tab);
        const object = afterMode !== -1 && afterMode < beforeStage ? text.slice(afterMode + 1, beforeStage) : undefined;
        const stageZero = tab - beforeStage === 2 && text.charCodeAt(tab - 1) === 0x30;
        if (paths[paths.length - 1] === path) {
          if (stageZero) objects[objects.length - 1] = object;
        } else {
          paths.push(path);
          objects.push(stageZero ? object : undefined);
          if (text.slice(start, afterMode) === '120000') symlinks.add(path);
        }
      }
      start = end + 1;
    }
    return new IndexListing(paths, symlinks, objects);
  }

  /** The object a path is staged as (merge stage 0); undefined when none. */
  objectOf(path: string): string | undefined {
    const index = this.lowerBound(path);
    return this.sorted[index] === path ? this.objects[index] : undefined;
  }

  /**
   * The longest path starting with `prefix`, in bytes; 0 when none does. Bounds the spellings
   * of a numbered name (`plan/task-` + digits) to those that could be staged.
   */
  longestUnder(prefix: string): number {
    let longest = 0;
    for (let index = this.lowerBound(prefix); index < this.sorted.length && this.sorted[index]!.startsWith(prefix); index++) {
      longest = Math.max(longest, Buffer.byteLength(this.sorted[index]!));
    }
    return longest;
  }

  private lowerBound(key: string): number {
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.sorted[middle]! < key) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Whether a file is staged at this path. */
  has(path: string): boolean {
    return this.sorted[this.lowerBound(path)] === path;
  }

  /** Whether staged files lie under this folder. */
  isDirectory(path: string): boolean {
    return path === '' || (this.sorted[this.lowerBound(path + '/')]?.startsWith(path + '/') ?? false);
  }

  /** The names directly in a folder (files and subfolders), sorted; undefined when none. */
  listDir(folder: string): string[] | undefined {
    const prefix = folder === '' ? '' : folder + '/';
    const names = new Set<string>();
    for (let index = this.lowerBound(prefix); index < this.sorted.length; index++) {
      const path = this.sorted[index]!;
      if (!path.startsWith(prefix)) break;
      const slash = path.indexOf('/', prefix.length);
      names.add(slash === -1 ? path.slice(prefix.length) : path.slice(prefix.length, slash));
    }
    return names.size > 0 ? [...names].sort() : undefined;
  }

  isSymlink(path: string): boolean {
    return this.symlinks.has(path);
  }

  /** Every staged path, sorted. */
  paths(): string[] {
    return this.sorted;
  }
}
