/**
 * The briefing's budget and what it says it left out, on a tree of fleet size.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBrief, DEFAULT_BRIEF_BUDGET } from '../../src/brief/brief.js';
import { defaultConfig } from '../../src/protocol/config.js';
import { runBin } from '../helpers/run.js';
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

describe('buildBrief on a hostile tree', () => {
  const roots: string[] = [];
  afterAll(() => roots.forEach(removeTree));
  function tree(files: Record<string, string>): string {
    const made = writeTree(files);
    roots.push(made);
    return made;
  }
  const POSTMORTEM = (what: string, prevention: string) =>
    `# Postmortem: Long Incident\n\n**Date**: 2026-03-01\n\n## What Went Wrong\n\n${what}\n\n## How It Was Fixed\n\nFixed.\n\n## Prevention\n\n${prevention}\n`;

  it('finds a Prevention section that starts past 16 KB', () => {
    const what = Array.from({ length: 400 }, (_, index) => `- Step ${index}: ${'x'.repeat(40)}`).join('\n');
    const text = POSTMORTEM(what, '- Lint the queue before every commit (`queue-overlap`).');
    expect(text.indexOf('## Prevention')).toBeGreaterThan(20 * 1024);
    const root = tree({ 'postmortems/2026-03-01-long-incident.md': text, 'urls_todo.md': '# Pending URLs\n' });
    const brief = buildBrief(root, defaultConfig());
    expect(brief).toContain('- 2026-03-01-long-incident: Lint the queue before every commit (`queue-overlap`).');
    expect(brief).not.toContain('(no Prevention section)');
  });

  it('says how much it read of a postmortem too long to read whole', () => {
    const root = tree({ 'postmortems/2026-03-01-huge.md': POSTMORTEM('x'.repeat(1100 * 1024), '- Keep postmortems short.') });
    const run = runBin('relay', ['--root', root, 'brief'], { env: { ...process.env, RELAY_DEBUG: 'fs' } });
    expect(run.stdout).toContain('- 2026-03-01-huge: (no Prevention section in its first 1024 KB)');
    expect(run.stderr).toContain('relay:fs briefing: 2026-03-01-huge.md: no Prevention section in the first 1024 KB');
  });

  it('prints nothing from the tree that leaves its line or carries a control character', () => {
    const root = tree({
      'plan/task-001.md': '---\nid: task-001\nstatus: todo\ntitle: "Red \u001b[31mtext\u001b[0m here"\n---\n# T\n',
      'review/findings-001.md': '# Findings\n\n- A line with \u202e reversed text and a bell \u0007\n- A \r carriage return and a \u2028 separator\n',
      'postmortems/2026-03-01-x.md': POSTMORTEM('x', '- Lesson one\u0085 with a next-line\n- Lesson \u001b]0;title\u0007 two'),
      'urls_todo.md': '# Pending URLs\n- https://example.com/$(touch${IFS}x)\n- https://example.com/a\u001bb\n- https://example.com/ok (note)\n',
    });
    const unsafe = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
    const brief = buildBrief(root, defaultConfig());
    expect(brief).not.toMatch(unsafe);
    expect(brief).toContain('- task-001 [todo] Red \\u001B[31mtext\\u001B[0m here');
    expect(brief).toContain('- A line with \\u202E reversed text and a bell \\u0007');
    expect(brief).toContain('- A \\u000D carriage return and a \\u2028 separator');
    expect(brief).toContain('- 2026-03-01-x: Lesson \\u001B]0;title\\u0007 two');
    // Queue URLs relay refuses are not shown for an agent to copy; the others are shown bare.
    expect(brief).not.toContain('touch');
    expect(brief).toContain('- https://example.com/ok\n');
    expect(brief).toContain('`urls_todo.md`: 1 pending (0 claimed, 1 free)');
    expect(brief).toContain('2 list lines are not queue items, so not counted (`protocol-lint` names them).');
    expect(brief).not.toContain('more free items');
    // `relay brief`, which /get-up-to-speed runs, prints the same text.
    const run = runBin('relay', ['--root', root, 'brief']);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(brief + '\n');
  });

  it('keeps a layout path with a line break on its line', () => {
    // The config schema refuses such a path; the briefing does not rely on that.
    const root = tree({ 'plan\n## Injected/task-001.md': '# A task\n' });
    const brief = buildBrief(root, { ...defaultConfig(), layout: { ...defaultConfig().layout, plan: 'plan\n## Injected' } });
    expect(brief).toContain('## Tasks (`plan\\u000A## Injected/`)');
    expect(brief.split('\n').filter((line) => line.startsWith('## Injected'))).toEqual([]);
  });
});
