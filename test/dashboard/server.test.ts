/**
 * `relay dashboard`'s server against real trees in real git repositories: what it serves and
 * refuses, the counts against `relay status --json` (the built CLI), live updates after a real
 * `relay claim`, stale panels, run records as `relay run` writes them (whole, partial, and with
 * a session process alive), hostile text, the size of the page when every list is long, the
 * lint in a child process, event streams to pages that never read (real sockets, the
 * dashboard's memory and open files measured in /proc), and hostile files: links out of the
 * root and documents over `maxDocumentBytes` (sparse files).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/protocol/config.js';
import { MAX_STREAMS, startDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { runRelay } from '../helpers/state-relay.js';
import { removeTree } from '../helpers/tree.js';
import { attemptLine, bigSnapshotTree, fetchRaw, HOSTILE, longListsTree, openFiles, RELAY_BUNDLE as bundle, residentBytes, serveDashboard, stalledStreams, stateTree, waitForSnapshot, writeRun } from './helpers.js';

const roots: string[] = [];
const dashboards: Dashboard[] = [];
const children: ChildProcess[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const dashboard of dashboards.splice(0)) await dashboard.close();
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const root of roots.splice(0)) removeTree(root);
});

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
    const root = longListsTree();
    roots.push(root);
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

/** Children of this process running protocol-lint on `root`, found in /proc. */
function lintChildren(root: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (parent === process.pid && argv.some((arg) => arg.endsWith('protocol-lint.mjs')) && argv.includes(root)) found.push(Number(entry));
    } catch {
      // Ended meanwhile.
    }
  }
  return found;
}

/** A process's state letter (`T`: stopped), or undefined once it is gone. */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The state's revision, once it is past `after` (polled: the event streams may all be taken). */
async function revisionAfter(url: string, after: number): Promise<number> {
  for (;;) {
    const revision = JSON.parse((await fetchRaw(new URL('state.json', url).href)).body).revision as number;
    if (revision > after) return revision;
    await pause(25);
  }
}

/** The status the event stream answers with (the stream itself is closed at once). */
function streamStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('events', url), (res) => {
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on('error', (error) => {
      if (!req.destroyed) reject(error);
    });
    req.end();
  });
}

/** Adds a URL claimed by a new agent to the queue: every panel of the queue changes. */
function claimOneMore(root: string, index: number): void {
  appendFileSync(join(root, 'urls_todo.md'), `- https://example.com/more-${index} (claimed by more-${index} at 2020-01-01T00:00:00Z)\n`);
}

describe('relay dashboard off its event loop', () => {
  it('lints in a child process and answers meanwhile, with the last result and its age', async () => {
    const root = tree({ 'urls_done.md': '# Completed URLs\n\n- https://example.com/d1\n' });
    const dashboard = await open(root, { tickMs: 60_000 });
    const first = (await waitForSnapshot(dashboard.url, (next) => next.panels.lint.data !== undefined, 20_000)).panels.lint.data;
    expect(first.problems).toContainEqual(expect.objectContaining({ file: 'urls_done.md', ruleId: 'queue-done-date' }));
    // Catch the next lint under way and stop it (SIGSTOP): a lint that does not end, as a huge tree's seems to.
    let stopped: number | undefined;
    let made = 0;
    for (; stopped === undefined; made++) {
      expect(made, 'no protocol-lint child process seen').toBeLessThan(100);
      claimOneMore(root, made);
      for (let poll = 0; poll < 100 && stopped === undefined; poll++) {
        const [pid] = lintChildren(root);
        if (pid !== undefined) {
          process.kill(pid, 'SIGSTOP');
          if (processState(pid) === 'T') stopped = pid;
        } else await pause(5);
      }
    }
    try {
      // The server still reads the files and answers, and shows the last lint (with when it ran).
      const changed = waitForSnapshot(dashboard.url, (next) => next.panels.queue.data.status.pending === 4 + made + 1, 10_000);
      writeFileSync(join(root, 'urls_todo.md'), `${readFileSync(join(root, 'urls_todo.md'), 'utf8')}- https://example.com/while-linting\n`);
      const snapshot = await changed;
      expect(snapshot.panels.lint.data).toEqual(first);
      expect(Date.parse(first.at)).toBeLessThanOrEqual(Date.parse(snapshot.generated));
    } finally {
      process.kill(stopped, 'SIGCONT');
    }
    const next = await waitForSnapshot(dashboard.url, (snapshot) => snapshot.panels.lint.data.at !== first.at, 20_000);
    expect(next.panels.lint.data.errorCount).toBe(first.errorCount);
  });

  it('shows a lint that fails as stale, saying why', async () => {
    // The dashboard was given a config; protocol-lint reads the root's, which it refuses.
    const root = tree({ '.protocol-lint.json': '{"rules":{"no-such-rule":"error"}}' });
    const dashboard = await open(root, { tickMs: 60_000 });
    const snapshot = await waitForSnapshot(dashboard.url, (next) => next.panels.lint.stale !== undefined, 20_000);
    expect(snapshot.panels.lint.stale.error).toMatch(/^protocol-lint: invalid configuration .*`rules\.no-such-rule` is not a known key/);
  });

  it(`streams to at most ${MAX_STREAMS} pages, drops pages that do not read, and answers throughout: 300 such pages with 256 open files allowed`, async () => {
    const root = longListsTree();
    roots.push(root);
    const { child, url, port } = await serveDashboard(root, { openFiles: 256 });
    children.push(child);
    sockets.push(...(await stalledStreams(port, 300)));
    const state = await fetchRaw(new URL('state.json', url).href);
    expect(state.status).toBe(200);
    const refused = await fetchRaw(new URL('events', url).href);
    expect(refused).toMatchObject({ status: 503, body: `relay dashboard streams to at most ${MAX_STREAMS} pages at once; close one, or reload later\n` });
    // The refused connections were closed, not held.
    expect(openFiles(child.pid!)).toBeLessThan(MAX_STREAMS + 50);
    // Each change sends a snapshot of ~1 MB that the stalled pages never read: they are dropped, and a page that reads gets in.
    let revision = JSON.parse(state.body).revision as number;
    for (let change = 0; (await streamStatus(url)) === 503; change++) {
      expect(change, 'the stalled pages were never dropped').toBeLessThan(40);
      claimOneMore(root, change);
      revision = await revisionAfter(url, revision);
    }
    const fresh = await waitForSnapshot(url, (snapshot) => snapshot.revision >= revision);
    expect(fresh.panels.claims.data.agentsTotal).toBeGreaterThan(2000);
  });

  it('keeps its memory flat while pages that never read follow the stream', async () => {
    const root = bigSnapshotTree();
    roots.push(root);
    const { child, url, port } = await serveDashboard(root);
    children.push(child);
    sockets.push(...(await stalledStreams(port, 20)));
    let revision = 0;
    const changes = async (from: number, to: number) => {
      for (let index = from; index < to; index++) {
        claimOneMore(root, index);
        revision = await revisionAfter(url, revision);
      }
    };
    // The first changes fill the kernel's buffers and bring the heap to its working size.
    await changes(0, 10);
    const before = residentBytes(child.pid!);
    await changes(10, 160);
    const after = residentBytes(child.pid!);
    const snapshot = Buffer.byteLength((await fetchRaw(new URL('state.json', url).href)).body);
    console.log(`relay dashboard RSS ${(before / 2 ** 20).toFixed(0)} MB -> ${(after / 2 ** 20).toFixed(0)} MB over 150 snapshots of ${(snapshot / 1024).toFixed(0)} KB to 20 pages that never read`);
    // Kept for the stalled pages, the 150 snapshots would add 150 × the snapshot at the very least
    // (once, shared by all 20: ~57 MB); the heap's own ups and downs stay well under half of that.
    expect(after - before).toBeLessThan(0.5 * 150 * snapshot);
  }, 180_000);
});

