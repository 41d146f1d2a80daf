/**
 * Queue copies kept between `--staged` runs (src/lint/queue-copies.ts): a run keeps the staged
 * queue and HEAD's copy by object name, the next run reads HEAD's copy from there instead of
 * asking git, and only the newest few are kept.
 */
import { readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { locateIndex } from '../../src/lint/git-index.js';
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
    // Written well before it is staged, so git's stat check can vouch for the working copy.
    utimesSync(join(root, 'urls_todo.md'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
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
    const second = runBin('protocol-lint', ['--staged', '--format', 'json'], { cwd: root });
    expect(second.stdout).not.toContain('queue-duplicate');
    expect(second.status).toBe(0);

    // Without the copy, HEAD's queue is unknown and the whole file is checked.
    rmSync(join(copiesDir(root), head));
    const third = runBin('protocol-lint', ['--staged', '--format', 'json'], { cwd: root });
    expect(third.stdout).toContain('queue-duplicate');
    expect(third.status).toBe(1);
  });

  it('keep the newest eight, and never take a name that is not an object name', () => {
    const root = repo();
    const copies = QueueCopies.of(locateIndex(root)!);
    const names = Array.from({ length: 10 }, (_, index) => index.toString(16).repeat(40));
    names.forEach((name, index) => {
      copies.save(name, new BufferSource(Buffer.from(`copy ${index}\n`)));
      utimesSync(join(copiesDir(root), name), new Date(1_000_000 + index * 1000), new Date(1_000_000 + index * 1000));
    });
    copies.save('f'.repeat(40), new BufferSource(Buffer.from('newest\n')));
    const kept = readdirSync(copiesDir(root)).sort();
    expect(kept).toHaveLength(8);
    expect(kept).toContain('f'.repeat(40));
    expect(kept).not.toContain(names[0]);
    copies.save('../escape', new BufferSource(Buffer.from('no')));
    expect(copies.open('../escape')).toBeUndefined();
    expect(readdirSync(join(root, '.git', 'relay'))).toEqual(['queue-copies']);
    const reopened = copies.open('f'.repeat(40))!;
    expect(reopened.readAll().toString()).toBe('newest\n');
    reopened.close();
  });
});
