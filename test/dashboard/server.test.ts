/**
 * `relay dashboard`'s server against real trees in real git repositories: what it serves and
 * refuses, the counts against `relay status --json` (the built CLI), live updates after a real
 * `relay claim`, stale panels, run records as `relay run` writes them (whole, partial, and with
 * a session process alive), hostile text, and the size of the page when every list is long.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/protocol/config.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { buildRelayBundle, runRelay } from '../helpers/state-relay.js';
import { removeTree } from '../helpers/tree.js';
import { attemptLine, fetchRaw, HOSTILE, stateTree, waitForSnapshot, writeRun } from './helpers.js';

let bundle: string;
const roots: string[] = [];
const dashboards: Dashboard[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  bundle = await buildRelayBundle();
});

afterEach(async () => {
  for (const dashboard of dashboards.splice(0)) await dashboard.close();
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const root of roots.splice(0)) removeTree(root);
});

afterAll(() => rmSync(join(bundle, '..'), { recursive: true, force: true }));

async function open(root: string, options: { tickMs?: number } = {}): Promise<Dashboard> {
  const started = await startDashboard({ root, config: defaultConfig(), port: 0, ttlHours: 24, version: 'test', debounceMs: 50, lintIntervalMs: 200, ...options });
  if ('error' in started) throw new Error(started.error);
  dashboards.push(started);
  return started;
}

function tree(extra: Record<string, string> = {}): string {
  const root = stateTree(new Date(), extra);
  roots.push(root);
  return root;
}

/** The state embedded in the page. */
function embedded(html: string): any {
  const match = /<script type="application\/json" id="state">(.*?)<\/script>/s.exec(html);
  if (!match) throw new Error('no state block in the page');
  return JSON.parse(match[1]!);
}

