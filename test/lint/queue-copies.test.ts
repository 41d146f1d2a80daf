/**
 * Queue copies kept between `--staged` runs (src/lint/queue-copies.ts): a run keeps the staged
 * queue and HEAD's copy by object name, the next run reads HEAD's copy from there instead of
 * asking git, and only the newest few are kept. A copy that does not hash to its name, or is
 * reached through a symbolic link, is never used.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { QueueCopies } from '../../src/lint/queue-copies.js';
import { BufferSource } from '../../src/protocol/byte-source.js';
import { git, runBin } from '../helpers/run.js';
import { removeTree, writeTree } from '../helpers/tree.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) removeTree(root);
});

/** A repository whose HEAD queue already holds a problem (a duplicate) that a focused check of new lines does not see. */
function repo(): string {
  const root = writeTree({
    '.protocol-lint.json': '{}\n',
    'CLAUDE.md': '# Project\n\n## Session Protocol\n\nRead the state.\n',
    'urls_todo.md': '# Pending URLs\n- https://example.com/x\n- https://example.com/x\n',
    'urls_done.md': '# Completed URLs\n',
  });
  roots.push(root);
  git(root, ['init', '-q', '-b', 'main']);
  git(root, ['add', '-A']);
  git(root, ['commit', '-q', '-m', 'initial', '--no-verify']);
  return root;
}

const copiesDir = (root: string) => join(root, '.git', 'relay', 'queue-copies');
const objectOf = (root: string, name: string) => git(root, ['rev-parse', name]).trim();

