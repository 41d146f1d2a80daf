#!/usr/bin/env node
/**
 * Regenerates docs/dashboard.png: a small fleet tree (bench/generate.mjs at scale 0.02, with
 * two runs' records beside it) in a temporary git repository, `relay dashboard` on it (the
 * built bin/relay: run `npm run build` first), and headless chromium's screenshot of the page.
 *
 *   node scripts/dashboard-screenshot.mjs [--out docs/dashboard.png] [--chromium /usr/bin/chromium]
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { generate } from '../bench/generate.mjs';

const repo = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { out: { type: 'string', default: join(repo, 'docs', 'dashboard.png') }, chromium: { type: 'string', default: process.env.RELAY_CHROMIUM ?? '/usr/bin/chromium' } } });

const root = mkdtempSync(join(tmpdir(), 'relay-dashboard-shot-'));
const now = new Date();
now.setUTCMinutes(0, 0, 0);
try {
  generate({ scale: 0.02, out: root, seed: 'dashboard', now: now.toISOString() });
  execFileSync('git', ['init', '-q'], { cwd: root });
  // Sessions under way, as `relay run` starts them: a process carrying `--session-id ID`.
  const underWay = writeRuns(root, now).map((sessionId) => spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)', '--', '--session-id', sessionId], { stdio: 'ignore' }));
  const child = spawn(process.execPath, [join(repo, 'bin', 'relay'), 'dashboard', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise((resolveUrl, reject) => {
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (chunk) => {
        stdout += chunk;
        const match = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout);
        if (match) resolveUrl(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`relay dashboard exited ${code}`)));
    });
    const browser = await chromium.launch({ executablePath: values.chromium });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1500 }, colorScheme: 'light' });
      await page.goto(url);
      await page.waitForSelector('#lint-summary', { timeout: 60_000 });
      // The temporary folder's name says nothing to a reader.
      await page.evaluate(() => {
        document.getElementById('root').textContent = 'my-fleet';
      });
      await page.screenshot({ path: values.out, fullPage: false });
    } finally {
      await browser.close();
    }
  } finally {
    child.kill('SIGTERM');
    for (const session of underWay) session.kill('SIGTERM');
  }
  console.log(`wrote ${values.out}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}

/** Two runs' records, as src/run/records.ts writes them: one finished, one with sessions under way (their ids returned). */
function writeRuns(root, now) {
  const underWay = [];
  const hour = 3600_000;
  const runs = [
    { id: stamp(new Date(now.getTime() - 5 * hour), 'a1b2c3'), role: 'writer', sessions: 8, startedHoursAgo: 5, underWay: 0 },
    { id: stamp(new Date(now.getTime() - 1 * hour), 'd4e5f6'), role: 'reviewer', sessions: 5, startedHoursAgo: 1, underWay: 2 },
  ];
  for (const run of runs) {
    const dir = join(root, '.git', 'relay', 'runs', run.id);
    mkdirSync(join(dir, 'sessions'), { recursive: true });
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ run: run.id, role: run.role, parallel: 4 }, null, 2) + '\n');
    let lines = '';
    for (let index = 0; index < run.sessions; index++) {
      const sessionId = `${run.id.slice(-6)}${String(index).padStart(2, '0')}-7c1e-4b7a-9f00-00000000000${index % 10}`;
      writeFileSync(join(dir, 'sessions', `${sessionId}.jsonl`), '');
      if (index >= run.sessions - run.underWay) {
        underWay.push(sessionId);
        continue;
      }
      const start = new Date(now.getTime() - run.startedHoursAgo * hour + index * 600_000);
      const failed = index === 3;
      lines +=
        JSON.stringify({
          session_id: sessionId,
          agent: `${run.role}-${index + 1}`,
          role: run.role,
          attempt: 1,
          status: failed ? 'failed' : 'succeeded',
          reason: failed ? 'claims left under its agent: https://example.com/articles/4411' : undefined,
          urls: failed ? [] : [`https://example.com/articles/${4400 + index}`, `https://example.org/guides/${900 + index}`],
          start: start.toISOString(),
          end: new Date(start.getTime() + 540_000).toISOString(),
          cost_usd: 0.31 + index * 0.07,
          turns: 9 + index,
        }) + '\n';
    }
    writeFileSync(join(dir, 'attempts.jsonl'), lines);
  }
  return underWay;
}

function stamp(date, tail) {
  return `${date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${tail}`;
}
