/**
 * Renumbering colliding ids in real temp trees: the later spelling moves to the next free
 * number with its draft and final, every reference by that spelling follows, nothing is lost,
 * and a second run changes nothing — directly and through the built `protocol-lint --fix`.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/protocol/config.js';
import { findDuplicateIds, renumberDuplicates, rewriteLinks } from '../../src/state/renumber.js';
import { runBin } from '../helpers/run.js';
import { removeTree, writeTree } from '../helpers/tree.js';

/** Every file under a root, path → content. */
function snapshot(root: string, folder = ''): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
    const path = folder === '' ? entry.name : `${folder}/${entry.name}`;
    if (entry.name === '.relay') continue;
    if (entry.isDirectory()) Object.assign(files, snapshot(root, path));
    else files[path] = readFileSync(join(root, path), 'utf8');
  }
  return files;
}

const TREE: Record<string, string> = {
  'plan/task-012.md': '---\nid: task-012\n---\n# Twelve\n',
  'plan/task-0012.md': '---\nid: "task-0012"\nstatus: todo\n---\n# Twelve from the other clone\n\nSee [me](task-0012.md#top).\n',
  'plan/task-013.md': '---\ndepends_on:\n  - task-0012\n  - task-012\n  - 12\n---\n# Thirteen\n',
  'plan/task-014.md': '---\ndepends_on: [task-0012]\n---\n# Fourteen\n\n`task-0012` stays in prose; [link](./task-0012.md) moves.\n',
  'review/draft-012.mdx': '# Draft twelve\n\n[task](../plan/task-012.md)\n',
  'review/draft-0012.mdx': '# Draft twelve, other clone\n\n[task](../plan/task-0012.md)\n',
  'review/final-0012.mdx': '# Final twelve, other clone\n',
  'review/findings-001.md': [
    '# Findings 001',
    '',
    '- [the other twelve](../plan/task-0012.md) and [ours](../plan/task-012.md)',
    '- [angle](<../plan/task-0012.md>) and <a href="../review/draft-0012.mdx">html</a>',
    '- [from the root](/plan/task-0012.md?x=1)',
    '',
    '```',
    '[in code](../plan/task-0012.md)',
    '```',
    '',
    '[ref]: ../plan/task-0012.md "title"',
    '',
  ].join('\n'),
  'review/findings-0001.md': '# Findings 0001\n',
  'discovery/wave-1/note.md': '# Note\n\n[task](../../plan/task-0012.md)\n',
  'CLAUDE.md': '# Project\n\n## Session Protocol\n\nStart with [the task](plan/task-0012.md).\n',
  'urls_todo.md': '# Pending URLs\n\n',
  'urls_done.md': '# Completed URLs\n\n- https://example.com/a (completed 2026-03-19, output review/draft-0012.mdx)\n- https://example.com/b (completed 2026-03-19, output review/draft-012.mdx)\n',
};

const EXPECTED: Record<string, string> = {
  ...TREE,
  'plan/task-015.md': '---\nid: "task-015"\nstatus: todo\n---\n# Twelve from the other clone\n\nSee [me](task-015.md#top).\n',
  'plan/task-013.md': '---\ndepends_on:\n  - task-015\n  - task-012\n  - 12\n---\n# Thirteen\n',
  'plan/task-014.md': '---\ndepends_on: [task-015]\n---\n# Fourteen\n\n`task-0012` stays in prose; [link](./task-015.md) moves.\n',
  'review/draft-015.mdx': '# Draft twelve, other clone\n\n[task](../plan/task-015.md)\n',
  'review/final-015.mdx': '# Final twelve, other clone\n',
  'review/findings-001.md': TREE['review/findings-001.md']!
    .replace('[the other twelve](../plan/task-0012.md)', '[the other twelve](../plan/task-015.md)')
    .replace('<../plan/task-0012.md>', '<../plan/task-015.md>')
    .replace('href="../review/draft-0012.mdx"', 'href="../review/draft-015.mdx"')
    .replace('(/plan/task-0012.md?x=1)', '(/plan/task-015.md?x=1)')
    .replace('[ref]: ../plan/task-0012.md', '[ref]: ../plan/task-015.md'),
  'review/findings-002.md': '# Findings 0001\n',
  'discovery/wave-1/note.md': '# Note\n\n[task](../../plan/task-015.md)\n',
  'CLAUDE.md': '# Project\n\n## Session Protocol\n\nStart with [the task](plan/task-015.md).\n',
  'urls_done.md': '# Completed URLs\n\n- https://example.com/a (completed 2026-03-19, output review/draft-015.mdx)\n- https://example.com/b (completed 2026-03-19, output review/draft-012.mdx)\n',
};
for (const gone of ['plan/task-0012.md', 'review/draft-0012.mdx', 'review/final-0012.mdx', 'review/findings-0001.md']) delete EXPECTED[gone];

