/**
 * Behaviour of the document and cross-file rules beyond their documented examples: targeted
 * runs still do the cross-file checks their files take part in, executable front matter is
 * never run, and the seed's postmortem lints clean however it is saved.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lint } from '../../src/lint/engine.js';
import { defaultConfig } from '../../src/protocol/config.js';
import { writeTree } from '../helpers/tree.js';

const NOW = new Date('2026-03-20T12:00:00Z');

/** Lints a tree written from `files` with every rule; returns `path:line:column ruleId message` lines. */
async function lintTree(files: Record<string, string | Buffer>, targets?: string[]): Promise<string[]> {
  return lintRoot(writeTree(files), targets);
}

async function lintRoot(root: string, targets?: string[]): Promise<string[]> {
  const { results } = await lint({ root, config: defaultConfig(), now: NOW, targets });
  return results.flatMap((result) => result.messages.map((message) => `${result.filePath}:${message.line}:${message.column} ${message.ruleId} ${message.message}`));
}

const CLAUDE_MD = '# Project\n\n## Session Protocol\n\n1. Get up to speed.\n';
const SEED_POSTMORTEM = readFileSync(join(__dirname, '../../examples/blog-pipeline/postmortems/2026-03-15-failed-api-integration.md'), 'utf8');

describe('executable front matter', () => {
  it.each(['---js', '---javascript', '--- js', '---JS', '---coffee'])('is reported and never run: %s', async (opener) => {
    const root = writeTree({});
    const marker = join(root, 'ran.txt');
    const code = `{ id: (require("fs").writeFileSync(${JSON.stringify(marker)}, "ran"), process.exit(3)) }`;
    const files = { 'CLAUDE.md': CLAUDE_MD, 'plan/task-001.md': `${opener}\n${code}\n---\n# A task\n` };
    const tree = writeTree(files);
    const messages = await lintRoot(tree);
    // Had the engine run it, the process would have exited with 3 and the marker would exist.
    expect(existsSync(marker)).toBe(false);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^plan\/task-001\.md:1:1 frontmatter-syntax Unexpected (executable )?`---/);
  });

  it('stays unrun when only the plan file is linted (a hook after an edit)', async () => {
    const root = writeTree({});
    const marker = join(root, 'ran.txt');
    const tree = writeTree({ 'plan/task-001.md': `---js\n{ id: require("fs").writeFileSync(${JSON.stringify(marker)}, "ran") }\n---\n# A task\n` });
    const messages = await lintRoot(tree, ['plan/task-001.md']);
    expect(existsSync(marker)).toBe(false);
    expect(messages.map((line) => line.split(' ')[1])).toEqual(['frontmatter-syntax']);
  });
});

describe('the seed postmortem', () => {
  it('lints clean as shipped in examples/blog-pipeline', async () => {
    expect(SEED_POSTMORTEM).toContain('**Session ID**: 4f1c…');
    expect(await lintTree({ 'CLAUDE.md': CLAUDE_MD, 'postmortems/2026-03-15-failed-api-integration.md': SEED_POSTMORTEM })).toEqual([]);
  });

  it('lints clean with a BOM and CRLF line endings', async () => {
    const crlf = Buffer.from('\uFEFF' + SEED_POSTMORTEM.replace(/\n/g, '\r\n'), 'utf8');
    expect(await lintTree({ 'CLAUDE.md': CLAUDE_MD, 'postmortems/2026-03-15-failed-api-integration.md': crlf })).toEqual([]);
  });

  it('lints clean with its fields as front matter, BOM and CRLF included', async () => {
    const text = '\uFEFF---\r\ntitle: Failed API Integration\r\ndate: 2026-03-15\r\nsession_id: 4f1c…\r\n---\r\n\r\n## What Went Wrong\r\nTwo claims.\r\n## How It Was Fixed\r\nA lock.\r\n## Prevention\r\n- relay claim\r\n';
    expect(await lintTree({ 'CLAUDE.md': CLAUDE_MD, 'postmortems/2026-03-15-failed-api-integration.md': text })).toEqual([]);
  });

  it('reports a CRLF postmortem\'s problems on the right lines', async () => {
    const text = '# Postmortem: Outage\r\n\r\n**Date**: 2026-03-14\r\n\r\n## What Went Wrong\r\n[Description of the issue]\r\n## How It Was Fixed\r\nx\r\n## Prevention\r\nx\r\n';
    expect(await lintTree({ 'CLAUDE.md': CLAUDE_MD, 'postmortems/2026-03-15-outage.md': text })).toEqual([
      'postmortems/2026-03-15-outage.md:3:11 postmortem-date Unexpected date `2026-03-14`, expected `2026-03-15` as in the file name; fix the date or rename the file',
      'postmortems/2026-03-15-outage.md:6:1 postmortem-placeholder Unexpected template placeholder `[Description of the issue]`, expected the real text; replace it',
    ]);
  });
});

describe('the blog-pipeline example', () => {
  it('lints clean with every rule', async () => {
    expect(await lintRoot(join(__dirname, '../../examples/blog-pipeline'))).toEqual([]);
  });
});