describe('queue copies', () => {
  it('keep the staged queue and HEAD’s by object name, and stand in for git on the next run', () => {
    const root = repo();
    writeFileSync(join(root, 'urls_todo.md'), '# Pending URLs\n- https://example.com/x\n- https://example.com/x\n- https://example.com/y\n');
    git(root, ['add', 'urls_todo.md']);
    const head = objectOf(root, 'HEAD:urls_todo.md');
    const staged = objectOf(root, ':urls_todo.md');

    // Only the added line is checked: the old duplicate is not this commit's doing.
    const first = runBin('protocol-lint', ['--staged', '--format', 'json'], { cwd: root });
    expect(first.stdout).not.toContain('queue-duplicate');
    expect(first.status).toBe(0);
    expect(readdirSync(copiesDir(root)).sort()).toEqual([head, staged].sort());
    expect(readFileSync(join(copiesDir(root), head), 'utf8')).toBe(git(root, ['show', 'HEAD:urls_todo.md']));
    expect(readFileSync(join(copiesDir(root), staged), 'utf8')).toBe(git(root, ['show', ':urls_todo.md']));

    // HEAD's queue can no longer come from git: the kept copy stands in, and the check stays focused.
    rmSync(join(root, '.git', 'objects', head.slice(0, 2), head.slice(2)));
    expect(() => git(root, ['cat-file', '-p', head])).toThrow();
    const second = runBin('protocol-lint', ['--staged', '--format', 'json'], { cwd: root, env: { ...process.env, RELAY_DEBUG: 'copies' } });
    expect(second.stdout).not.toContain('queue-duplicate');
    expect(second.status).toBe(0);
    expect(second.stderr).not.toContain('relay:copies');

    // Without the copy, HEAD's queue is unknown and the whole file is checked.
    rmSync(join(copiesDir(root), head));
    const third = runBin('protocol-lint', ['--staged', '--format', 'json'], { cwd: root });
    expect(third.stdout).toContain('queue-duplicate');
    expect(third.status).toBe(1);
  });

  it('keep the newest eight, and never take a name that is not an object name', () => {
    const root = repo();
    const copies = QueueCopies.of(join(root, '.git'))!;
    const names = Array.from({ length: 10 }, (_, index) => index.toString(16).repeat(40));
    names.forEach((name, index) => {
      copies.save(name, new BufferSource(Buffer.from(`copy ${index}\n`)));
      utimesSync(join(copiesDir(root), name), new Date(1_000_000 + index * 1000), new Date(1_000_000 + index * 1000));
    });
    const newest = blobName('newest\n');
    copies.save(newest, new BufferSource(Buffer.from('newest\n')));
    const kept = readdirSync(copiesDir(root)).sort();
    expect(kept).toHaveLength(8);
    expect(kept).toContain(newest);
    expect(kept).not.toContain(names[0]);
    copies.save('../escape', new BufferSource(Buffer.from('no')));
    expect(copies.open('../escape')).toBeUndefined();
    expect(readdirSync(join(root, '.git', 'relay'))).toEqual(['queue-copies']);
    const reopened = copies.open(newest)!;
    expect(reopened.readAll().toString()).toBe('newest\n');
    reopened.close();
    // A kept name whose bytes are not that object's is never opened.
    expect(copies.open('f'.repeat(40))).toBeUndefined();
  });

  it('are off with RELAY_QUEUE_COPIES=0, and say so', () => {
    expect(QueueCopies.of('/nowhere', { RELAY_QUEUE_COPIES: '0' })).toBeUndefined();
  });

  /** HEAD's queue holds `x`, done holds `y`; the commit stages `y` as pending too: an overlap the focused check must see. */
  function stageOverlap(): { root: string; head: string; stagedText: string } {
    const root = writeTree({
      '.protocol-lint.json': '{}\n',
      'CLAUDE.md': '# Project\n\n## Session Protocol\n\nRead the state.\n',
      'urls_todo.md': '# Pending URLs\n- https://example.com/x\n',
      'urls_done.md': '# Completed URLs\n- https://example.com/y (completed 2026-03-19)\n',
    });
    roots.push(root);
    git(root, ['init', '-q', '-b', 'main']);
    git(root, ['add', '-A']);
    git(root, ['commit', '-q', '-m', 'initial', '--no-verify']);
    const stagedText = '# Pending URLs\n- https://example.com/x\n- https://example.com/y\n';
    writeFileSync(join(root, 'urls_todo.md'), stagedText);
    git(root, ['add', 'urls_todo.md']);
    return { root, head: objectOf(root, 'HEAD:urls_todo.md'), stagedText };
  }

  const lintStaged = (root: string) => runBin('protocol-lint', ['--staged', '--format', 'json'], { cwd: root, env: { ...process.env, RELAY_DEBUG: 'copies' } });

  it('a tampered copy (not hashing to its name) is not used: the bad commit is still refused', () => {
    const { root, head, stagedText } = stageOverlap();
    // HEAD's copy "already holds" the added line: used as it is, the commit would add nothing.
    mkdirSync(copiesDir(root), { recursive: true });
    writeFileSync(join(copiesDir(root), head), stagedText);
    const result = lintStaged(root);
    expect(result.stdout).toContain('queue-overlap');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`relay:copies the copy of ${head} does not hash to its name`));
  });

  it('a copy reached through a symbolic link is not used, and none is written through one', () => {
    const { root, head } = stageOverlap();
    const outside = mkdtempSync(join(tmpdir(), 'relay-outside-'));
    roots.push(outside);
    // The link's target is even HEAD's true bytes: a link is refused whatever it leads to.
    writeFileSync(join(outside, 'head'), git(root, ['show', 'HEAD:urls_todo.md']));
    mkdirSync(copiesDir(root), { recursive: true });
    symlinkSync(join(outside, 'head'), join(copiesDir(root), head));
    const result = lintStaged(root);
    expect(result.stdout).toContain('queue-overlap');
    expect(result.stderr).toMatch(new RegExp(`relay:copies no copy of ${head}: ELOOP`));

    // A copies folder that is a link elsewhere: nothing is read or written there.
    rmSync(copiesDir(root), { recursive: true });
    symlinkSync(outside, copiesDir(root));
    const linked = lintStaged(root);
    expect(linked.stdout).toContain('queue-overlap');
    expect(linked.stderr).toContain('is not a folder (a symbolic link?)');
    expect(readdirSync(outside)).toEqual(['head']);
  });
});

/** The git object name of a blob holding `text`. */
function blobName(text: string): string {
  return createHash('sha1').update(`blob ${Buffer.byteLength(text)}\0${text}`).digest('hex');
}
