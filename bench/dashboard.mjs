#!/usr/bin/env node
/**
 * The dashboard's bench row: how long the page takes to load against how long `relay status
 * --json` takes, on the same tree, and how big the page is.
 *
 *   node bench/dashboard.mjs TREE [--runs 5]     (bench/run.mjs calls measureDashboard)
 *
 * `relay status --json` is timed as a process, start to exit. The page is timed as a browser
 * loads it: `relay dashboard` runs (started once, as a user leaves it running), and each load
 * is a GET of the page with the state in it, from request to the last byte. The first load
 * after the dashboard starts (the process starting and reading the tree, lint not included)
 * is reported beside it, not judged.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const repo = resolve(import.meta.dirname, '..');
const relayBin = join(repo, 'bin', 'relay');

/** Times `runs` interleaved `relay status --json` runs and page loads on `tree`. */
export async function measureDashboard(tree, runs) {
  const spawned = process.hrtime.bigint();
  const { child, url: started } = startDashboard(tree);
  try {
    const url = await started;
    const first = await get(url);
    const coldMs = Number(process.hrtime.bigint() - spawned) / 1e6;
    // Wait for the first lint, so the loads measure the page, not a page competing with the lint.
    for (let tries = 0; tries < 600; tries++) {
      const state = JSON.parse((await get(new URL('state.json', url).href)).body);
      if (state.panels.lint.data !== undefined || state.panels.lint.stale !== undefined) break;
      await new Promise((resolveWait) => setTimeout(resolveWait, 500));
    }
    const status = [];
    const page = [];
    let bytes = Buffer.byteLength(first.body);
    for (let round = 0; round < runs; round++) {
      status.push(await timeStatus(tree));
      const load = await get(url);
      page.push(load.ms);
      bytes = Math.max(bytes, Buffer.byteLength(load.body));
    }
    return { statusMs: status, pageMs: page, pageBytes: bytes, coldMs };
  } finally {
    child.kill('SIGTERM');
  }
}

/**
 * The dashboard's first state on each tree, `runs` times, interleaved: from the start of
 * `relay dashboard` to the first `/state.json` whose queue panel holds data (the lint runs in a
 * child process and is not waited for).
 */
export async function measureFirstState(trees, runs) {
  const times = Object.fromEntries(Object.keys(trees).map((name) => [name, []]));
  for (let round = 0; round < runs; round++) {
    for (const [name, tree] of Object.entries(trees)) {
      const spawnedAt = process.hrtime.bigint();
      const { child, url: started } = startDashboard(tree);
      try {
        const url = await started;
        for (;;) {
          const state = JSON.parse((await get(new URL('state.json', url).href)).body);
          if (state.panels.queue.data !== undefined) break;
          await new Promise((resolveWait) => setTimeout(resolveWait, 5));
        }
        times[name].push(Number(process.hrtime.bigint() - spawnedAt) / 1e6);
      } finally {
        child.kill('SIGTERM');
      }
    }
  }
  return times;
}

/** `relay dashboard --port 0` in `tree`, and its address once printed. */
function startDashboard(tree) {
  const child = spawn(process.execPath, [relayBin, 'dashboard', '--port', '0'], { cwd: tree, stdio: ['ignore', 'pipe', 'ignore'] });
  const url = new Promise((resolveUrl, reject) => {
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
      const match = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout);
      if (match) resolveUrl(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`relay dashboard exited ${code}`)));
  });
  return { child, url };
}

function timeStatus(tree) {
  return new Promise((resolveTime, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [relayBin, 'status', '--json'], { cwd: tree, stdio: ['ignore', 'ignore', 'ignore'] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolveTime(Number(process.hrtime.bigint() - started) / 1e6) : reject(new Error(`relay status --json exited ${code}`))));
  });
}

function get(url) {
  return new Promise((resolveGet, reject) => {
    const started = process.hrtime.bigint();
    const req = request(url, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolveGet({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8'), ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    });
    req.on('error', reject);
    req.end();
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({ options: { runs: { type: 'string', default: '5' } }, allowPositionals: true });
  if (positionals.length !== 1) {
    console.error('usage: node bench/dashboard.mjs TREE [--runs 5]');
    process.exit(2);
  }
  const result = await measureDashboard(resolve(positionals[0]), Number(values.runs));
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  console.log(JSON.stringify({ ...result, ratio: median(result.pageMs) / median(result.statusMs) }, null, 2));
}