describe('renumberDuplicates', () => {
  it('finds the collisions, the spelling that keeps the number first', () => {
    const root = writeTree(TREE);
    try {
      expect(findDuplicateIds(root, defaultConfig())).toEqual([
        { kind: 'task', number: 12, paths: ['plan/task-012.md', 'plan/task-0012.md'] },
        { kind: 'draft', number: 12, paths: ['review/draft-012.mdx', 'review/draft-0012.mdx'] },
        { kind: 'findings', number: 1, paths: ['review/findings-001.md', 'review/findings-0001.md'] },
      ]);
    } finally {
      removeTree(root);
    }
  });

  it('moves the later spelling with its draft and final, rewrites every reference by that spelling, and is idempotent', () => {
    const root = writeTree(TREE);
    try {
      const config = defaultConfig();
      const result = renumberDuplicates(root, config);
      expect(result).toEqual({
        ok: true,
        renumbered: [
          { kind: 'task', from: 'plan/task-0012.md', to: 'plan/task-015.md', number: 12, newNumber: 15, along: [{ from: 'review/draft-0012.mdx', to: 'review/draft-015.mdx' }, { from: 'review/final-0012.mdx', to: 'review/final-015.mdx' }] },
          { kind: 'findings', from: 'review/findings-0001.md', to: 'review/findings-002.md', number: 1, newNumber: 2, along: [] },
        ],
        rewritten: ['CLAUDE.md', 'discovery/wave-1/note.md', 'plan/task-013.md', 'plan/task-014.md', 'plan/task-015.md', 'review/draft-015.mdx', 'review/findings-001.md', 'urls_done.md'],
      });
      expect(snapshot(root)).toEqual(EXPECTED);
      expect(findDuplicateIds(root, config)).toEqual([]);
      expect(renumberDuplicates(root, config)).toEqual({ ok: true, renumbered: [], rewritten: [] });
      expect(snapshot(root)).toEqual(EXPECTED);
    } finally {
      removeTree(root);
    }
  });

  it('renumbers only the groups of the files asked about', () => {
    const root = writeTree(TREE);
    try {
      const result = renumberDuplicates(root, defaultConfig(), { only: ['review/findings-001.md'] });
      expect(result).toMatchObject({ ok: true, renumbered: [{ from: 'review/findings-0001.md', to: 'review/findings-002.md' }] });
      expect(statSync(join(root, 'plan/task-0012.md')).isFile()).toBe(true);
    } finally {
      removeTree(root);
    }
  });

  it('leaves a queue that is a FIFO alone instead of waiting on it (built CLI, --fix)', () => {
    const root = writeTree({ 'plan/task-012.md': '# Twelve\n', 'plan/task-0012.md': '# Twelve again\n', 'urls_todo.md': '# Pending URLs\n' });
    try {
      execFileSync('mkfifo', [join(root, 'urls_done.md')]);
      // Before, the rewrite of the queues' `output` fields opened the FIFO and waited for a writer forever.
      const run = runBin('protocol-lint', ['--fix', '--format', 'json'], { cwd: root, timeout: 30_000 });
      expect(run.status, run.stderr).not.toBeNull();
      expect(readdirSync(join(root, 'plan')).sort()).toEqual(['task-012.md', 'task-013.md']);
    } finally {
      removeTree(root);
    }
  });

  it('refuses to copy a colliding file that is a symbolic link', () => {
    const root = writeTree({ 'plan/task-001.md': '# One\n', 'outside.md': 'secret\n' });
    try {
      symlinkSync(join(root, 'outside.md'), join(root, 'plan/task-0001.md'));
      expect(renumberDuplicates(root, defaultConfig())).toEqual({ ok: false, error: 'Unexpected `plan/task-0001.md` that is not a regular file, expected one; renumber `plan/task-001.md`, `plan/task-0001.md` by hand' });
      expect(readdirSync(join(root, 'plan')).sort()).toEqual(['task-0001.md', 'task-001.md']);
    } finally {
      removeTree(root);
    }
  });
});

