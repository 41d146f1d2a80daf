#!/usr/bin/env node
/**
 * Claims shared by the worktrees of a repository (PROTOCOL §5, version 3), timed beside the
 * claim they replace, on the scale-1 queues (50,000 pending and 50,000 done URLs):
 *
 * - one `relay claim` at a time in a repository (worktree sharing: a claim ref per URL) and
 *   the same claim in a copy outside git (the queue files alone, today's local claim),
 *   interleaved; the row is the ratio of their medians;
 * - 100 `relay claim` processes at once spread over 4 worktrees of one repository: every one
 *   must get its own URL, written in its own worktree, with one ref each.
 *
 *   node bench/worktree-claims.mjs [--tree DIR] [--runs 10] [--claimers 100] [--relay bin/relay]
 *
 * `--tree` is a generated tree (bench/generate.mjs); without it a scale-1 tree is generated
 * into a temporary folder. bench/run.mjs runs it as two rows.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generate } from './generate.mjs';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));
const QUEUE_FILES = ['urls_todo.md', 'urls_done.md', '.protocol-lint.json'];

function git(cwd, args) {
  const result = spawnSync('git', ['-c', 'user.name=relay bench', '-c', 'user.email=bench@example.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${result.stderr || result.error}`);
  return result.stdout;
}

/** Runs `node relay args…` in `cwd`; resolves with its time in ms, exit code and outputs. */
function relay(relayBin, cwd, args) {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [relayBin, ...args], { cwd, env: { ...process.env, RELAY_AGENT: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ ms: Number(process.hrtime.bigint() - started) / 1e6, code, stdout, stderr }));
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** A folder holding copies of the tree's queue files (and config): a git repository, or not. */
function queueCopy(tree, base, name, inGit) {
  const dir = join(base, name);
  if (inGit) git(base, ['init', '-q', '-b', 'main', dir]);
  else spawnSync('mkdir', ['-p', dir]);
  for (const file of QUEUE_FILES) if (existsSync(join(tree, file))) copyFileSync(join(tree, file), join(dir, file));
  if (inGit) {
    git(dir, ['config', 'gc.auto', '0']);
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-q', '-m', 'the queues']);
  }
  return dir;
}

/** Runs the measurement and returns its numbers; throws when setup fails. */
export async function worktreeClaimsBench({ relayBin = join(repo, 'bin', 'relay'), tree, runs = 10, claimers = 100, log = () => {} } = {}) {
  const base = mkdtempSync(join(tmpdir(), 'relay-bench-worktrees-'));
  try {
    if (tree === undefined) {
      tree = join(base, 'tree');
      log('generating a scale-1 tree');
      generate({ scale: 1, seed: 'relay', out: tree, now: new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000).toISOString() });
    }
    // One at a time, interleaved: a claim with worktree sharing (in git) against today's local claim (outside git).
    const shared = queueCopy(tree, base, 'shared', true);
    const plain = queueCopy(tree, base, 'plain', false);
    log(`${runs} single claims each, in a repository (claim refs) and outside git, interleaved`);
    const times = { shared: [], plain: [] };
    let failures = 0;
    for (let round = 0; round < runs; round++) {
      const order = round % 2 === 0 ? ['shared', 'plain'] : ['plain', 'shared'];
      for (const which of order) {
        const result = await relay(relayBin, which === 'shared' ? shared : plain, ['claim', '--agent', `single-${round}`]);
        if (result.code !== 0 || !result.stdout.startsWith('http')) failures++;
        times[which].push(result.ms);
      }
    }
    const single = { sharedMs: median(times.shared), plainMs: median(times.plain), ratio: median(times.shared) / median(times.plain), sharedRuns: times.shared, plainRuns: times.plain, failures };

    // Many at once over several worktrees of one repository.
    const main = queueCopy(tree, base, 'main', true);
    const places = [main];
    for (let index = 1; index < 4; index++) {
      const worktree = join(base, `worktree-${index}`);
      git(main, ['worktree', 'add', '-q', '-b', `wt-${index}`, worktree]);
      places.push(worktree);
    }
    log(`${claimers} relay claim processes at once over ${places.length} worktrees`);
    const started = process.hrtime.bigint();
    const results = await Promise.all(Array.from({ length: claimers }, (_, index) => relay(relayBin, places[index % places.length], ['claim', '--agent', `many-${index}`])));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const printed = results.map((result) => result.stdout.trim());
    // What each process printed is what its worktree's file says it holds.
    const held = printed.filter((url, index) => url !== '' && readFileSync(join(places[index % places.length], 'urls_todo.md'), 'utf8').includes(`- ${url} (claimed by many-${index} at `)).length;
    const refs = git(main, ['for-each-ref', '--format=%(refname)', 'refs/relay/claims/']).split('\n').filter(Boolean).length;
    const distinct = new Set(printed.filter(Boolean)).size;
    const many = { seconds, claimers, worktrees: places.length, distinct, held, refs, failed: results.filter((result) => result.code !== 0).length, ok: distinct === claimers && held === claimers && refs >= claimers };
    return { single, many, ok: failures === 0 && many.ok };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

/** The bench rows: a shared claim at most 1.5x today's local claim; 100 claimers over 4 worktrees, 100 URLs. */
export function worktreeClaimsRows(result) {
  const { single, many } = result;
  return [
    {
      name: 'relay claim, worktree sharing / outside git (one at a time)',
      ratio: single.ratio,
      target: '≤ 1.5',
      pass: single.failures === 0 && single.ratio <= 1.5,
      note: `${Math.round(single.sharedMs)} ms / ${Math.round(single.plainMs)} ms (medians of ${single.sharedRuns.length}, scale-1 queues)${single.failures ? `; ${single.failures} failed` : ''}`,
    },
    {
      name: `relay claim, ${many.claimers} concurrent over ${many.worktrees} worktrees`,
      ratio: many.distinct,
      target: `all ${many.claimers}, distinct`,
      pass: many.ok,
      note: `${many.distinct} distinct URLs, ${many.held} as printed in their worktree's file, ${many.refs} refs, in ${many.seconds.toFixed(2)} s${many.failed ? `; ${many.failed} failed` : ''}`,
      isCount: true,
    },
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { tree: { type: 'string' }, runs: { type: 'string', default: '10' }, claimers: { type: 'string', default: '100' }, relay: { type: 'string', default: join(repo, 'bin', 'relay') } } });
  const result = await worktreeClaimsBench({ relayBin: values.relay, tree: values.tree, runs: Number(values.runs), claimers: Number(values.claimers), log: (text) => process.stderr.write(`bench: ${text}\n`) });
  for (const row of worktreeClaimsRows(result)) console.log(`${row.name}  ${row.pass ? 'PASS' : 'FAIL'}  ${row.note}`);
  console.log(JSON.stringify(result));
  process.exit(result.ok && result.single.ratio <= 1.5 ? 0 : 1);
}
