/**
 * The benchmark's fleet-tree generator, at a tiny scale: the counts it promises and the
 * same bytes for the same seed. Timing lives in `npm run bench`, never in tests.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lint } from '../src/lint/engine.js';
import { loadConfig } from '../src/protocol/config.js';
import { ruleById } from '../src/rules/index.js';
import { tempDir } from './helpers/temp.js';

const generator = join(__dirname, '..', 'bench', 'generate.mjs');
const NOW = '2026-03-20T12:00:00Z';
const temp = tempDir('relay-bench-');

interface Summary {
  files: number;
  bytes: number;
  claims: number;
  counts: { pending: number; done: number; plans: number; drafts: number; findings: number; waves: number; filesPerWave: number; postmortems: number; sessions: number };
}

function generate(name: string, seed: string, scale = '0.01'): { dir: string; summary: Summary } {
  const dir = join(temp, name);
  const stdout = execFileSync(process.execPath, [generator, '--scale', scale, '--out', dir, '--seed', seed, '--now', NOW, '--json'], { encoding: 'utf8' });
  return { dir, summary: JSON.parse(stdout) as Summary };
}

/** Every file under a folder, root-relative and sorted, with its bytes. */
function snapshot(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(path.slice(dir.length + 1), readFileSync(path));
  }
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}

const queueItems = (text: string) => text.split('\n').filter((line) => line.startsWith('- '));

describe('bench/generate.mjs', () => {
  const first = generate('a', 'seed-1');
  const files = snapshot(first.dir);

  it('writes the counts of scale 1 multiplied by the scale', () => {
    expect(first.summary.counts).toEqual({ pending: 500, done: 500, plans: 50, drafts: 50, findings: 10, waves: 1, filesPerWave: 10, postmortems: 3, sessions: 20 });
    const names = [...files.keys()];
    const count = (pattern: RegExp) => names.filter((name) => pattern.test(name)).length;
    expect(count(/^plan\/task-\d{5}\.md$/)).toBe(50);
    expect(count(/^review\/draft-\d{5}\.mdx$/)).toBe(50);
    expect(count(/^review\/findings-\d{5}\.md$/)).toBe(10);
    expect(count(/^discovery\/wave-1\/note-\d\d\.md$/)).toBe(10);
    expect(count(/^postmortems\/\d{4}-\d\d-\d\d-[a-z0-9-]+\.md$/)).toBe(3);
    expect(count(/^sessions\/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}\.md$/)).toBe(20);
    for (const fixed of ['urls_todo.md', 'urls_done.md', 'CLAUDE.md', 'review/completed.md', '.protocol-lint.json']) expect(names).toContain(fixed);
    expect(files.size).toBe(first.summary.files);
    expect(files.size).toBe(50 + 50 + 10 + 10 + 3 + 20 + 5);
    expect(JSON.parse(files.get('.protocol-lint.json')!.toString())).toEqual({ rules: { 'session-unlogged': ['warning', { ttlHours: 24 }] } });
  });

  it('writes queues of unique URLs, the pending ones partly claimed, the done ones dated in the past', () => {
    const todo = queueItems(files.get('urls_todo.md')!.toString());
    const done = queueItems(files.get('urls_done.md')!.toString());
    expect(todo).toHaveLength(500);
    expect(done).toHaveLength(500);
    const urls = [...todo, ...done].map((line) => line.split(' ')[1]);
    expect(new Set(urls).size).toBe(1000);
    const claimed = todo.filter((line) => / \(claimed by writer-\d+ at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)$/.test(line));
    expect(claimed.length).toBe(first.summary.claims);
    for (const line of done) {
      const date = / \(completed (\d{4}-\d\d-\d\d)\)$/.exec(line)?.[1];
      expect(date).toBeDefined();
      expect(date! < NOW.slice(0, 10)).toBe(true);
    }
  });

  it('writes postmortems whose date matches the file name, with the three sections', () => {
    for (const [name, bytes] of files) {
      if (!name.startsWith('postmortems/')) continue;
      const text = bytes.toString();
      expect(text).toMatch(/^# Postmortem: \S/);
      expect(text).toContain(`**Date**: ${name.slice('postmortems/'.length, 'postmortems/'.length + 10)}\n`);
      expect(text.indexOf('## What Went Wrong')).toBeLessThan(text.indexOf('## How It Was Fixed'));
      expect(text.indexOf('## How It Was Fixed')).toBeLessThan(text.indexOf('## Prevention'));
    }
  });

  it('points every plan dependency and relative link at a file that exists', () => {
    for (const [name, bytes] of files) {
      const text = bytes.toString();
      for (const match of text.matchAll(/^ {2}- (task-\d+)$/gm)) expect(files.has(`plan/${match[1]}.md`)).toBe(true);
      for (const match of text.matchAll(/\]\(([^)]+)\)/g)) {
        const target = join(name, '..', match[1]!);
        expect(files.has(target), `${name} links ${match[1]}`).toBe(true);
      }
    }
  });

  it('writes the same bytes for the same seed and different bytes for another', () => {
    const again = snapshot(generate('b', 'seed-1').dir);
    expect([...again.keys()]).toEqual([...files.keys()]);
    for (const [name, bytes] of files) expect(again.get(name)!.equals(bytes), name).toBe(true);
    const other = snapshot(generate('c', 'seed-2').dir);
    expect(other.get('urls_todo.md')!.equals(files.get('urls_todo.md')!)).toBe(false);
  });

  it('leaves one session record in a hundred open, older than the briefing\'s 15 minutes and within the tree\'s TTL', () => {
    const { dir } = generate('e', 'seed-1', '0.1');
    const records = [...snapshot(dir)].filter(([name]) => name.startsWith('sessions/')).map(([, bytes]) => bytes.toString());
    expect(records).toHaveLength(200);
    const open = records.filter((text) => text.includes('\nstatus: open\n'));
    expect(open).toHaveLength(2);
    for (const text of open) {
      const age = Date.parse(NOW) - Date.parse(/\nstarted: (\S+)\n/.exec(text)![1]!);
      expect(age).toBeGreaterThanOrEqual(20 * 60_000);
      expect(age).toBeLessThanOrEqual(6 * 3_600_000);
    }
  });

  it('lints clean under the protocol v2 rules, with waves that read the wave before', async () => {
    const { dir } = generate('d', 'seed-1', '0.03');
    const v2 = ['review-verdict', 'postmortem-prevention-enforced', 'wave-inheritance', 'session-unlogged', 'session-schema'].map((id) => ruleById(id)!);
    const loaded = loadConfig(dir);
    if (!loaded.ok) throw new Error(loaded.error);
    // 12 hours on, as a reused bench tree is linted: the open records are still within the tree's TTL.
    const { results } = await lint({ root: dir, config: loaded.config, now: new Date(Date.parse(NOW) + 12 * 3_600_000), rules: v2 });
    expect(results.filter((result) => result.filePath.startsWith('sessions/'))).toHaveLength(60);
    expect(results.filter((result) => result.filePath.startsWith('discovery/wave-3/'))).toHaveLength(10);
    expect(results.flatMap((result) => result.messages.map((message) => `${result.filePath} ${message.ruleId} ${message.message}`))).toEqual([]);
  });
});
