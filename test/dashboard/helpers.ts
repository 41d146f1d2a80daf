/**
 * Helpers for the dashboard tests: state trees in real git repositories, run records where
 * `relay run` writes them, `relay dashboard` as a real process, pages that never read, and a
 * reader of the server-sent events.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { REPO } from '../helpers/run.js';
import { git } from '../helpers/state-relay.js';
import { writeTree } from '../helpers/tree.js';

/** The relay bundle the global setup built from the sources, with protocol-lint's beside it (the dashboard runs that one). */
export const RELAY_BUNDLE = join(REPO, 'dist', 'relay.mjs');

/** Text a cloned repository could carry to break out of the page; each sets `window.__xss` if it ever runs. */
export const HOSTILE = {
  url: 'https://example.com/</script><script>window.__xss=1</script>',
  agent: '<img/src=x/onerror=window.__xss=2>',
  lesson: 'Run `relay claim` <script>window.__xss=3</script> and <img src=x onerror="window.__xss=4"> first',
  session: '<img src=x onerror=window.__xss=5>',
  attemptUrl: 'https://example.com/"><svg/onload=window.__xss=6>',
} as const;

/** A state tree in a fresh git repository: 4 pending (1 claimed by writer-1, 1 stale by writer-2), 3 done on two dates, a postmortem, two waves, a draft. */
export function stateTree(now: Date, extra: Record<string, string> = {}): string {
  const recent = new Date(now.getTime() - 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const old = new Date(now.getTime() - 48 * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const root = writeTree({
    'urls_todo.md': [
      '# Pending URLs',
      '',
      '- https://example.com/p1',
      `- https://example.com/p2 (claimed by writer-1 at ${recent})`,
      `- https://example.com/p3 (claimed by writer-2 at ${old})`,
      '- https://example.com/p4',
      '',
    ].join('\n'),
    'urls_done.md': ['# Completed URLs', '', '- https://example.com/d1 (completed 2026-03-01)', '- https://example.com/d2 (completed 2026-03-02)', '- https://example.com/d3 (completed 2026-03-02)', ''].join('\n'),
    'CLAUDE.md': '# Project\n\n## Session Protocol\n\n1. Run `relay brief`.\n',
    'postmortems/2026-03-05-lost-claims.md':
      '# Postmortem: Lost claims\n\n**Date**: 2026-03-05\n\n## What Went Wrong\n\nTwo writers took one URL.\n\n## How It Was Fixed\n\nThe lock.\n\n## Prevention\n\n- Claim only with `relay claim` (queue-overlap)\n',
    'discovery/wave-1/a.md': '# A\n',
    'discovery/wave-2/b.md': '# B\n\nReads [a](../wave-1/a.md).\n',
    'plan/task-001.md': '# Task one\n',
    'review/draft-001.mdx': '# Draft one\n',
    ...extra,
  });
  git(root, ['init', '-q']);
  return root;
}

/**
 * A tree where every list is long (2,000 claims with long agent ids, 400 waves, 300 drafts, 40
 * postmortems of long lessons, 12 runs of 250 sessions): each panel at its byte budget, so a
 * snapshot is near the page's 1 MB.
 */
export function longListsTree(): string {
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
  const root = stateTree(new Date(), extra);
  const attempts = Array.from({ length: 250 }, (_, index) => attemptLine({ session_id: `s-${index}-${long}`, urls: Array.from({ length: 12 }, (_, url) => `https://example.com/${long}/${url}`), start: '2026-03-02T10:00:00Z', end: '2026-03-02T10:01:00Z' })).join('');
  for (let run = 0; run < 12; run++) writeRun(root, `20260302-1000${String(run).padStart(2, '0')}-dddddd`, { attempts });
  return root;
}

/**
 * A tree whose snapshot is large (~400 KB: 400 claims by long agent ids, a run of 100 sessions
 * with long URLs, long lessons) while reading it stays cheap, so the dashboard's own memory
 * holds steady from one change to the next.
 */
export function bigSnapshotTree(): string {
  const long = 'x'.repeat(300);
  const pending = Array.from({ length: 400 }, (_, index) => `- https://example.com/${long}/${index} (claimed by agent-${index}-${'y'.repeat(300)} at 2020-01-01T00:00:00Z)`);
  const extra: Record<string, string> = { 'urls_todo.md': `# Pending URLs\n\n${pending.join('\n')}\n` };
  for (let number = 1; number <= 12; number++) {
    extra[`postmortems/2026-01-${String(number).padStart(2, '0')}-p.md`] = `# Postmortem: P\n\n**Date**: 2026-01-01\n\n## What Went Wrong\n\nx\n\n## How It Was Fixed\n\nx\n\n## Prevention\n\n${`- ${long}\n`.repeat(5)}`;
  }
  const root = stateTree(new Date(), extra);
  const attempts = Array.from({ length: 100 }, (_, index) => attemptLine({ session_id: `s-${index}-${long}`, urls: Array.from({ length: 5 }, (_, url) => `https://example.com/${long}/${url}`), start: '2026-03-02T10:00:00Z', end: '2026-03-02T10:01:00Z' })).join('');
  writeRun(root, '20260302-100000-dddddd', { attempts });
  return root;
}

/**
 * Starts `relay dashboard --port 0` in `root` as a real process; with `openFiles`, under that
 * limit of open files (`ulimit -n`, through `sh -c` and a fixed script). Its address once printed.
 */
export async function serveDashboard(root: string, options: { openFiles?: number; port?: number } = {}): Promise<{ child: ChildProcess; url: string; port: number }> {
  const command = [process.execPath, RELAY_BUNDLE, 'dashboard', '--port', String(options.port ?? 0)];
  const child =
    options.openFiles === undefined
      ? spawn(command[0]!, command.slice(1), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('sh', ['-c', `ulimit -n ${options.openFiles} && exec "$0" "$@"`, ...command], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /^relay dashboard: (http:\/\/127\.0\.0\.1:\d+\/) \(Ctrl-C to stop\)\n/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`relay dashboard exited ${code}: ${stdout}${stderr}`)));
  });
  return { child, url, port: Number(new URL(url).port) };
}