describe('targeted runs', () => {
  it('check the ids, tasks and dependencies of the targeted files against the rest of the tree', async () => {
    const files = {
      'CLAUDE.md': CLAUDE_MD,
      'plan/task-001.md': '# One\n',
      'plan/task-0001.md': '# One again\n',
      'plan/task-002.md': '---\nid: task-002\ndepends_on: [task-001, task-003]\n---\n# Two\n',
      'review/draft-009.mdx': '# Draft for a task that is not there\n\nSee [the task](../plan/task-009.md).\n',
    };
    expect(await lintTree(files, ['plan/task-002.md', 'review/draft-009.mdx'])).toEqual([
      'plan/task-002.md:3:24 plan-frontmatter-schema Unexpected dependency `task-003`, expected an existing task (there is no `plan/task-003.md`); fix the id or write the task',
      'review/draft-009.mdx:1:1 review-orphan-draft Unexpected draft `review/draft-009.mdx` without a task, expected `plan/task-009.md`; renumber the draft to its task, or write the task',
      'review/draft-009.mdx:3:5 link-broken Unexpected link to missing `../plan/task-009.md`, expected an existing file (there is no `plan/task-009.md`); fix the path or create the file',
    ]);
    // The duplicate id is reported when one of its files is linted.
    const duplicate = await lintTree(files, ['plan/task-0001.md']);
    expect(duplicate).toEqual([
      'plan/task-0001.md:1:1 layout-duplicate-id Unexpected duplicate id `task-001`, expected one file per number (also `plan/task-001.md`); renumber one of them',
    ]);
  });

  it('check the wave sequence only when a wave file is linted, and never ask for CLAUDE.md', async () => {
    const files = { 'plan/task-001.md': '# One\n', 'discovery/wave-1/a.md': '# A\n', 'discovery/wave-3/b.md': '# B\n' };
    expect(await lintTree(files, ['plan/task-001.md'])).toEqual([]);
    expect(await lintTree(files, ['discovery/wave-1/a.md'])).toEqual([
      'discovery/wave-3/b.md:1:1 wave-sequence Unexpected gap before `discovery/wave-3/`: there is no `discovery/wave-2/`, expected waves numbered without gaps; add it or renumber the wave folders',
    ]);
  });

  it('report a gap once in a full run of many batches', async () => {
    const files: Record<string, string> = { 'CLAUDE.md': CLAUDE_MD, 'discovery/wave-2/a.md': '# A\n' };
    for (let number = 1; number <= 600; number++) files[`plan/task-${String(number).padStart(3, '0')}.md`] = '# A task\n';
    const messages = await lintTree(files);
    expect(messages).toEqual([
      'discovery/wave-2/a.md:1:1 wave-sequence Unexpected `discovery/wave-2/` as the first wave, expected `discovery/wave-1/` first (waves count from 1); add it or renumber the wave folders',
    ]);
  });
});

describe('link-broken', () => {
  it('reads reference links with remark and keeps the HTML links of the scan', async () => {
    const text = '# Draft\n\nSee [the plan][plan] and [the\nfinding](findings-404.md).\n\n<img src="missing.png">\n\n[plan]: ../plan/task-404.md\n';
    const messages = await lintTree({ 'CLAUDE.md': CLAUDE_MD, 'plan/task-001.md': '# One\n', 'review/draft-001.mdx': text });
    expect(messages.map((line) => line.split(' ').slice(0, 2).join(' ') + ' ' + /`[^`]*`/.exec(line)![0])).toEqual([
      'review/draft-001.mdx:3:26 link-broken `findings-404.md`',
      'review/draft-001.mdx:6:6 link-broken `missing.png`',
      'review/draft-001.mdx:8:1 link-broken `../plan/task-404.md`',
    ]);
  });

  it('reports a missing CLAUDE.md once in a full run', async () => {
    const files: Record<string, string> = {};
    for (let number = 1; number <= 300; number++) files[`plan/task-${String(number).padStart(3, '0')}.md`] = '# A task\n';
    expect(await lintTree(files)).toEqual([
      'CLAUDE.md:1:1 claude-md-protocol Unexpected tree without `CLAUDE.md`, expected one at the root with a `## Session Protocol` section; `relay init` writes it',
    ]);
  });
});

describe('odd documents', () => {
  const ODD = ['', '\n', '---', '---\n', '---\n---\n', '---\n...\n', '#', '# \n##\n', '**Date**:', '**Date**: \n## Prevention', '## Prevention\n', '\r\n\r\n', '[', '[x](', '<a href=>', '[a]: \n[a]', '```\n## What Went Wrong\n', '---\n: :\n---\n'];
  const PATHS = ['plan/task-001.md', 'review/draft-001.mdx', 'review/findings-001.md', 'postmortems/2026-03-15-odd.md', 'discovery/wave-1/odd.md', 'CLAUDE.md'];

  it.each(ODD.map((text) => [JSON.stringify(text), text] as const))('never crash a rule: %s', async (_label, text) => {
    const messages = await lintTree(Object.fromEntries(PATHS.map((path) => [path, text])));
    expect(messages.filter((line) => line.includes('internal error'))).toEqual([]);
  });
});