describe('relay dashboard reads as every reader does', () => {
  it('answers a browser on port 80, which sends its Host without the port', async (context) => {
    const started = await startDashboard({ root: tree(), config: defaultConfig(), port: 80, ttlHours: 24, version: 'test' });
    if ('error' in started) return context.skip(`port 80: ${started.error}`);
    dashboards.push(started);
    for (const host of ['127.0.0.1', 'localhost', '127.0.0.1:80', 'localhost:80']) expect((await fetchRaw(started.url, { host })).status, host).toBe(200);
    expect((await fetchRaw(started.url, { host: 'attacker.example' })).status).toBe(403);
  });

  it('reads no final, draft or postmortem through a link out of the root, and none over `maxDocumentBytes`', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'relay-outside-'));
    roots.push(outside);
    writeFileSync(join(outside, 'final.mdx'), '---\nverdict: SECRET-FROM-OUTSIDE\n---\n# Final\n');
    writeFileSync(join(outside, 'lesson.md'), '# Postmortem: O\n\n**Date**: 2026-03-07\n\n## What Went Wrong\n\nx\n\n## How It Was Fixed\n\nx\n\n## Prevention\n\n- SECRET-LESSON\n');
    const approves = (draft: string) => `---\nverdict: approved\nreviewer: r\nreviewed: ${draft}\ndraft_sha256: ${'a'.repeat(64)}\n---\n# Final\n`;
    const root = tree({ 'review/draft-002.mdx': '', 'review/final-002.mdx': approves('review/draft-002.mdx'), 'review/draft-003.mdx': '# D\n', 'review/final-003.mdx': '', 'postmortems/2026-03-08-huge.md': '' });
    symlinkSync(join(outside, 'final.mdx'), join(root, 'review/final-001.mdx'));
    symlinkSync(join(outside, 'lesson.md'), join(root, 'postmortems/2026-03-07-outside.md'));
    // 64 MB each, sparse: git stores such a file in a few KB, so a clone can carry it.
    for (const path of ['review/draft-002.mdx', 'review/final-003.mdx', 'postmortems/2026-03-08-huge.md']) truncateSync(join(root, path), 64 * 1024 * 1024);
    const dashboard = await open(root);
    const html = (await fetchRaw(dashboard.url)).body;
    expect(html).not.toContain('SECRET');
    const { verdicts, lessons } = embedded(html).panels;
    const why = Object.fromEntries(verdicts.data.waiting.map((item: any) => [item.draft, item.why]));
    expect(why['review/draft-001.mdx']).toMatch(/^Unexpected path `review\/final-001\.mdx` leaving the root through a symbolic link/);
    expect(why['review/draft-002.mdx']).toMatch(/^`review\/draft-002\.mdx` is too big \(64 MB, limit 10 MB\)/);
    expect(why['review/draft-003.mdx']).toMatch(/^`review\/final-003\.mdx` is too big \(64 MB, limit 10 MB\)/);
    const lessonOf = Object.fromEntries(lessons.data.lessons.map((item: any) => [item.postmortem, item.lesson]));
    expect(lessonOf['2026-03-08-huge']).toMatch(/^`postmortems\/2026-03-08-huge\.md` is too big \(64 MB, limit 10 MB\)/);
    expect(lessonOf['2026-03-07-outside']).toMatch(/^Unexpected path `postmortems\/2026-03-07-outside\.md` leaving the root/);
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
    const { child, url } = await serveDashboard(tree());
    children.push(child);
    expect((await fetchRaw(url)).status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
