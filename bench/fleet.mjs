#!/usr/bin/env node
/**
 * The fleet runner's bench rows: `relay run --role writer -j 4` over 20 URLs, each session the
 * real Claude Code CLI (the pinned one test/e2e/run.mjs installs) against the scripted model on
 * 127.0.0.1 playing a worker (test/e2e/fleet-worker.mjs).
 *
 *   node bench/fleet.mjs            (or: npm run bench -- --fleet, which adds these rows)
 *
 * - runner CPU / session CPU: the runner process's own user+system time (/proc/<pid>/stat,
 *   sampled every 100 ms until it exits) per session, against a session's: every process the
 *   runner waited for (this process's cutime+cstime grown over the run, less the runner's own).
 *   Target ≤ 5 %.
 * - launch: from the first session's launch (its stream file appears) to the last session's
 *   init event (in its stream), 20 sessions at -j 4. Reported, no target.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { worker } from '../test/e2e/fleet-worker.mjs';
import { startMockApi } from '../test/e2e/mock-api.mjs';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));
const CLAUDE = join(repo, '.cache', 'claude-code', 'node_modules', '.bin', 'claude');
const SESSIONS = 20;
const PARALLEL = 4;
const TICKS = 100; // USER_HZ on Linux

/** User + system time of `pid` in ms, from /proc (own, or with `children` its waited-for descendants'). */
function cpuMs(pid, children = false) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14/15 (utime, stime) and 16/17 (cutime, cstime), counted from 1; the slice starts at field 3.
  const [utime, stime, cutime, cstime] = [fields[11], fields[12], fields[13], fields[14]].map(Number);
  return ((children ? cutime + cstime : utime + stime) * 1000) / TICKS;
}

async function relayBundle(scratch) {
  const { build } = await import('esbuild');
  const outfile = join(scratch, 'relay.mjs');
  await build({
    entryPoints: [join(repo, 'src/cli/relay.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    logLevel: 'error',
    banner: { js: "import { createRequire as __relayCreateRequire } from 'node:module'; const require = __relayCreateRequire(import.meta.url);" },
  });
  return outfile;
}

/** Runs the 20 sessions once and returns the two rows (the bench table's shape) and the raw numbers. */
export async function fleetRows() {
  if (!existsSync(CLAUDE)) {
    const note = `no Claude Code CLI at ${CLAUDE} (node test/e2e/run.mjs installs it)`;
    return { rows: [{ name: 'relay run: runner CPU / session CPU', target: '≤ 0.05', note }, { name: `relay run: first launch → last init, ${SESSIONS} at -j ${PARALLEL}`, target: 'reported', note }] };
  }
  const scratch = mkdtempSync(join(tmpdir(), 'relay-bench-fleet-'));
  const mock = await startMockApi();
  try {
    const bundle = await relayBundle(scratch);
    const project = join(scratch, 'project');
    cpSync(join(repo, 'examples', 'blog-pipeline'), project, { recursive: true });
    const urls = Array.from({ length: SESSIONS }, (_, index) => `https://example.com/bench-${index + 1}`);
    writeFileSync(join(project, 'urls_todo.md'), `# Pending URLs\n${urls.map((url) => `- ${url}\n`).join('')}`);
    const git = (...args) => execFileSync('git', args, { cwd: project, stdio: 'ignore' });
    git('init', '--quiet');
    git('add', '-A');
    git('-c', 'user.name=bench', '-c', 'user.email=bench@relay.invalid', 'commit', '--quiet', '-m', 'seed');
    const home = join(scratch, 'home');
    mkdirSync(join(home, '.claude'), { recursive: true });
    const env = {
      PATH: process.env.PATH,
      HOME: home,
      CLAUDE_CONFIG_DIR: join(home, '.claude'),
      NO_PROXY: '127.0.0.1,localhost',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_TELEMETRY: '1',
      DISABLE_ERROR_REPORTING: '1',
      DISABLE_AUTOUPDATER: '1',
      CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL: '1',
      ANTHROPIC_BASE_URL: `http://127.0.0.1:${mock.port}`,
      ANTHROPIC_API_KEY: 'test',
      RELAY_CLAUDE: CLAUDE,
    };
    mock.reset(worker({ project }));
    const before = cpuMs('self', true);
    const runner = spawn(process.execPath, [bundle, 'run', '--role', 'writer', '-j', String(PARALLEL), '--plugin-dir', join(repo, 'plugin'), '--max-turns', '20', '--json'], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    runner.stdout.on('data', (chunk) => (stdout += chunk));
    runner.stderr.on('data', (chunk) => (stderr += chunk));
    const ended = new Promise((resolvePromise) => runner.on('close', (code) => resolvePromise(code)));
    let runnerCpu = 0;
    const launched = new Map();
    const inited = new Map();
    let done = false;
    void ended.then(() => (done = true));
    while (!done) {
      try {
        runnerCpu = cpuMs(runner.pid);
      } catch {
        // it has just exited: the last sample stands
      }
      const runs = join(project, '.git', 'relay', 'runs');
      const runId = existsSync(runs) ? readdirSync(runs)[0] : undefined;
      const streams = runId === undefined ? [] : readdirSync(join(runs, runId, 'sessions')).filter((name) => name.endsWith('.jsonl'));
      const now = performance.now();
      for (const name of streams) {
        if (!launched.has(name)) launched.set(name, now);
        if (!inited.has(name) && readFileSync(join(runs, runId, 'sessions', name), 'utf8').includes('"subtype":"init"')) inited.set(name, now);
      }
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 100));
    }
    const code = await ended;
    const total = cpuMs('self', true) - before;
    const summary = JSON.parse(stdout || '{}');
    const sessions = summary.totals?.sessions ?? 0;
    const sessionCpu = (total - runnerCpu) / Math.max(1, sessions);
    const perSession = runnerCpu / Math.max(1, sessions);
    const ratio = sessionCpu > 0 ? perSession / sessionCpu : undefined;
    const launchMs = Math.max(...inited.values()) - Math.min(...launched.values());
    const ok = code === 0 && summary.totals?.urls_done === SESSIONS && inited.size === sessions;
    const problem = ok ? '' : ` (run exit ${code}, ${summary.totals?.urls_done ?? 0} URLs done, ${inited.size} inits of ${sessions}: ${stderr.trim().split('\n').at(-1) ?? ''})`;
    return {
      rows: [
        { name: 'relay run: runner CPU / session CPU', ratio, target: '≤ 0.05', pass: ok && ratio !== undefined && ratio <= 0.05, note: `${perSession.toFixed(0)} ms / ${sessionCpu.toFixed(0)} ms a session, ${sessions} sessions${problem}` },
        { name: `relay run: first launch → last init, ${SESSIONS} at -j ${PARALLEL}`, ratio: launchMs / 1000, isCount: true, target: 'reported, seconds', note: `${(launchMs / 1000).toFixed(1)} s; ${sessions} sessions${problem}` },
      ],
      raw: { code, sessions, runnerCpuMs: runnerCpu, descendantsCpuMs: total, launchMs, totals: summary.totals },
    };
  } finally {
    await mock.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { rows, raw } = await fleetRows();
  for (const row of rows) console.log(`${row.name.padEnd(48)}  ${row.ratio === undefined ? 'n/a' : row.ratio.toFixed(3).padStart(8)}  ${row.target.padEnd(18)}  ${row.pass === undefined ? 'n/a ' : row.pass ? 'PASS' : 'FAIL'}  ${row.note}`);
  if (raw) console.log(JSON.stringify(raw));
}
