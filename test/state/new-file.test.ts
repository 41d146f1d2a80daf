/**
 * `createNumberedFile`: the next number under any spelling, the skeletons, the root check,
 * and 200 real processes asking at once getting 200 different files with no gap.
 */
import { readdirSync, readFileSync, symlinkSync, writeFileSync, mkdirSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/protocol/config.js';
import { createNumberedFile, highestNumber } from '../../src/state/new-file.js';
import { runPool, runRelay, tempDir } from '../helpers/state-relay.js';
import { lint } from '../../src/lint/engine.js';

let child: string;
beforeAll(async () => {
  const dir = tempDir('relay-new-file-');
  child = join(dir, 'new-file-child.mjs');
  await build({
    entryPoints: [resolve(import.meta.dirname, '../helpers/new-file-child.ts')],
    outfile: child,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
    banner: { js: "import { createRequire as __relayCreateRequire } from 'node:module'; const require = __relayCreateRequire(import.meta.url);" },
  });
});

describe('createNumberedFile', () => {
  it('takes the highest number under any spelling plus one, zero-padded', () => {
    const root = tempDir();
    mkdirSync(join(root, 'plan'));
    for (const name of ['task-001.md', 'task-0012.md', 'Task_7.md', 'README.md']) writeFileSync(join(root, 'plan', name), '# x\n');
    const made = createNumberedFile(root, defaultConfig(), 'task', { title: 'Summarise  the\narticle' });
    expect(made).toEqual({ ok: true, path: 'plan/task-013.md', number: 13, kind: 'task' });
    expect(readFileSync(join(root, 'plan/task-013.md'), 'utf8')).toBe('---\nid: task-013\nstatus: todo\n---\n# Task 013: Summarise the article\n');
    expect(highestNumber(['findings-999.md'], 'findings')).toBe(999);
  });

  it('starts at 001 in a missing folder and writes a findings skeleton that lints clean', async () => {
    const root = tempDir();
    const config = defaultConfig();
    const made = createNumberedFile(root, config, 'findings', { agent: 'writer-7', now: new Date('2026-03-19T10:00:00Z') });
    expect(made).toEqual({ ok: true, path: 'review/findings-001.md', number: 1, kind: 'findings' });
    expect(readFileSync(join(root, 'review/findings-001.md'), 'utf8')).toBe('# Findings 001: 2026-03-19 (writer-7)\n\n## Done\n\n## Found\n\n## Open\n');
    const task = createNumberedFile(root, config, 'task', {});
    expect(task).toMatchObject({ ok: true, path: 'plan/task-001.md' });
    const { results } = await lint({ root, config, targets: ['plan', 'review'], now: new Date('2026-03-20T00:00:00Z') });
    expect(results.flatMap((result) => result.messages.map((message) => `${result.filePath} ${message.ruleId}`))).toEqual([]);
  });

  it('skips a number whose file appeared without the lock, never replacing it', () => {
    const root = tempDir();
    mkdirSync(join(root, 'review'));
    writeFileSync(join(root, 'review/findings-002.md'), 'keep me\n');
    writeFileSync(join(root, 'review/findings-1.md'), 'odd spelling\n');
    const made = createNumberedFile(root, defaultConfig(), 'findings', {});
    expect(made).toMatchObject({ ok: true, path: 'review/findings-003.md', number: 3 });
    expect(readFileSync(join(root, 'review/findings-002.md'), 'utf8')).toBe('keep me\n');
  });

  it('refuses a folder that is a symbolic link leaving the root, and a layout path outside it', () => {
    const root = tempDir();
    const outside = tempDir();
    symlinkSync(outside, join(root, 'plan'));
    const made = createNumberedFile(root, defaultConfig(), 'task', {});
    expect(made).toEqual({ ok: false, error: `Unexpected path \`plan\` leaving the root through a symbolic link (to \`${realpathSync(outside)}\`), expected a path inside it; replace the link with a real file or folder` });
    expect(readdirSync(outside)).toEqual([]);
    const config = defaultConfig();
    config.layout.review = '../elsewhere';
    expect(createNumberedFile(root, config, 'findings', {})).toMatchObject({ ok: false, error: expect.stringContaining('outside the root') });
  });

  it('allows a symbolic link that stays inside the root', () => {
    const root = tempDir();
    mkdirSync(join(root, 'real-plan'));
    symlinkSync(join(root, 'real-plan'), join(root, 'plan'));
    expect(createNumberedFile(root, defaultConfig(), 'task', {})).toMatchObject({ ok: true, path: 'plan/task-001.md' });
    expect(readdirSync(join(root, 'real-plan'))).toEqual(['task-001.md']);
  });

  it('gives 200 concurrent processes 200 different files, numbered 1 to 200 with no gap', async () => {
    const root = tempDir();
    const runs = await runPool(
      Array.from({ length: 200 }, () => () => runRelay(child, [root, 'findings'], { cwd: root })),
      48,
    );
    for (const run of runs) expect(run).toMatchObject({ code: 0, signal: null, stderr: '' });
    const printed = runs.map((run) => (JSON.parse(run.stdout) as { path: string }).path);
    expect(new Set(printed).size).toBe(200);
    const expected = Array.from({ length: 200 }, (_, index) => `findings-${String(index + 1).padStart(3, '0')}.md`);
    expect(readdirSync(join(root, 'review')).sort()).toEqual(expected);
    expect(printed.sort()).toEqual(expected.map((name) => `review/${name}`));
    // Each file holds its own skeleton, whole.
    for (const name of expected) expect(readFileSync(join(root, 'review', name), 'utf8')).toMatch(new RegExp(`^# Findings ${name.slice(9, 12)}: `));
  }, 240_000);
});
