/**
 * The index reader (src/lint/git-index.ts) against git itself, in real repositories: every
 * format it reads must list exactly what `git ls-files -s` lists, and every format it does not
 * read must be handed back to git (undefined), never guessed at.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { attributesOnPath, conversionsConfigured, indexEntriesUnder, indexListing, locateIndex, PathListing, RawIndexListing, readIndexEntries, type IndexListing } from '../../src/lint/git-index.js';
import { git, GIT_ENV } from '../helpers/run.js';
import { removeTree, writeTree } from '../helpers/tree.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) removeTree(root);
});

/** A repository with awkward names: spaces, non-ASCII, deep folders, a link, long names. */
function repo(): string {
  const root = writeTree({
    'urls_todo.md': '# Pending URLs\n',
    'plan/task-001.md': '# One\n',
    'plan/task-002.md': '# Two\n',
    'review/draft-001.mdx': '# Draft\n',
    'notes/with space.md': 'x\n',
    'notes/ünïcödé-名前.md': 'x\n',
    'notes/😀 emoji.md': 'x\n',
    'notes/\uE000-private-use.md': 'x\n',
    [`deep/${'a/'.repeat(20)}file.md`]: 'x\n',
    [`long/${'n'.repeat(200)}.md`]: 'x\n',
  });
  roots.push(root);
  symlinkSync('../urls_todo.md', join(root, 'notes', 'link.md'));
  git(root, ['init', '-q', '-b', 'main']);
  git(root, ['add', '-A']);
  git(root, ['commit', '-q', '-m', 'initial', '--no-verify']);
  return root;
}

/** What git lists: paths (each once) and the symbolic links among them. */
function gitListing(root: string, env: NodeJS.ProcessEnv = {}): { paths: string[]; symlinks: string[] } {
  const output = spawnSync('git', ['ls-files', '-s', '-z'], { cwd: root, env: { ...process.env, ...GIT_ENV, ...env } }).stdout.toString('utf8');
  const paths: string[] = [];
  const symlinks: string[] = [];
  for (const record of output.split('\0')) {
    if (record === '') continue;
    const path = record.slice(record.indexOf('\t') + 1);
    if (paths[paths.length - 1] !== path) paths.push(path);
    if (record.startsWith('120000')) symlinks.push(path);
  }
  return { paths, symlinks };
}

function ours(root: string, env: NodeJS.ProcessEnv = {}) {
  const location = locateIndex(root, env);
  if (!location) return undefined;
  const entries = readIndexEntries(location);
  return entries && { paths: entries.paths, symlinks: [...entries.symlinks] };
}

