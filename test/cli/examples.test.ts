/**
 * The bundled examples: blog-pipeline (the seed's workflow) lints clean; broken holds every
 * rule at least once and its report is a snapshot.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rules } from '../../src/rules/index.js';
import { REPO, runBin } from '../helpers/run.js';

describe('examples/blog-pipeline', () => {
  it('lints clean', () => {
    const run = runBin('protocol-lint', ['--format', 'json', '--max-warnings', '0', join(REPO, 'examples', 'blog-pipeline')]);
    expect(run.status, run.stdout).toBe(0);
    const results = JSON.parse(run.stdout) as { filePath: string; messages: unknown[] }[];
    expect(results.length).toBeGreaterThan(10);
    expect(results.flatMap((result) => result.messages)).toEqual([]);
  });
});

describe('examples/broken', () => {
  const run = runBin('protocol-lint', ['--format', 'json', '--now', '2026-03-20T12:00:00Z', join(REPO, 'examples', 'broken')]);
  const results = JSON.parse(run.stdout) as { filePath: string; messages: { ruleId: string; line: number; column: number; message: string; severity: number }[] }[];

  it('exits 1', () => {
    expect(run.status).toBe(1);
  });

  it('has an instance of every rule', () => {
    const seen = new Set(results.flatMap((result) => result.messages.map((message) => message.ruleId)));
    expect([...rules.map((rule) => rule.id)].filter((id) => !seen.has(id))).toEqual([]);
  });

  it('matches the snapshot', async () => {
    const report = results.map((result) => ({ filePath: result.filePath, messages: result.messages.map(({ ruleId, severity, line, column, message }) => ({ ruleId, severity, line, column, message })) }));
    await expect(JSON.stringify(report, null, 2) + '\n').toMatchFileSnapshot('__snapshots__/broken.json');
  });
});
