#!/usr/bin/env node
/**
 * The fleet runner at the seed's scale: each session the real Claude Code CLI (the pinned one
 * test/e2e/run.mjs installs) against the scripted model on 127.0.0.1 playing a worker
 * (test/e2e/fleet-worker.mjs), in the blog-pipeline example with 27 postmortems, as the seed has.
 *
 *   node bench/fleet.mjs [--waves 109] [--urls 200] [-j 4]   (npm run bench -- --fleet: the defaults)
 *
 * Two runs: `relay run --waves W --per-wave 2` (2·W sessions) from an empty discovery/, and
 * `relay run --pipeline planner,writer,reviewer` over U URLs (3·U sessions). For each: wall
 * time, sessions per minute, every session succeeded, and the files: every wave lints clean
 * (protocol-lint on discovery/), every URL done exactly once. Across both:
 * - runner CPU / session CPU: the runner's own user+system time (/proc/<pid>/stat, sampled
 *   every 200 ms) per session, against a session's (everything the runner waited for). ≤ 5 %.
 * - what a session starts with: its first request to the model (the prompt, the SessionStart
 *   briefing, CLAUDE.md), the largest of any session, and the last wave's against wave 2's. ≤ 1.25.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { worker } from '../test/e2e/fleet-worker.mjs';
import { startMockApi } from '../test/e2e/mock-api.mjs';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));
const CLAUDE = join(repo, '.cache', 'claude-code', 'node_modules', '.bin', 'claude');
const TICKS = 100; // USER_HZ on Linux
const POSTMORTEMS = 27;

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

/** The blog-pipeline example with `urls` pending, no discovery waves, and 27 postmortems, in its own git repository. */
function makeProject(scratch, name, urls) {
  const project = join(scratch, name);
  cpSync(join(repo, 'examples', 'blog-pipeline'), project, { recursive: true });
  rmSync(join(project, 'discovery'), { recursive: true, force: true });
  writeFileSync(join(project, 'urls_todo.md'), `# Pending URLs\n${urls.map((url) => `- ${url}\n`).join('')}`);
  for (let number = 2; number <= POSTMORTEMS; number++) {
    const date = `2026-02-${String(number).padStart(2, '0')}`;
    writeFileSync(
      join(project, 'postmortems', `${date}-lesson-${number}.md`),
      `# Postmortem: Lesson ${number}\n\n**Date**: ${date}\n\n## What Went Wrong\nSession ${number} of the seed's fleet repeated work another session had done.\n\n## How It Was Fixed\nThe work went through \`relay claim\` again.\n\n## Prevention\n- Claim before you work: \`relay claim\` takes the next URL under the lock.\n`,
    );
  }
  const git = (...args) => execFileSync('git', args, { cwd: project, stdio: 'ignore' });
  git('init', '--quiet');
  git('add', '-A');
  git('-c', 'user.name=bench', '-c', 'user.email=bench@relay.invalid', 'commit', '--quiet', '-m', 'seed');
  return project;
}

