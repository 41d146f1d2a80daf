/**
 * The briefing hashes every file it read for the session ledger from the same open it read the
 * file's head through: each hash must be the SHA-256 of the whole file, also for files longer
 * than the part the briefing shows (a plan past its 2 KB head, a findings log past 16 KB).
 */
import { createHash } from 'node:crypto';
import { readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildBriefing } from '../../src/brief/brief.js';
import { defaultConfig } from '../../src/protocol/config.js';
import { removeTree, writeTree } from '../helpers/tree.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) removeTree(root);
});

describe('briefing hashes', () => {
  it('hashes each briefed file whole, short or long', () => {
    const prose = (bytes: number) => 'Plain prose of a long document, wrapped as agents write it.\n'.repeat(Math.ceil(bytes / 60));
    const root = writeTree({
      'urls_todo.md': '# Pending URLs\n- https://example.com/a\n',
      'urls_done.md': '# Completed URLs\n',
      'plan/task-001.md': '---\nid: task-001\nstatus: open\n---\n# Short task\n',
      'plan/task-002.md': `---\nid: task-002\nstatus: open\n---\n# Long task\n\n${prose(10_000)}`,
      'review/findings-001.md': `# Findings\n\n${prose(70_000)}`,
      'postmortems/2026-03-19-outage.md': `# Outage\n\n**Date**: 2026-03-19\n\n## What Went Wrong\n\n${prose(3000)}\n## How It Was Fixed\n\nFixed.\n\n## Prevention\n\n- Rule \`queue-overlap\` checks it.\n`,
    });
    roots.push(root);
    const { read } = buildBriefing(root, defaultConfig());
    const paths = read.map((file) => file.path).sort();
    expect(paths).toEqual(['plan/task-001.md', 'plan/task-002.md', 'postmortems/2026-03-19-outage.md', 'review/findings-001.md', 'urls_done.md', 'urls_todo.md']);
    for (const file of read) expect(file).toEqual({ path: file.path, sha256: createHash('sha256').update(readFileSync(join(root, file.path))).digest('hex') });
  });

  it('says a document over `maxDocumentBytes` is too big, and neither reads nor hashes it', () => {
    const huge = ['plan/task-001.md', 'review/findings-001.md', 'postmortems/2026-03-19-huge.md'];
    const root = writeTree({ 'urls_todo.md': '# Pending URLs\n', 'urls_done.md': '# Completed URLs\n', ...Object.fromEntries(huge.map((path) => [path, ''])) });
    roots.push(root);
    // 64 MB each, sparse: git stores such a file in a few KB, so a clone can carry it.
    for (const path of huge) truncateSync(join(root, path), 64 * 1024 * 1024);
    const { text, read } = buildBriefing(root, defaultConfig());
    expect(read.map((file) => file.path).sort()).toEqual(['urls_done.md', 'urls_todo.md']);
    for (const path of huge) expect(text).toContain(`\`${path}\` is too big (64 MB, limit 10 MB)`);
  });
});
