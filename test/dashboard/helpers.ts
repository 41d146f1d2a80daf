/**
 * Helpers for the dashboard tests: state trees in real git repositories, run records where
 * `relay run` writes them, and a reader of the server-sent events.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { git } from '../helpers/state-relay.js';
import { writeTree } from '../helpers/tree.js';

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