describe('the git index reader', () => {
  it('lists what git lists, in versions 2, 3 and 4', () => {
    const root = repo();
    expect(ours(root)).toEqual(gitListing(root));
    // An intent-to-add entry carries the extended flags of version 3.
    writeFileSync(join(root, 'notes', 'later.md'), 'x\n');
    git(root, ['add', '-N', 'notes/later.md']);
    expect(readIndexVersion(root)).toBe(3);
    expect(ours(root)).toEqual(gitListing(root));
    // Version 4 compresses each path against the one before it.
    git(root, ['update-index', '--index-version', '4']);
    expect(readIndexVersion(root)).toBe(4);
    expect(ours(root)).toEqual(gitListing(root));
    expect(ours(root)!.paths).toContain('notes/ünïcödé-名前.md');
    expect(ours(root)!.symlinks).toEqual(['notes/link.md']);
  });

  it('lists a path in conflict once', () => {
    const root = repo();
    git(root, ['checkout', '-q', '-b', 'side']);
    writeFileSync(join(root, 'plan', 'task-001.md'), '# One, side\n');
    git(root, ['commit', '-q', '-am', 'side', '--no-verify']);
    git(root, ['checkout', '-q', 'main']);
    writeFileSync(join(root, 'plan', 'task-001.md'), '# One, main\n');
    git(root, ['commit', '-q', '-am', 'main', '--no-verify']);
    spawnSync('git', ['merge', 'side'], { cwd: root, env: { ...process.env, ...GIT_ENV } });
    expect(git(root, ['ls-files', '-u'])).toContain('plan/task-001.md');
    expect(ours(root)).toEqual(gitListing(root));
  });

  it('hands a split index, a file that is not an index and a redirected git back to git', () => {
    const root = repo();
    git(root, ['update-index', '--split-index']);
    expect(ours(root)).toBeUndefined();
    git(root, ['update-index', '--no-split-index']);
    expect(ours(root)).toEqual(gitListing(root));
    // The checksum is git's to verify (a --staged run fails with git's complaint: see
    // pre-commit.test.ts); a file cut short or of another kind is refused here.
    const location = locateIndex(root)!;
    const bytes = readFileSync(location.indexFile);
    writeFileSync(location.indexFile, bytes.subarray(0, 200));
    expect(readIndexEntries(location)).toBeUndefined();
    writeFileSync(location.indexFile, Buffer.concat([Buffer.from('DIRX'), bytes.subarray(4)]));
    expect(readIndexEntries(location)).toBeUndefined();
    expect(locateIndex(root, { GIT_DIR: join(root, '.git') })).toBeUndefined();
  });

  it('reads the index GIT_INDEX_FILE names (a commit -a hook) and a linked worktree’s own index', () => {
    const root = repo();
    const other = join(root, '.git', 'other-index');
    git(root, ['read-tree', 'HEAD'], { GIT_INDEX_FILE: other });
    writeFileSync(join(root, 'plan', 'task-003.md'), '# Three\n');
    git(root, ['add', 'plan/task-003.md'], { GIT_INDEX_FILE: other });
    const listed = ours(root, { GIT_INDEX_FILE: other });
    expect(listed).toEqual(gitListing(root, { GIT_INDEX_FILE: other }));
    expect(listed!.paths).toContain('plan/task-003.md');
    expect(ours(root)!.paths).not.toContain('plan/task-003.md');

    const worktree = join(root, '..', `${basename(root)}-worktree`);
    roots.push(worktree);
    git(root, ['worktree', 'add', '-q', worktree]);
    writeFileSync(join(worktree, 'plan', 'task-004.md'), '# Four\n');
    git(worktree, ['add', 'plan/task-004.md']);
    expect(ours(worktree)).toEqual(gitListing(worktree));
    expect(ours(worktree)!.paths).toContain('plan/task-004.md');
  });

  it('lists the paths under a root inside the repository, relative to it', () => {
    const root = repo();
    mkdirSync(join(root, 'state'));
    writeFileSync(join(root, 'state', 'urls_todo.md'), '# Pending URLs\n');
    git(root, ['add', 'state/urls_todo.md']);
    expect(indexEntriesUnder(join(root, 'state'))?.paths).toEqual(['urls_todo.md']);
  });
});

/** Every question `--staged` asks, answered by a listing and by git's own listing. */
function answers(listing: IndexListing, paths: string[]) {
  const folders = new Set(['']);
  for (const path of paths) for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) folders.add(path.slice(0, slash));
  const probes = [...paths, ...folders, 'missing.md', 'plan/task-00', 'notes/link', 'plan/', 'dee'];
  return {
    paths: listing.paths(),
    listings: [...folders].sort().map((folder) => [folder, listing.listDir(folder)]),
    has: probes.map((path) => [path, listing.has(path)]),
    isDirectory: probes.map((path) => [path, listing.isDirectory(path)]),
    symlinks: paths.filter((path) => listing.isSymlink(path)),
    longestUnder: [...probes, '', 'notes/ü', 'notes/\uE000', 'n', 'zzz'].map((prefix) => [prefix, listing.longestUnder(prefix)]),
  };
}

describe('the index listing', () => {
  it('answers as a listing of git ls-files does, over the raw index and over paths', () => {
    const root = repo();
    const expected = gitListing(root);
    const reference = answers(new PathListing(expected.paths, new Set(expected.symlinks)), expected.paths);
    const raw = RawIndexListing.read(locateIndex(root)!, '');
    expect(raw).toBeDefined();
    expect(answers(raw!, expected.paths)).toEqual(reference);
    expect(raw!.listDir('plan')).toEqual(['task-001.md', 'task-002.md']);
    expect(raw!.isSymlink('notes/link.md')).toBe(true);
    expect(raw!.longestUnder('plan/task-')).toBe('plan/task-001.md'.length);
    expect(raw!.longestUnder('notes/')).toBe(Buffer.byteLength('notes/ünïcödé-名前.md'));
    expect(raw!.longestUnder('')).toBe(`long/${'n'.repeat(200)}.md`.length);
    expect(raw!.longestUnder('plan/task-1')).toBe(0);
    // Version 4 is read through the path parser; the answers stay the same.
    git(root, ['update-index', '--index-version', '4']);
    expect(RawIndexListing.read(locateIndex(root)!, '')).toBeUndefined();
    expect(answers(indexListing(root)!, expected.paths)).toEqual(reference);
  });

  it('answers for a root inside the repository, relative to it', () => {
    const root = repo();
    const listing = indexListing(join(root, 'plan'))!;
    expect(listing.paths()).toEqual(['task-001.md', 'task-002.md']);
    expect(listing.has('task-001.md')).toBe(true);
    expect(listing.has('plan/task-001.md')).toBe(false);
    expect(listing.longestUnder('task-')).toBe('task-001.md'.length);
    expect(listing.listDir('')).toEqual(['task-001.md', 'task-002.md']);
  });
});