/** Runs `relay run args…` in `project` with the mock playing `worker`; returns what was measured. */
async function measuredRun({ bundle, project, args, env, mock }) {
  const first = new Map();
  const play = worker({ project, onFirst: (agent, text) => first.set(agent, text.length) });
  // The mock keeps every request; a run of hundreds of sessions must not.
  mock.reset((body, state) => {
    state.requests.length = 0;
    return play(body);
  });
  const before = cpuMs('self', true);
  const started = performance.now();
  const runner = spawn(process.execPath, [bundle, 'run', ...args, '--plugin-dir', join(repo, 'plugin'), '--max-turns', '30', '--json'], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  runner.stdout.on('data', (chunk) => (stdout += chunk));
  runner.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-20_000)));
  const ended = new Promise((resolvePromise) => runner.on('close', (code) => resolvePromise(code)));
  let runnerCpu = 0;
  let done = false;
  void ended.then(() => (done = true));
  while (!done) {
    try {
      runnerCpu = cpuMs(runner.pid);
    } catch {
      // it has just exited: the last sample stands
    }
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 200));
  }
  const code = await ended;
  const wallMs = performance.now() - started;
  const summary = JSON.parse(stdout || '{}');
  const attempts = readFileSync(join(project, '.git', 'relay', 'runs', summary.run ?? 'none', 'attempts.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  return { code, wallMs, summary, attempts, first, runnerCpu, allCpu: cpuMs('self', true) - before, stderr };
}

/** Runs both scale runs once and returns the bench table's rows and the raw numbers. */
export async function fleetRows({ waves = 109, urls: urlCount = 200, parallel = 4 } = {}) {
  const names = [`relay run: runner CPU / session CPU`, `relay run --waves ${waves} --per-wave 2`, `relay run: first request, wave ${waves} / wave 2`, `relay run --pipeline, ${urlCount} URLs`];
  if (!existsSync(CLAUDE)) {
    const note = `no Claude Code CLI at ${CLAUDE} (node test/e2e/run.mjs installs it)`;
    return { rows: names.map((name) => ({ name, target: 'reported', note })) };
  }
  const scratch = mkdtempSync(join(tmpdir(), 'relay-bench-fleet-'));
  const mock = await startMockApi();
  try {
    const bundle = await relayBundle(scratch);
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
    const wavesProject = makeProject(scratch, 'waves', []);
    const waveRun = await measuredRun({ bundle, project: wavesProject, args: ['--waves', String(waves), '--per-wave', '2', '-j', '2'], env, mock });
    const lint = JSON.parse(execFileSync(process.execPath, [join(repo, 'bin', 'protocol-lint'), 'discovery', '--format', 'json'], { cwd: wavesProject, encoding: 'utf8' }));
    const lintErrors = lint.reduce((sum, file) => sum + file.errorCount, 0);
    const waveFolders = readdirSync(join(wavesProject, 'discovery')).filter((name) => name.startsWith('wave-')).length;
    const digest = waves > 2 ? readFileSync(join(wavesProject, 'discovery', 'INDEX.md'), 'utf8').length : 0;
    const urls = Array.from({ length: urlCount }, (_, index) => `https://example.com/bench-${index + 1}`);
    const pipelineProject = makeProject(scratch, 'pipeline', urls);
    const pipeRun = await measuredRun({ bundle, project: pipelineProject, args: ['--pipeline', 'planner,writer,reviewer', '-j', String(parallel)], env, mock });
    // The example's own completed URLs aside.
    const doneLines = readFileSync(join(pipelineProject, 'urls_done.md'), 'utf8').split('\n').filter((line) => line.startsWith('- https://example.com/bench-'));
    const doneOnce = doneLines.length === urlCount && new Set(doneLines.map((line) => line.split(' ')[1])).size === urlCount;

    const runs = [waveRun, pipeRun];
    const sessions = runs.reduce((sum, run) => sum + run.attempts.length, 0);
    const runnerCpu = runs.reduce((sum, run) => sum + run.runnerCpu, 0);
    const sessionCpu = (runs.reduce((sum, run) => sum + run.allCpu, 0) - runnerCpu) / Math.max(1, sessions);
    const cpuRatio = runnerCpu / Math.max(1, sessions) / sessionCpu;
    const firstOf = (run, filter) => Math.max(0, ...run.attempts.filter(filter).map((attempt) => run.first.get(attempt.agent) ?? 0));
    const largest = Math.max(firstOf(waveRun, () => true), firstOf(pipeRun, () => true));
    const growth = firstOf(waveRun, (attempt) => attempt.wave === waves) / firstOf(waveRun, (attempt) => attempt.wave === 2);
    const perMinute = (run) => (run.attempts.length / run.wallMs) * 60_000;
    const allSucceeded = (run) => run.code === 0 && run.attempts.every((attempt) => attempt.status === 'succeeded');
    const problem = (run) => {
      if (allSucceeded(run)) return '';
      const failed = run.attempts.filter((attempt) => attempt.status !== 'succeeded');
      return `; run exit ${run.code}; ${failed.length} attempts not succeeded: ${failed.slice(0, 3).map((attempt) => `${attempt.agent} ${attempt.status}: ${attempt.reason ?? ''}`).join(' | ')}`;
    };
    const wavesOk = allSucceeded(waveRun) && waveRun.attempts.length === 2 * waves && lintErrors === 0 && waveFolders === waves;
    return {
      rows: [
        { name: names[0], ratio: cpuRatio, target: '≤ 0.05', pass: cpuRatio <= 0.05, note: `${(runnerCpu / sessions).toFixed(0)} ms / ${sessionCpu.toFixed(0)} ms a session, ${sessions} sessions` },
        { name: names[1], ratio: waveRun.wallMs / 1000, isCount: true, target: 'all clean, seconds', pass: wavesOk, note: `${waveRun.attempts.length} sessions in ${(waveRun.wallMs / 60_000).toFixed(1)} min, ${perMinute(waveRun).toFixed(1)}/min; ${waveFolders} waves, protocol-lint errors in discovery/: ${lintErrors}; the last digest ${digest} characters${problem(waveRun)}` },
        { name: names[2], ratio: growth, target: '≤ 1.25', pass: growth <= 1.25, note: `largest first request of any session: ${largest} characters (prompt, briefing, CLAUDE.md)` },
        { name: names[3], ratio: pipeRun.wallMs / 1000, isCount: true, target: 'all done once, seconds', pass: allSucceeded(pipeRun) && doneOnce, note: `${pipeRun.attempts.length} sessions in ${(pipeRun.wallMs / 60_000).toFixed(1)} min, ${perMinute(pipeRun).toFixed(1)}/min; ${doneLines.length} done lines, every URL once: ${doneOnce}${problem(pipeRun)}` },
      ],
      raw: { waves, urls: urlCount, sessions, runnerCpuMs: runnerCpu, sessionCpuMs: sessionCpu, largestFirstRequest: largest, waveGrowth: growth, digestCharacters: digest, waveWallMs: waveRun.wallMs, pipelineWallMs: pipeRun.wallMs, lintErrors, doneOnce },
    };
  } finally {
    await mock.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { waves: { type: 'string', default: '109' }, urls: { type: 'string', default: '200' }, jobs: { type: 'string', short: 'j', default: '4' } } });
  const { rows, raw } = await fleetRows({ waves: Number(values.waves), urls: Number(values.urls), parallel: Number(values.jobs) });
  for (const row of rows) console.log(`${row.name.padEnd(48)}  ${row.ratio === undefined ? 'n/a' : row.ratio.toFixed(3).padStart(8)}  ${row.target.padEnd(22)}  ${row.pass === undefined ? 'n/a ' : row.pass ? 'PASS' : 'FAIL'}  ${row.note}`);
  if (raw) console.log(JSON.stringify(raw));
}
