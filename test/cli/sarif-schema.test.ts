/**
 * protocol-lint's SARIF, for files whose names a URI cannot carry raw (a space, `%`, `#`, `?`,
 * line breaks, brackets, a backslash, non-ASCII), validated against the official SARIF 2.1.0
 * schema (test/fixtures/sarif/, from @microsoft/sarif-multitool-linux 5.7.0) with ajv and
 * ajv-formats, whose `uri-reference` check is what a raw space or `%` fails. Each URI, resolved
 * and decoded as a URI, must name the file itself.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { git, REPO, runBin } from '../helpers/run.js';
import { tempDir } from '../helpers/temp.js';

const ajv = new Ajv2020({ allErrors: true });
// A CommonJS module: the plugin is its `default` (as TypeScript sees it) and itself (as Node does).
formats.default(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(join(REPO, 'test/fixtures/sarif/sarif-2.1.0.json'), 'utf8')) as object);

/** Files protocol-lint reports (`layout-unknown-file` in plan/, `layout-misplaced-file` for a task elsewhere). */
const HOSTILE = [
  'plan/a b.md',
  'plan/100%.md',
  'plan/100%25.md',
  'plan/#1.md',
  'plan/what?.md',
  'plan/line\nbreak.md',
  'plan/carriage\rreturn.md',
  'plan/ünïcødé ✓ 日本.md',
  'plan/[x] (y) {z}.md',
  'plan/back\\slash.md',
  'plan/a:b;c=d&e+f@g$h,i!.md',
  'notes #1 50% [old]/task-001.md',
];

interface Sarif {
  runs: { results: { ruleId?: string; locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId: string } } }[] }[] }[];
}

/** The repository path a relative URI reference names: resolved like a URL and percent-decoded; it must have no query or fragment. */
function pathOf(uri: string): string {
  const url = new URL(uri, 'file:///top/');
  expect(url.search + url.hash, uri).toBe('');
  return decodeURIComponent(url.pathname.slice('/top/'.length));
}

describe('--format sarif', () => {
  it('is valid SARIF 2.1.0 whose URIs, decoded, are the files reported', () => {
    const root = tempDir('relay-sarif-');
    git(root, ['init', '-q']);
    writeFileSync(join(root, 'urls_todo.md'), '# Pending URLs\n');
    writeFileSync(join(root, 'urls_done.md'), '# Completed URLs\n');
    writeFileSync(join(root, 'CLAUDE.md'), '# Project\n\n## Session Protocol\n\nRun `relay brief` first.\n');
    for (const path of HOSTILE) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), '# Notes\n');
    }
    const run = runBin('protocol-lint', ['--format', 'sarif'], { cwd: root });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1);
    const sarif = JSON.parse(run.stdout) as Sarif;
    expect(validate(sarif) ? [] : validate.errors).toEqual([]);
    const locations = sarif.runs[0]!.results.map((result) => result.locations[0]!.physicalLocation.artifactLocation);
    expect(locations.every((location) => location.uriBaseId === '%SRCROOT%')).toBe(true);
    expect(locations.map((location) => pathOf(location.uri)).sort()).toEqual([...HOSTILE].sort());
  });

  it('has a check that rejects a raw URI', () => {
    // The same document with one unencoded space: the schema check above is not a formality.
    const document = (uri: string): object => ({
      version: '2.1.0',
      runs: [{ tool: { driver: { name: 'protocol-lint' } }, results: [{ message: { text: 'x' }, locations: [{ physicalLocation: { artifactLocation: { uri, uriBaseId: '%SRCROOT%' } } }] }] }],
    });
    expect(validate(document('plan/a%20b.md'))).toBe(true);
    expect(validate(document('plan/a b.md'))).toBe(false);
    expect(validate(document('plan/100%.md'))).toBe(false);
  });
});