/**
 * Connections that ask for the event stream and never read what comes (each paused at once:
 * Node takes at most its 16 KB buffer from the kernel, then stops reading).
 */
export async function stalledStreams(port: number, count: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let index = 0; index < count; index++) {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => {}); // dropped by the dashboard: expected
    socket.pause();
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    sockets.push(socket);
  }
  return sockets;
}

/** The resident memory of a process, in bytes (/proc/PID/status). */
export function residentBytes(pid: number): number {
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

/** How many files a process has open (/proc/PID/fd). */
export function openFiles(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Writes a run's records into `<git dir>/relay/runs/<id>/` as src/run/records.ts lays them out. */
export function writeRun(root: string, runId: string, files: { settings?: string; attempts?: string; streams?: string[] }): string {
  const dir = join(root, '.git', 'relay', 'runs', runId);
  mkdirSync(join(dir, 'sessions'), { recursive: true });
  if (files.settings !== undefined) writeFileSync(join(dir, 'settings.json'), files.settings);
  if (files.attempts !== undefined) writeFileSync(join(dir, 'attempts.jsonl'), files.attempts);
  for (const stream of files.streams ?? []) writeFileSync(join(dir, 'sessions', `${stream}.jsonl`), '{"type":"system","subtype":"init"}\n');
  return dir;
}

/** One attempts.jsonl line. */
export function attemptLine(fields: Record<string, unknown>): string {
  return JSON.stringify({ agent: 'writer-1', role: 'writer', attempt: 1, status: 'succeeded', urls: [], pid: 1, exit: 0, signal: null, is_error: false, cost_usd: 0.5, turns: 4, ...fields }) + '\n';
}

/** A GET (or another method) with a chosen Host header; the status, headers and body. */
export function fetchRaw(url: string, options: { method?: string; host?: string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const headers: Record<string, string> = {};
    if (options.host !== undefined) headers.host = options.host;
    const req = request({ host: target.hostname.replace(/^\[(.*)\]$/, '$1'), port: target.port, path: target.pathname, method: options.method ?? 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Reads the event stream and resolves with the first snapshot that `accept` takes, or rejects after `timeoutMs`. */
export function waitForSnapshot(url: string, accept: (snapshot: any) => boolean, timeoutMs = 10_000): Promise<any> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const req = request(new URL('events', url), (res) => {
      res.setEncoding('utf8').on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = event.split('\n').find((line) => line.startsWith('data: '));
          if (data === undefined) continue;
          const snapshot = JSON.parse(data.slice('data: '.length));
          if (accept(snapshot)) {
            clearTimeout(timer);
            req.destroy();
            resolve(snapshot);
            return;
          }
        }
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no snapshot as expected within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (error) => {
      if (!req.destroyed) reject(error);
    });
    req.end();
  });
}