describe('rewriteLinks', () => {
  it('leaves links to other files, absolute URLs and anchors alone', () => {
    const text = '[a](https://x.com/task-0012.md) [b](#task-0012.md) [c](task-00120.md) [d](../plan/task-0012.md)\n';
    expect(rewriteLinks(text, 'review/x.md', 'plan/task-0012.md', 'plan/task-015.md')).toBe('[a](https://x.com/task-0012.md) [b](#task-0012.md) [c](task-00120.md) [d](../plan/task-015.md)\n');
    expect(rewriteLinks('[d](task-0012.md)\n', 'review/x.md', 'plan/task-0012.md', 'plan/task-015.md')).toBeUndefined();
  });
});

describe('protocol-lint --fix (built CLI)', () => {
  it('renumbers, rewrites the links, reports what it fixed, and a second run changes nothing', () => {
    const root = writeTree(TREE);
    try {
      const before = runBin('protocol-lint', ['--format', 'json'], { cwd: root });
      const duplicates = (JSON.parse(before.stdout) as { filePath: string; messages: { ruleId: string; fixable?: boolean }[] }[]).flatMap((result) => result.messages.filter((message) => message.ruleId === 'layout-duplicate-id').map((message) => `${result.filePath} ${message.fixable}`));
      expect(duplicates).toEqual(['plan/task-0012.md true', 'plan/task-012.md true', 'review/draft-0012.mdx true', 'review/draft-012.mdx true', 'review/findings-0001.md true', 'review/findings-001.md true']);

      const fixed = runBin('protocol-lint', ['--fix', '--format', 'json'], { cwd: root });
      expect(fixed.stderr).toContain('protocol-lint: fixed plan/task-015.md\n');
      expect(fixed.stderr).toContain('protocol-lint: fixed CLAUDE.md\n');
      const after = JSON.parse(fixed.stdout) as { messages: { ruleId: string }[] }[];
      expect(after.flatMap((result) => result.messages.map((message) => message.ruleId)).filter((id) => id === 'layout-duplicate-id' || id === 'link-broken')).toEqual([]);
      expect(snapshot(root)).toEqual(EXPECTED);

      const again = runBin('protocol-lint', ['--fix', '--format', 'json'], { cwd: root });
      expect(again.stderr).not.toContain('fixed');
      expect(again.status).toBe(fixed.status);
      expect(snapshot(root)).toEqual(EXPECTED);
    } finally {
      removeTree(root);
    }
  });
});

describe('renumberDuplicates around the root', () => {
  it('creates no folder it does not need, and refuses a plan folder linked out of the root', () => {
    const root = writeTree({ 'plan/task-001.md': '# One\n', 'plan/task-0001.md': '# One again\n' });
    const outside = writeTree({ 'task-001.md': '# Theirs\n', 'task-0001.md': '# Theirs again\n' });
    try {
      expect(renumberDuplicates(root, defaultConfig())).toMatchObject({ ok: true, renumbered: [{ from: 'plan/task-0001.md', to: 'plan/task-002.md' }] });
      expect(readdirSync(root).sort()).toEqual(['.relay', 'plan']);
      const config = { ...defaultConfig(), layout: { ...defaultConfig().layout, plan: 'linked' } };
      symlinkSync(outside, join(root, 'linked'));
      expect(renumberDuplicates(root, config)).toMatchObject({ ok: false, error: expect.stringContaining('leaving the root') });
      expect(readdirSync(outside).sort()).toEqual(['task-0001.md', 'task-001.md']);
    } finally {
      removeTree(root);
      removeTree(outside);
    }
  });
});
