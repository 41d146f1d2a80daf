/**
 * The protocol v2 rules beyond their documented examples: per-message levels, verdicts over
 * the draft's exact bytes in a run that lints only the done queue, the session ledger's place
 * in the layout, and the rules' options through the config.
 */
import { createHash } from 'node:crypto';
import { rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { lint } from '../../src/lint/engine.js';
import { defaultConfig, type Config } from '../../src/protocol/config.js';
import { writeTree } from '../helpers/tree.js';

const NOW = new Date('2026-03-20T12:00:00Z');
const CLAUDE_MD = '# Project\n\n## Session Protocol\n\n1. Get up to speed.\n';

function tree(files: Record<string, string | Buffer>): string {
  return writeTree({ 'CLAUDE.md': CLAUDE_MD, ...files });
}

/** `path:line ruleId severity` lines of a run. */
async function lintRoot(root: string, options: { targets?: string[]; config?: Config } = {}): Promise<string[]> {
  const { results } = await lint({ root, config: options.config ?? defaultConfig(), now: NOW, targets: options.targets });
  return results.flatMap((result) => result.messages.map((message) => `${result.filePath}:${message.line} ${message.ruleId} ${message.severity}`));
}

const sha256 = (bytes: string | Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('wave-inheritance', () => {
  const files = {
    'discovery/wave-1/a.md': '# A\n\nSee [b](../wave-2/b.md).\n',
    'discovery/wave-2/b.md': '# B\n\nNothing read.\n',
  };

  it('gives a forward link as an error and a note that reads nothing as a warning', async () => {
    expect(await lintRoot(tree(files))).toEqual(['discovery/wave-1/a.md:3 wave-inheritance 2', 'discovery/wave-2/b.md:1 wave-inheritance 1']);
  });

  it('keeps both at warning when the rule is set to warning', async () => {
    const config = { ...defaultConfig(), rules: { 'wave-inheritance': 'warning' as const } };
    expect(await lintRoot(tree(files), { config })).toEqual(['discovery/wave-1/a.md:3 wave-inheritance 1', 'discovery/wave-2/b.md:1 wave-inheritance 1']);
  });
});

describe('review-verdict', () => {
  // A BOM and CRLF line endings: the hash is of the bytes, not of the decoded text.
  const draft = Buffer.from('\uFEFF# Draft\r\n\r\nText.\r\n', 'utf8');
  const final = (hash: string) => `---\nverdict: approved\nreviewer: reviewer-1\nreviewed: review/draft-001.mdx\ndraft_sha256: ${hash}\n---\n# Final\n`;
  const done = '# Completed URLs\n- https://example.com/a (completed 2026-03-19, by reviewer-1, output review/final-001.mdx)\n';

  it('accepts an approval of the draft bytes, in a run of the done queue alone, and refuses it once the draft changes', async () => {
    const root = tree({ 'plan/task-001.md': '# One\n', 'review/draft-001.mdx': draft, 'review/final-001.mdx': final(sha256(draft)), 'urls_done.md': done });
    expect(await lintRoot(root)).toEqual([]);
    expect(await lintRoot(root, { targets: ['urls_done.md'] })).toEqual([]);
    writeFileSync(join(root, 'review/draft-001.mdx'), Buffer.concat([draft, Buffer.from('More.\r\n')]));
    expect(await lintRoot(root, { targets: ['urls_done.md'] })).toEqual(['urls_done.md:2 review-verdict 2']);
  });

  it('does not accept the hash of the decoded text', async () => {
    const text = draft.toString('utf8').replace(/^\uFEFF/, '');
    const root = tree({ 'plan/task-001.md': '# One\n', 'review/draft-001.mdx': draft, 'review/final-001.mdx': final(sha256(text)), 'urls_done.md': done });
    expect(await lintRoot(root)).toEqual(['urls_done.md:2 review-verdict 2']);
  });

  it('refuses a reviewed path that leaves the root', async () => {
    const root = tree({ 'plan/task-001.md': '# One\n', 'review/final-001.mdx': final(sha256(draft)).replace('review/draft-001.mdx', '../draft-001.mdx'), 'urls_done.md': done });
    writeFileSync(join(root, '..', 'draft-001.mdx'), draft);
    onTestFinished(() => rmSync(join(root, '..', 'draft-001.mdx')));
    expect(await lintRoot(root, { targets: ['urls_done.md'] })).toEqual(['urls_done.md:2 review-verdict 2']);
  });
});

describe('review-verdict and a draft over `maxDocumentBytes`', () => {
  it('says the draft is too big, not that it does not exist', async () => {
    const final = '---\nverdict: approved\nreviewer: reviewer-1\nreviewed: review/draft-001.mdx\ndraft_sha256: ' + 'a'.repeat(64) + '\n---\n# Final\n';
    const root = tree({ 'plan/task-001.md': '# One\n', 'review/draft-001.mdx': '', 'review/final-001.mdx': final, 'urls_done.md': '# Completed URLs\n- https://example.com/a (completed 2026-03-19, output review/final-001.mdx)\n' });
    // 64 MB, sparse: git stores such a file in a few KB, so a clone can carry it.
    truncateSync(join(root, 'review/draft-001.mdx'), 64 * 1024 * 1024);
    const { results } = await lint({ root, config: defaultConfig(), now: NOW, targets: ['urls_done.md'] });
    expect(results.flatMap((result) => result.messages.map((message) => message.message))).toEqual([
      'Unexpected done item whose final `review/final-001.mdx` approves `review/draft-001.mdx`, which cannot be hashed: `review/draft-001.mdx` is too big (64 MB, limit 10 MB), expected at most `maxDocumentBytes`; split it or raise the limit',
    ]);
  });
});

describe('the session ledger', () => {
  const record = (id: string, started: string) => `---\nsession_id: ${id}\nagent: writer-1\nrole: writer\nstarted: ${started}\nstatus: open\n---\n`;

  it('is a protocol folder: records are linted, other files are unknown, and its place is configurable', async () => {
    const root = tree({
      'sessions/0b3c8a52-7c1e-4f1a-9d0e-5a2b6c7d8e9f.md': record('0b3c8a52-7c1e-4f1a-9d0e-5a2b6c7d8e9f', '2026-03-20T11:00:00Z'),
      'sessions/notes.txt': 'scratch\n',
      'sessions/old.markdown': record('old', '2026-03-20T11:00:00Z'),
      'ledger/s-9.md': record('s-9', '2026-03-19T11:00:00Z'),
    });
    expect(await lintRoot(root)).toEqual(['sessions/notes.txt:1 layout-unknown-file 1', 'sessions/old.markdown:1 layout-file-name 2']);
    const config = { ...defaultConfig(), layout: { ...defaultConfig().layout, sessions: 'ledger' } };
    expect(await lintRoot(root, { config })).toEqual(['ledger/s-9.md:6 session-unlogged 1']);
  });

  it('takes the TTL from the config', async () => {
    const root = tree({ 'sessions/s-1.md': record('s-1', '2026-03-20T09:00:00Z') });
    expect(await lintRoot(root)).toEqual(['sessions/s-1.md:6 session-unlogged 1']);
    const config = { ...defaultConfig(), rules: { 'session-unlogged': ['warning', { ttlHours: 4 }] as ['warning', { ttlHours: number }] } };
    expect(await lintRoot(root, { config })).toEqual([]);
  });
});
