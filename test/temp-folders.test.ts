/**
 * Tests remove what they create: the run's own TMPDIR (test/global-setup.ts), inherited by the
 * processes the tests start, and `tempDir`, whose folders go when their test is done. The
 * check that nothing is left in the machine's temporary folder after the whole suite is
 * `.ci/run`'s.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeTree } from './helpers/tree.js';
import { tempDir } from './helpers/temp.js';

describe('temporary folders', () => {
  let fileFolder = '';
  let testFolder = '';
  let tree = '';
  beforeAll(() => {
    fileFolder = tempDir('relay-file-');
  });

  it('live in the run’s own TMPDIR, which child processes inherit', () => {
    expect(basename(tmpdir())).toMatch(/^relay-test-run-/);
    const child = spawnSync(process.execPath, ['-p', 'require("node:os").tmpdir()'], { encoding: 'utf8' });
    expect(child.stdout.trim()).toBe(tmpdir());
    testFolder = tempDir('relay-mine-');
    tree = writeTree({ 'urls_todo.md': '# Pending URLs\n' });
    expect(dirname(testFolder)).toBe(tmpdir());
    expect(existsSync(testFolder) && existsSync(tree)).toBe(true);
  });

  it('made in a test are gone once it is done; made in beforeAll, once the file is', () => {
    expect(testFolder).not.toBe('');
    expect(existsSync(testFolder)).toBe(false);
    expect(existsSync(tree)).toBe(false);
    expect(existsSync(fileFolder)).toBe(true);
  });
});