describe("git's stat check", () => {
  /** The object a path is staged as. */
  const stagedObject = (root: string, path: string) => git(root, ['ls-files', '-s', '--', path]).split(' ')[1]!;

  it('vouches for a working copy only as git would: same stat data, same object, not racily clean', () => {
    const root = repo();
    const path = 'plan/task-001.md';
    const file = join(root, path);
    // Staged well after it was written: not racy.
    utimesSync(file, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    git(root, ['add', path]);
    const object = stagedObject(root, path);
    const listing = () => RawIndexListing.read(locateIndex(root)!, '')!;
    expect(listing().statClean!(path, object, statSync(file, { bigint: true }))).toBe(true);
    // Another object name, another path, a path with no entry.
    expect(listing().statClean!(path, stagedObject(root, 'plan/task-002.md'), statSync(file, { bigint: true }))).toBe(false);
    expect(listing().statClean!('plan/task-002.md', object, statSync(file, { bigint: true }))).toBe(false);
    expect(listing().statClean!('plan/task-404.md', object, statSync(file, { bigint: true }))).toBe(false);
    // Rewritten with the same size and its old times put back: the change time still differs.
    const { atime, mtime } = statSync(file);
    writeFileSync(file, '# Ten\n');
    utimesSync(file, atime, mtime);
    expect(listing().statClean!(path, object, statSync(file, { bigint: true }))).toBe(false);
    // Staged in the same instant the index was written: racily clean, so not vouched for.
    git(root, ['add', path]);
    const index = locateIndex(root)!.indexFile;
    const written = statSync(file).mtime;
    utimesSync(index, written, written);
    expect(listing().statClean!(path, stagedObject(root, path), statSync(file, { bigint: true }))).toBe(false);
  });

  it('is not trusted where git may convert files: attributes or line-ending config', () => {
    const root = repo();
    const location = locateIndex(root)!;
    const env = { HOME: join(root, 'home'), XDG_CONFIG_HOME: join(root, 'xdg'), GIT_CONFIG_NOSYSTEM: '1' };
    expect(conversionsConfigured(location, env)).toBe(false);
    expect(attributesOnPath(root, 'plan/task-001.md')).toBe(false);
    writeFileSync(join(root, 'plan', '.gitattributes'), '*.md text eol=crlf\n');
    expect(attributesOnPath(root, 'plan/task-001.md')).toBe(true);
    expect(attributesOnPath(root, 'urls_todo.md')).toBe(false);
    git(root, ['config', 'core.autocrlf', 'input']);
    expect(conversionsConfigured(location, env)).toBe(true);
    git(root, ['config', '--unset', 'core.autocrlf']);
    expect(conversionsConfigured(location, env)).toBe(false);
    expect(conversionsConfigured(location, { ...env, GIT_CONFIG_PARAMETERS: "'core.autocrlf'='true'" })).toBe(true);
    writeFileSync(join(root, 'xdg-gitconfig'), '[core]\n\tautocrlf = true\n');
    expect(conversionsConfigured(location, { ...env, GIT_CONFIG_GLOBAL: join(root, 'xdg-gitconfig') })).toBe(true);
    mkdirSync(join(root, 'home'), { recursive: true });
    writeFileSync(join(root, 'home', '.gitconfig'), '[include]\n\tpath = elsewhere\n');
    expect(conversionsConfigured(location, env)).toBe(true);
    rmSync(join(root, 'home', '.gitconfig'));
    mkdirSync(join(root, '.git', 'info'), { recursive: true });
    writeFileSync(join(root, '.git', 'info', 'attributes'), '* text\n');
    expect(conversionsConfigured(location, env)).toBe(true);
  });
});

function readIndexVersion(root: string): number {
  return readFileSync(join(root, '.git', 'index')).readUInt32BE(4);
}