describe('relay dashboard server', () => {
  it('listens on 127.0.0.1 only and answers only GET, only to its own Host', async () => {
    const dashboard = await open(tree());
    expect(dashboard.url).toBe(`http://127.0.0.1:${dashboard.port}/`);
    const page = await fetchRaw(dashboard.url);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(String(page.headers['content-security-policy'])).toMatch(/default-src 'none'; script-src 'nonce-[^']+'/);
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']) {
      const refused = await fetchRaw(dashboard.url, { method });
      expect(refused.status, method).toBe(405);
      expect(refused.headers.allow).toBe('GET');
    }
    // A page elsewhere reaching the port through a rebound DNS name sends its own Host.
    expect((await fetchRaw(dashboard.url, { host: `attacker.example:${dashboard.port}` })).status).toBe(403);
    expect((await fetchRaw(dashboard.url, { host: `localhost:${dashboard.port}` })).status).toBe(200);
    expect((await fetchRaw(new URL('nothing-here', dashboard.url).href)).status).toBe(404);
    // Every other address of this machine refuses the connection.
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((address) => address !== undefined && !address.internal && !address.address.startsWith('fe80:'))
      .map((address) => address!.address);
    for (const address of [...others, '::1']) {
      const host = address.includes(':') ? `[${address}]` : address;
      await expect(fetchRaw(`http://${host}:${dashboard.port}/`)).rejects.toThrow(/ECONNREFUSED|EADDRNOTAVAIL|ENETUNREACH/);
    }
  });

  it('shows the counts `relay status --json` gives, claims per agent and stale claims', async () => {
    const root = tree();
    const dashboard = await open(root);
    const status = await runRelay(bundle, ['status', '--json'], { cwd: root });
    expect(status.code).toBe(0);
    const expected = JSON.parse(status.stdout);
    const state = embedded((await fetchRaw(dashboard.url)).body);
    const shown = state.panels.queue.data.status;
    for (const key of ['pending', 'claimed', 'unclaimed', 'done', 'overlap', 'duplicates', 'syntaxProblems']) expect(shown[key], key).toBe(expected[key]);
    expect(shown).toMatchObject({ pending: 4, claimed: 2, unclaimed: 2, done: 3 });
    const claims = state.panels.claims.data;
    expect(claims.agents).toEqual([
      { agent: 'writer-1', claims: 1, stale: 0 },
      { agent: 'writer-2', claims: 1, stale: 1 },
    ]);
    expect(claims.stale).toEqual(expected.staleClaims);
    // The burn-down: 4 + 3 URLs known, done on 2026-03-01 (1) and 2026-03-02 (2), and now.
    const burndown = state.panels.queue.data.burndown;
    expect(burndown[0]).toMatchObject({ t: '2026-03-01T11:59:59.999Z', pending: 7, done: 0 });
    const done = burndown.map((point: any) => point.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(burndown.at(-2)).toMatchObject({ pending: 4, done: 3 });
    expect(Date.parse(burndown.at(-2).t)).toBeLessThan(Date.parse('2026-03-04T00:00:00Z'));
    expect(burndown.at(-1)).toMatchObject({ pending: 4, claimed: 2, done: 3 });
    expect(state.panels.waves.data.waves).toEqual([
      { wave: 1, files: 1 },
      { wave: 2, files: 1 },
    ]);
    expect(state.panels.verdicts.data).toMatchObject({ drafts: 1, finals: 0, waitingTotal: 1, waiting: [{ draft: 'review/draft-001.mdx', why: 'no final yet' }] });
    expect(state.panels.lessons.data.lessons).toEqual([{ postmortem: '2026-03-05-lost-claims', lesson: 'Claim only with `relay claim` (queue-overlap)' }]);
  });

  it('pushes the new counts within seconds when `relay claim` takes a URL', async () => {
    const root = tree();
    const dashboard = await open(root, { tickMs: 60_000 });
    const claimed = waitForSnapshot(dashboard.url, (snapshot) => snapshot.panels.queue.data?.status.claimed === 3, 5000);
    const claim = await runRelay(bundle, ['claim', '--agent', 'writer-9'], { cwd: root });
    expect(claim.code, claim.stderr).toBe(0);
    const snapshot = await claimed;
    expect(snapshot.panels.claims.data.agents.map((agent: any) => agent.agent)).toContain('writer-9');
  });

  it('keeps a failed panel’s last good data and says since when it is stale', async () => {
    const root = tree();
    const dashboard = await open(root, { tickMs: 60_000 });
    expect(embedded((await fetchRaw(dashboard.url)).body).panels.queue.stale).toBeUndefined();
    const stale = waitForSnapshot(dashboard.url, (snapshot) => snapshot.panels.queue.stale !== undefined, 5000);
    rmSync(join(root, 'urls_todo.md'));
    mkdirSync(join(root, 'urls_todo.md'));
    const snapshot = await stale;
    expect(snapshot.panels.queue.stale.error).toMatch(/urls_todo\.md/);
    expect(snapshot.panels.queue.data.status.pending).toBe(4);
    expect(snapshot.panels.claims.stale).toBeDefined();
    expect(snapshot.panels.claims.data.agents).toHaveLength(2);
    // The other panels still read fine.
    expect(snapshot.panels.lessons.stale).toBeUndefined();
    // Fixed: fresh again.
    const fresh = waitForSnapshot(dashboard.url, (next) => next.panels.queue.stale === undefined && next.panels.queue.data.status.pending === 1, 5000);
    rmSync(join(root, 'urls_todo.md'), { recursive: true });
    writeFileSync(join(root, 'urls_todo.md'), '# Pending URLs\n\n- https://example.com/only\n');
    await fresh;
  });

  it('shows runs and their sessions from the run records, tolerating partial ones', async () => {
    const root = tree();
    const start = '2026-03-02T10:00:00Z';
    writeRun(root, '20260302-100000-aaaaaa', {
      settings: JSON.stringify({ run: '20260302-100000-aaaaaa', role: 'writer', parallel: 2, nested: { ignored: true } }),
      attempts:
        attemptLine({ session_id: 'ok-1', urls: ['https://example.com/d2', 'https://example.com/d3'], start, end: '2026-03-02T10:05:00Z' }) +
        attemptLine({ session_id: 'bad-1', status: 'failed', reason: 'claims left', urls: [], cost_usd: 0.25, turns: 2, start, end: '2026-03-02T10:06:00Z' }) +
        'not json\n' +
        '{"session_id": "torn", "urls": [',
      streams: ['ok-1', 'bad-1', 'alive-1', 'lost-1'],
    });
    // A run the runner only began: no settings, no attempts yet.
    writeRun(root, '20260303-090000-bbbbbb', {});
    // A session process as `relay run` starts it, still running.
    const alive = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', '--', '--session-id', 'alive-1'], { stdio: 'ignore' });
    children.push(alive);
    await new Promise((resolve) => alive.once('spawn', resolve));
    const dashboard = await open(root);
    const runs = embedded((await fetchRaw(dashboard.url)).body).panels.runs;
    expect(runs.stale).toBeUndefined();
    expect(runs.data.runsTotal).toBe(2);
    const [newest, older] = runs.data.runs;
    expect(newest).toMatchObject({ run: '20260303-090000-bbbbbb', sessions: [], problems: [] });
    expect(older.settings).toEqual({ role: 'writer', parallel: '2' });
    expect(older.problems).toEqual(['attempts.jsonl: 2 lines not JSON objects, skipped']);
    const byId = Object.fromEntries(older.sessions.map((session: any) => [session.session_id, session]));
    expect(byId['ok-1']).toMatchObject({ status: 'succeeded', urlsTotal: 2, cost_usd: 0.5, turns: 4, agent: 'writer-1' });
    expect(byId['bad-1']).toMatchObject({ status: 'failed', reason: 'claims left' });
    expect(byId['alive-1'].status).toBe('alive');
    expect(byId['lost-1'].status).toBe('lost');
    expect(older.totals).toMatchObject({ sessions: 4, alive: 1, lost: 1, succeeded: 1, failed: 1, urls_done: 2, cost_usd: 0.75, turns: 6 });
    // The run placed d2 and d3 at the end of their session, not at noon of their date.
    const burndown = embedded((await fetchRaw(dashboard.url)).body).panels.queue.data.burndown;
    expect(burndown.some((point: any) => point.claimed === 2)).toBe(true);
  });

  it('lints in process and shows the problems', async () => {
    const root = tree({ 'urls_done.md': '# Completed URLs\n\n- https://example.com/d1\n' });
    const dashboard = await open(root);
    const snapshot = await waitForSnapshot(dashboard.url, (next) => next.panels.lint.data !== undefined, 20_000);
    const lint = snapshot.panels.lint.data;
    expect(lint.errorCount).toBeGreaterThan(0);
    expect(lint.problems).toContainEqual(expect.objectContaining({ file: 'urls_done.md', line: 3, ruleId: 'queue-done-date', severity: 'error' }));
  });

  it('puts hostile text from the tree into the page only as escaped JSON', async () => {
    const root = tree({
      'urls_todo.md': `# Pending URLs\n\n- ${HOSTILE.url} (claimed by ${HOSTILE.agent} at 2020-01-01T00:00:00Z)\n`,
      'postmortems/2026-03-06-xss.md': `# Postmortem: X\n\n**Date**: 2026-03-06\n\n## What Went Wrong\n\nx\n\n## How It Was Fixed\n\nx\n\n## Prevention\n\n- ${HOSTILE.lesson}\n`,
    });
    writeRun(root, '20260302-100000-cccccc', { attempts: attemptLine({ session_id: HOSTILE.session, urls: [HOSTILE.attemptUrl], start: '2026-03-02T10:00:00Z', end: '2026-03-02T10:01:00Z' }) });
    const dashboard = await open(root);
    await waitForSnapshot(dashboard.url, (next) => next.panels.lint.data !== undefined, 20_000);
    const html = (await fetchRaw(dashboard.url)).body;
    // Exactly the page's own two script elements, and no markup from the tree.
    expect(html.match(/<script/gi)).toHaveLength(2);
    expect(html.match(/<\/script/gi)).toHaveLength(2);
    for (const text of ['<img', '<svg']) expect(html).not.toContain(text);
    const block = /<script type="application\/json" id="state">(.*?)<\/script>/s.exec(html)![1]!;
    expect(block).not.toMatch(/[<>&]/);
    const state = embedded(html);
    expect(state.panels.claims.data.stale[0]).toMatchObject({ url: HOSTILE.url, agent: HOSTILE.agent });
    expect(state.panels.lessons.data.lessons.map((lesson: any) => lesson.lesson)).toContain(HOSTILE.lesson);
    expect(state.panels.runs.data.runs[0].sessions[0]).toMatchObject({ session_id: HOSTILE.session, urls: [HOSTILE.attemptUrl] });
    expect(JSON.stringify(state.panels.lint.data.problems)).toContain('window.__xss');
  });

  it('stays under 1 MB when every list is long', async () => {
    const long = 'x'.repeat(1000);
    const pending = Array.from({ length: 2000 }, (_, index) => `- https://example.com/${long}/${index} (claimed by agent-${index}-${'y'.repeat(100)} at 2020-01-01T00:00:00Z)`);
    const done = Array.from({ length: 1000 }, (_, index) => `- https://example.com/done/${index} (completed 2026-0${1 + (index % 9)}-1${index % 10})`);
    const extra: Record<string, string> = {
      'urls_todo.md': `# Pending URLs\n\n${pending.join('\n')}\n`,
      'urls_done.md': `# Completed URLs\n\n${done.join('\n')}\nnot an item\n- broken\n`.repeat(3),
    };
    for (let wave = 1; wave <= 400; wave++) extra[`discovery/wave-${wave}/note.md`] = '# N\n';
    for (let number = 1; number <= 300; number++) extra[`review/draft-${String(number).padStart(3, '0')}.mdx`] = '# D\n';
    for (let number = 1; number <= 40; number++) {
      extra[`postmortems/2026-01-${String(number).padStart(2, '0')}-p.md`] = `# Postmortem: P\n\n**Date**: 2026-01-01\n\n## What Went Wrong\n\nx\n\n## How It Was Fixed\n\nx\n\n## Prevention\n\n${`- ${long}\n`.repeat(20)}`;
    }
    const root = tree(extra);
    const attempts = Array.from({ length: 250 }, (_, index) => attemptLine({ session_id: `s-${index}-${long}`, urls: Array.from({ length: 12 }, (_, url) => `https://example.com/${long}/${url}`), start: '2026-03-02T10:00:00Z', end: '2026-03-02T10:01:00Z' })).join('');
    for (let run = 0; run < 12; run++) writeRun(root, `20260302-1000${String(run).padStart(2, '0')}-dddddd`, { attempts });
    const dashboard = await open(root);
    await waitForSnapshot(dashboard.url, (next) => next.panels.lint.data !== undefined, 30_000);
    const html = (await fetchRaw(dashboard.url)).body;
    const state = embedded(html);
    expect(state.panels.lint.data.errorCount).toBeGreaterThan(200);
    expect(state.panels.claims.data.agentsTotal).toBe(2000);
    expect(state.panels.runs.data.runsTotal).toBe(12);
    expect(Buffer.byteLength(html)).toBeLessThan(1024 * 1024);
  });
});

describe('relay dashboard command', () => {
  it('refuses a bad port with a usage error and a port in use with one line', async () => {
    const root = tree();
    const bad = await runRelay(bundle, ['dashboard', '--port', '70000'], { cwd: root });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('relay: Unexpected `--port 70000`, expected a port number from 0 to 65535; see `relay dashboard --help`\n');
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const busy = await runRelay(bundle, ['dashboard', '--port', String(port)], { cwd: root });
      expect(busy.code).toBe(1);
      expect(busy.stderr).toBe(`relay dashboard: port ${port} is in use; pick another with \`--port\`\n`);
    } finally {
      holder.close();
    }
  });

  it('prints its address, serves, and exits 0 on SIGTERM', async () => {
    const root = tree();
    const child = spawn(process.execPath, [bundle, 'dashboard', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        const match = /^relay dashboard: (http:\/\/127\.0\.0\.1:\d+\/) \(Ctrl-C to stop\)\n/.exec(stdout);
        if (match) resolve(match[1]!);
      });
      child.once('exit', () => reject(new Error(`exited early: ${stdout}`)));
    });
    expect((await fetchRaw(url)).status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
