/**
 * The briefing's budget and what it says it left out, on a tree of fleet size.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBrief, DEFAULT_BRIEF_BUDGET } from '../../src/brief/brief.js';
import { defaultConfig } from '../../src/protocol/config.js';
import { removeTree, writeTree } from '../helpers/tree.js';

let root: string;

beforeAll(() => {
  const files: Record<string, string> = {};
  for (let number = 1; number <= 2000; number++) {
    const status = number % 4 === 0 ? 'done' : number % 4 === 1 ? 'todo' : number % 4 === 2 ? 'in-progress' : 'blocked';
    files[`plan/task-${String(number).padStart(4, '0')}.md`] = `---\nid: task-${String(number).padStart(4, '0')}\nstatus: ${status}\n---\n# Task number ${number}\n`;
  }
  for (let number = 1; number <= 500; number++) files[`review/findings-${String(number).padStart(3, '0')}.md`] = `# Findings ${number}\n\n- Finding line for log ${number}.\n`;
  for (let number = 1; number <= 100; number++) {
    const day = String((number % 28) + 1).padStart(2, '0');
    const month = String(Math.floor(number / 28) + 1).padStart(2, '0');
    files[`postmortems/2026-${month}-${day}-incident-${number}.md`] = `# Postmortem: Incident ${number}\n\n**Date**: 2026-${month}-${day}\n\n## What Went Wrong\nx\n\n## How It Was Fixed\ny\n\n## Prevention\n- Lesson of incident ${number}.\n`;
  }
  const pending = ['# Pending URLs'];
  for (let number = 1; number <= 20000; number++) pending.push(number % 10 === 1 ? `- https://example.com/p/${number} (claimed by w-${number} at 2026-03-19T10:00:00Z)` : `- https://example.com/p/${number}`);
  const done = ['# Completed URLs'];
  for (let number = 1; number <= 15000; number++) done.push(`- https://example.com/d/${number} (completed 2026-03-19)`);
  files['urls_todo.md'] = pending.join('\n') + '\n';
  files['urls_done.md'] = done.join('\n') + '\n';
  files['discovery/wave-1/a.md'] = '# a\n';
  files['discovery/wave-2/b.md'] = '# b\n';
  files['discovery/wave-4/c.md'] = '# c\n';
  root = writeTree(files);
});

afterAll(() => removeTree(root));

describe('buildBrief', () => {
  it('stays within the default budget and names what it left out', () => {
    const brief = buildBrief(root, defaultConfig());
    expect(brief.length).toBeLessThanOrEqual(DEFAULT_BRIEF_BUDGET);
    expect(brief).toContain('2000 tasks; the newest 40 read');
    expect(brief).toContain('Not read: 1960 older tasks');
    expect(brief).toContain('- task-1999 [blocked] Task number 1999');
    expect(brief).not.toContain('task-2000 [done]');
    expect(brief).toContain('20000 pending (2000 claimed, 18000 free)');
    expect(brief).toContain('15000 done');
    expect(brief).toContain('- https://example.com/p/2\n');
    expect(brief).not.toContain('- https://example.com/p/1\n');
    expect(brief).toContain('### findings-500.md');
    expect(brief).toContain('Not read: 497 older findings logs');
    expect(brief).toContain('Lesson of incident 99.');
    expect(brief).toContain('Not read: 92 older postmortems');
    expect(brief).toContain('Waves 1–2, 4');
  });

  it('keeps to small budgets, cutting whole lines and saying so', () => {
    for (const budget of [200, 1000, 3000]) {
      const brief = buildBrief(root, defaultConfig(), { budget });
      expect(brief.length).toBeLessThanOrEqual(budget);
      expect(brief).toMatch(/relay briefing/);
    }
    expect(buildBrief(root, defaultConfig(), { budget: 1000 })).toContain('briefing cut at its budget');
  });

  it('says when there is no state tree', () => {
    const empty = writeTree({ 'README.md': '# nothing\n' });
    try {
      expect(buildBrief(empty, defaultConfig())).toContain('No relay state tree here');
    } finally {
      removeTree(empty);
    }
  });
});
