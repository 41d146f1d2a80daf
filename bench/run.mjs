#!/usr/bin/env node
/**
 * The benchmark: generates fleet trees, times protocol-lint, the hooks and the relay CLI
 * against floors measured side by side in the same run, and prints ratios with targets.
 *
 *   npm run bench -- [--scale-max 4] [--runs 5] [--claim-runs 1] [--quick] [--fleet] [--seed relay]
 *
 * Every timed command is a real child process (`child_process.spawn`), timed with
 * `process.hrtime.bigint()`. Each round runs every command once, in an order rotated by one
 * per round, so drift on a busy machine lands on all of them; the table uses medians. The
 * hook-sized commands (`node -e 0`, the hooks, `--staged`) run once untimed right before each
 * timed run: these machines page out cold memory within seconds (DAMON), and a hook's files
 * (the queue an agent just wrote, a commit's just-staged files) are in the page cache when it
 * runs for real.
 * markdownlint-cli2 and remark-cli take a minute or more each, so they run once, after the
 * rounds; `--quick` skips them. `--claim-runs` rounds of 100 concurrent `relay claim` and
 * 100 concurrent `relay new findings` come last, then claims shared by worktrees (one at a time
 * against a claim outside git, and 100 at once over 4 worktrees, bench/worktree-claims.mjs) and
 * claims through a git remote (20 clones x 5 claims at one bare repository, bench/remote-claims.mjs); `--fleet` adds the runner's rows (bench/fleet.mjs). Results also go to bench/out/results.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, platform, release, arch, loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, defaultNow, GENERATOR_VERSION } from './generate.mjs';
import { measureDashboard, measureFirstState } from './dashboard.mjs';
import { remoteClaimsBench, remoteClaimsRow } from './remote-claims.mjs';
import { worktreeClaimsBench, worktreeClaimsRows } from './worktree-claims.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repo = dirname(benchDir);
const outDir = join(benchDir, 'out');
const node = process.execPath;
const lintBin = join(repo, 'bin', 'protocol-lint');
const relayBin = join(repo, 'bin', 'relay');
const postToolUseHook = join(repo, 'dist', 'hooks', 'post-tool-use.mjs');
const sessionStartHook = join(repo, 'dist', 'hooks', 'session-start.mjs');
/** A generated tree is reused for this long: its claims (at most 6 h old when made) stay fresh for the 24 h TTL. */
const REUSE_MS = 12 * 3_600_000;
const CLAIMERS = 100;
const BRIEF_LIMIT = 8_000;

function parseArguments(argv) {
  // node:util parseArgs throws on unknown options and missing values, with the flag named.
  const { values } = parseArgs({
    args: argv,
    options: {
      'scale-max': { type: 'string', default: '4' },
      runs: { type: 'string', default: '5' },
      'claim-runs': { type: 'string', default: '1' },
      seed: { type: 'string', default: 'relay' },
      quick: { type: 'boolean', default: false },
      fleet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const options = { scaleMax: Number(values['scale-max']), runs: Number(values.runs), claimRuns: Number(values['claim-runs']), quick: values.quick, fleet: values.fleet, seed: values.seed, help: values.help };
  if (!(options.scaleMax >= 1)) throw new Error('--scale-max must be at least 1');
  if (!Number.isInteger(options.runs) || options.runs < 1) throw new Error('--runs must be a positive integer');
  if (!Number.isInteger(options.claimRuns) || options.claimRuns < 1) throw new Error('--claim-runs must be a positive integer');
  return options;
}

const log = (text) => process.stderr.write(`bench: ${text}\n`);

/** Runs a command to completion; resolves with its time in ms, exit code and output. */
function timeCommand({ command, args, cwd = repo, input, env }) {
  return new Promise((resolvePromise, reject) => {
    const chunks = [];
    // stderr is kept only up to 100,000 characters (a competitor's report can be megabytes), but counted in full.
    let stderr = '';
    let stderrChars = 0;
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { cwd, env: env ?? process.env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk) => chunks.push(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      stderrChars += chunk.length;
      if (stderr.length < 100_000) stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      resolvePromise({ ms, code: code ?? signal, stdout: Buffer.concat(chunks).toString('utf8'), stderr, stderrChars });
    });
    if (input !== undefined) child.stdin.end(input);
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

function git(cwd, args) {
  const result = spawnSync('git', ['-c', 'user.name=relay bench', '-c', 'user.email=bench@example.invalid', '-c', 'commit.gpgsign=false', ...args], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${result.stderr || result.error}`);
  return result.stdout;
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The tree for a scale, generated and committed to its own git repository (a fleet's tree
 * lives in git, and its own repository keeps every tool from seeing the relay checkout).
 * Reused when a previous run made it with the same generator, seed and scale, recently.
 */
function prepareTree(scale, seed) {
  const dir = join(outDir, `tree-scale-${scale}`);
  const manifestPath = `${dir}.json`;
  const manifest = readJson(manifestPath);
  const fresh =
    manifest &&
    manifest.version === GENERATOR_VERSION &&
    manifest.seed === seed &&
    manifest.scale === scale &&
    Date.now() - Date.parse(manifest.now) < REUSE_MS &&
    existsSync(join(dir, '.git')) &&
    existsSync(join(dir, '.protocol-lint.json'));
  if (fresh) {
    log(`reusing ${relative(repo, dir)} (${manifest.files} files, generated for ${manifest.now})`);
    return manifest;
  }
  rmSync(manifestPath, { force: true });
  log(`generating scale ${scale} into ${relative(repo, dir)}`);
  const result = generate({ scale, seed, out: dir, now: defaultNow() });
  git(dir, ['init', '-q']);
  // No background `gc --auto` repacking while the bench copies or times the tree.
  git(dir, ['config', 'gc.auto', '0']);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', `fleet tree, scale ${scale}`]);
  const written = { ...result, dir, generatedAt: new Date().toISOString() };
  writeFileSync(manifestPath, JSON.stringify(written, null, 2) + '\n');
  log(`  ${result.files} files, ${(result.bytes / 1e6).toFixed(1)} MB`);
  return written;
}

/** A clone of a tree (objects hard-linked, files checked out); remade when the source tree was. */
function copyTree(source, name) {
  const dir = join(outDir, name);
  const manifestPath = `${dir}.json`;
  const manifest = readJson(manifestPath);
  if (manifest && manifest.now === source.now && manifest.version === source.version && existsSync(join(dir, '.git'))) return dir;
  rmSync(manifestPath, { force: true });
  rmSync(dir, { recursive: true, force: true });
  git(outDir, ['clone', '-q', '--local', source.dir, dir]);
  git(dir, ['config', 'gc.auto', '0']);
  writeFileSync(manifestPath, JSON.stringify({ now: source.now, version: source.version }) + '\n');
  return dir;
}

const isoDay = (time) => new Date(time).toISOString().slice(0, 10);

/**
 * Stages a typical 5-file agent commit: one URL moved from the pending to the done queue,
 * and a plan, a draft and a finding touched. Every change keeps the tree lint-clean.
 */
function stageFiveFiles(dir) {
  git(dir, ['reset', '-q', '--hard', 'HEAD']);
  const todoPath = join(dir, 'urls_todo.md');
  const lines = readFileSync(todoPath, 'utf8').split('\n');
  const index = lines.findIndex((line) => line.startsWith('- https://') && !line.includes('('));
  const url = lines[index].slice(2);
  lines.splice(index, 1);
  writeFileSync(todoPath, lines.join('\n'));
  const donePath = join(dir, 'urls_done.md');
  writeFileSync(donePath, readFileSync(donePath, 'utf8') + `- ${url} (completed ${isoDay(Date.now() - 86_400_000)})\n`);
  const touched = ['plan/task-00001.md', 'review/draft-00001.mdx', 'review/findings-00001.md'];
  for (const file of touched) {
    const path = join(dir, file);
    writeFileSync(path, readFileSync(path, 'utf8') + '\nUpdated by the bench after a review pass.\n');
  }
  const files = ['urls_todo.md', 'urls_done.md', ...touched];
  git(dir, ['add', '--', ...files]);
  return files;
}

/**
 * Two trees holding the scale-1 tree's queues (and its config and CLAUDE.md): `clean` as they
 * are, `stale` with a claim two days old on 20,000 of the pending lines that had none, as a
 * fleet that stopped for a day leaves them. Remade on every run (a few MB).
 */
function staleClaimTrees(source) {
  const trees = {};
  const old = new Date(Date.now() - 48 * 3_600_000).toISOString().slice(0, 19) + 'Z';
  for (const name of ['clean', 'stale']) {
    const dir = join(outDir, `queues-${name}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const file of ['.protocol-lint.json', 'CLAUDE.md', 'urls_done.md']) cpSync(join(source, file), join(dir, file));
    let stale = name === 'stale' ? 20_000 : 0;
    const todo = readFileSync(join(source, 'urls_todo.md'), 'utf8')
      .split('\n')
      .map((line) => (stale > 0 && line.startsWith('- https://') && !line.includes('(') && stale-- > 0 ? `${line} (claimed by fleet-old at ${old})` : line));
    writeFileSync(join(dir, 'urls_todo.md'), todo.join('\n'));
    trees[name] = dir;
  }
  return trees;
}

function hookInput(event, tree, extra, sessionId = 'bench') {
  return JSON.stringify({ session_id: sessionId, cwd: tree, hook_event_name: event, ...extra });
}

/** The SessionStart row's session ids: `bench-start-<scale>-<run>`, a fresh one for every run. */
const SESSION_PREFIX = 'bench-start-';

/**
 * Deletes the session records the bench's hook runs left in a tree: the SessionStart row's,
 * and `sessions/bench.md`, which an earlier bench's PostToolUse run opened. The tree must not
 * grow from run to run, and a leftover open record would be one more "never logged" session.
 */
function removeBenchRecords(tree) {
  const folder = join(tree, 'sessions');
  let names = [];
  try {
    names = readdirSync(folder);
  } catch {
    return;
  }
  for (const name of names) if (name === 'bench.md' || (name.startsWith(SESSION_PREFIX) && name.endsWith('.md'))) rmSync(join(folder, name), { force: true });
}

/** What Claude Code gives a plugin hook; the hooks' session memory stays inside bench/out. */
function hookEnv(tree) {
  return { ...process.env, CLAUDE_PROJECT_DIR: tree, CLAUDE_PLUGIN_ROOT: repo, CLAUDE_PLUGIN_DATA: join(outDir, 'plugin-data') };
}

/** Installs markdownlint-cli2 and remark-cli from bench/package-lock.json on first use. */
function ensureCompetitors() {
  const needed = ['markdownlint-cli2', 'remark-cli', 'remark-preset-lint-recommended'];
  if (needed.every((name) => existsSync(join(benchDir, 'node_modules', name, 'package.json')))) return undefined;
  log('installing markdownlint-cli2 and remark-cli into bench/node_modules (first run only)');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--prefix', benchDir, '--no-audit', '--no-fund'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) return `npm ci in bench/ failed (${result.status ?? result.error})`;
  return undefined;
}

function packageBin(name, bin) {
  const manifest = JSON.parse(readFileSync(join(benchDir, 'node_modules', name, 'package.json'), 'utf8'));
  const entry = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin[bin ?? name];
  return { path: join(benchDir, 'node_modules', name, entry), version: manifest.version };
}

/** The relay commit being measured, and whether dist/ differs from it. */
function revision() {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'dist', 'bin'], { cwd: repo, encoding: 'utf8' });
  if (head.status !== 0) return 'unknown (not a git checkout)';
  return `${head.stdout.trim()}${dirty.stdout.trim() ? ' with uncommitted changes in dist/ or bin/' : ''}`;
}

function machine() {
  const list = cpus();
  return {
    cpu: list[0]?.model ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${platform()} ${release()} ${arch()}`,
    loadAverage: loadavg().map((load) => Math.round(load * 100) / 100),
  };
}

/** Counts lint messages by rule in ESLint-style JSON output. */
function ruleCounts(json) {
  try {
    const counts = {};
    for (const file of JSON.parse(json)) for (const message of file.messages) counts[message.ruleId ?? '(none)'] = (counts[message.ruleId ?? '(none)'] ?? 0) + 1;
    return counts;
  } catch {
    return { '(unparseable output)': 1 };
  }
}

/** Deletes the claim and id refs a run left in a tree's repository (the worktrees' shared claims, the tip they were pruned at). */
function resetRefs(dir) {
  const refs = git(dir, ['for-each-ref', '--format=%(refname)', 'refs/relay/']).split('\n').filter(Boolean);
  if (refs.length > 0) spawnSync('git', ['update-ref', '--stdin'], { cwd: dir, input: refs.map((ref) => `delete ${ref}\n`).join('') });
}

async function claimRun(sourceTree, claimTree) {
  // Each run starts from the same pending queue, no claim refs and no locks.
  cpSync(join(sourceTree, 'urls_todo.md'), join(claimTree, 'urls_todo.md'));
  resetRefs(claimTree);
  const before = readFileSync(join(claimTree, 'urls_todo.md'), 'utf8').split('\n').filter((line) => line.startsWith('- ')).length;
  const started = process.hrtime.bigint();
  const results = await Promise.all(
    Array.from({ length: CLAIMERS }, (_, index) =>
      timeCommand({ command: node, args: [relayBin, 'claim', '-n', '1', '--agent', `bench-${index + 1}`], cwd: claimTree }),
    ),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const lines = readFileSync(join(claimTree, 'urls_todo.md'), 'utf8').split('\n');
  const items = lines.filter((line) => line.startsWith('- '));
  const claimed = new Map();
  const urls = new Set();
  const urlOfAgent = new Map();
  for (const line of items) {
    const match = /^- (\S+) \(claimed by (bench-\d+) at /.exec(line);
    if (!match) continue;
    urls.add(match[1]);
    urlOfAgent.set(match[2], match[1]);
    claimed.set(match[2], (claimed.get(match[2]) ?? 0) + 1);
  }
  const succeeded = results.filter((result) => result.code === 0).length;
  // What each claimer was told it got must be what the file says it holds: no lost update.
  const mismatches = results.filter((result, index) => result.code === 0 && /https?:\/\/\S+/.exec(result.stdout)?.[0] !== urlOfAgent.get(`bench-${index + 1}`)).length;
  const claims = [...claimed.values()].reduce((sum, count) => sum + count, 0);
  const failures = results.filter((result) => result.code !== 0).map((result) => `${result.code}: ${result.stderr.trim().split('\n')[0]}`);
  return {
    seconds,
    succeeded,
    claims,
    uniqueUrls: urls.size,
    agentsWithOneClaim: [...claimed.values()].filter((count) => count === 1).length,
    printedUrlNotInFile: mismatches,
    itemsBefore: before,
    itemsAfter: items.length,
    claimsPerSecond: claims / seconds,
    failures: failures.slice(0, 5),
    ok: succeeded === CLAIMERS && claims === CLAIMERS && urls.size === CLAIMERS && claimed.size === CLAIMERS && mismatches === 0 && items.length === before,
  };
}

/** The findings files in a tree's review folder. */
const findingsNames = (tree) => readdirSync(join(tree, 'review')).filter((name) => /^findings-\d+\.md$/.test(name));

/**
 * 100 × `relay new findings` started at once in a clone of the scale-1 tree (1,000 findings
 * logs): each must create its own file, numbered on from the highest, with its skeleton, and
 * print the path it got. The files are deleted afterwards, so every run starts from the same folder.
 */
async function newRun(newTree, committed) {
  // What an interrupted run left behind: anything the clone's commit does not hold.
  for (const name of findingsNames(newTree)) if (!committed.has(name)) rmSync(join(newTree, 'review', name), { force: true });
  resetRefs(newTree);
  const highest = Math.max(0, ...[...committed].map((name) => Number(/\d+/.exec(name)[0])));
  const started = process.hrtime.bigint();
  const results = await Promise.all(
    Array.from({ length: CLAIMERS }, (_, index) =>
      timeCommand({ command: node, args: [relayBin, 'new', 'findings', '--json', '--agent', `bench-${index + 1}`], cwd: newTree }),
    ),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const created = findingsNames(newTree).filter((name) => !committed.has(name));
  const printed = new Map();
  for (const [index, result] of results.entries()) {
    if (result.code !== 0) continue;
    try {
      const { path, number } = JSON.parse(result.stdout);
      printed.set(path, { number, agent: `bench-${index + 1}` });
    } catch {
      // Counted below: a success whose output is not the JSON asked for.
    }
  }
  // Each caller's file must hold its own skeleton: one created file per caller, none overwritten.
  let skeletons = 0;
  for (const [path, { number, agent }] of printed) {
    const text = existsSync(join(newTree, path)) ? readFileSync(join(newTree, path), 'utf8') : '';
    if (text.startsWith(`# Findings ${String(number).padStart(3, '0')}: `) && text.includes(`(${agent})`) && text.includes('## Done')) skeletons++;
  }
  const numbers = [...printed.values()].map((entry) => entry.number).sort((a, b) => a - b);
  const contiguous = numbers.length === CLAIMERS && numbers.every((number, index) => number === highest + 1 + index);
  const succeeded = results.filter((result) => result.code === 0).length;
  const failures = results.filter((result) => result.code !== 0).map((result) => `${result.code}: ${result.stderr.trim().split('\n')[0]}`);
  for (const name of created) rmSync(join(newTree, 'review', name), { force: true });
  return {
    seconds,
    succeeded,
    uniquePaths: printed.size,
    filesCreated: created.length,
    skeletons,
    numberedFrom: highest + 1,
    contiguous,
    failures: failures.slice(0, 5),
    ok: succeeded === CLAIMERS && printed.size === CLAIMERS && created.length === CLAIMERS && skeletons === CLAIMERS && contiguous,
  };
}

/** The last few lines of an output, for results.json: enough to see what a command said. */
const tail = (text) => text.trimEnd().split('\n').slice(-3).join('\n').slice(-600);

const fmtMs = (ms) => (ms === undefined ? 'n/a' : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);
const fmtRatio = (ratio) => (ratio === undefined ? 'n/a' : ratio < 0.1 ? ratio.toFixed(4) : ratio.toFixed(2));

async function main() {
  const options = parseArguments(process.argv.slice(2));
  if (options.help) {
    console.log('usage: npm run bench -- [--scale-max 4] [--runs 5] [--claim-runs 1] [--quick] [--fleet] [--seed relay]');
    return 0;
  }
  mkdirSync(outDir, { recursive: true });
  const host = machine();
  const measured = revision();
  console.log(`machine: ${host.cpu}, ${host.cores} cores, ${host.memoryGiB} GiB, node ${host.node}, ${host.os}; load average ${host.loadAverage.join(' ')}`);
  console.log(`relay: ${measured}`);

  const have = {
    lint: existsSync(join(repo, 'dist', 'protocol-lint.mjs')),
    relay: existsSync(join(repo, 'dist', 'relay.mjs')),
    postToolUse: existsSync(postToolUseHook),
    sessionStart: existsSync(sessionStartHook),
  };
  const competitorError = options.quick ? 'skipped (--quick)' : ensureCompetitors();

  const scales = [...new Set([1, options.scaleMax])];
  const trees = Object.fromEntries(scales.map((scale) => [scale, prepareTree(scale, options.seed)]));
  const tree1 = trees[1].dir;
  const treeMax = trees[options.scaleMax].dir;
  let stagedTree;
  let stagedFiles = [];
  if (have.lint) {
    stagedTree = copyTree(trees[1], 'staged-scale-1');
    stagedFiles = stageFiveFiles(stagedTree);
  }

  // The fleet tree's queues as they are, and with 20,000 of their pending lines carrying a stale claim.
  const staleTrees = have.relay ? staleClaimTrees(tree1) : undefined;

  /** Every command timed in the rounds. */
  const commands = [
    { id: 'node-e-0', label: 'node -e 0', command: node, args: ['-e', '0'], warm: true },
    { id: 'floor-1', label: 'floor, scale 1', command: node, args: [join(benchDir, 'floor.mjs'), tree1] },
  ];
  if (options.scaleMax !== 1) commands.push({ id: `floor-${options.scaleMax}`, label: `floor, scale ${options.scaleMax}`, command: node, args: [join(benchDir, 'floor.mjs'), treeMax] });
  if (have.lint) {
    commands.push({ id: 'lint-1', label: 'protocol-lint, scale 1', command: node, args: [lintBin, '--format', 'json', tree1] });
    if (options.scaleMax !== 1) {
      commands.push({ id: `lint-${options.scaleMax}`, label: `protocol-lint, scale ${options.scaleMax}`, command: node, args: [lintBin, '--format', 'json', treeMax] });
    }
    commands.push({ id: 'staged', label: `protocol-lint --staged (${stagedFiles.length} files)`, command: node, args: [lintBin, '--staged'], cwd: stagedTree, warm: true });
  }
  if (staleTrees) {
    for (const [name, dir] of Object.entries(staleTrees)) {
      commands.push({ id: `stale-lint-${name}`, label: `protocol-lint, queues, ${name}`, command: node, args: [lintBin, '--format', 'json'], cwd: dir });
      commands.push({ id: `stale-status-${name}`, label: `relay status --json, ${name}`, command: node, args: [relayBin, 'status', '--json'], cwd: dir });
      commands.push({ id: `stale-brief-${name}`, label: `relay brief, ${name}`, command: node, args: [relayBin, 'brief'], cwd: dir });
    }
  }
  let restoreTodo = () => {};
  let primeHook;
  if (have.postToolUse) {
    // The write the hook reacts to, as an agent makes it: each run claims one more URL in
    // urls_todo.md (one changed line, the tree stays clean); the file is restored afterwards.
    const todo = join(tree1, 'urls_todo.md');
    const original = readFileSync(todo, 'utf8');
    const unclaimed = original.split('\n').filter((text) => text.startsWith('- https://') && !text.includes('('));
    const at = `${new Date().toISOString().slice(0, 19)}Z`;
    let current = original;
    let writes = 0;
    restoreTodo = () => writeFileSync(todo, original);
    const hook = {
      id: 'post-tool-use',
      label: 'PostToolUse hook, urls_todo.md',
      command: node,
      args: [postToolUseHook],
      cwd: tree1,
      env: hookEnv(tree1),
      // Its own session id, which no SessionStart run remembered: the hook opens no record.
      input: hookInput('PostToolUse', tree1, { tool_name: 'Edit', tool_input: { file_path: todo }, tool_response: {} }, 'bench-post-tool-use'),
    };
    // One untimed run first, so the hook has seen the file, as it has in a session.
    primeHook = () => timeCommand(hook);
    commands.push({
      ...hook,
      warm: true,
      before: () => {
        const line = unclaimed[writes++ % unclaimed.length];
        current = current.replace(`\n${line}\n`, `\n${line} (claimed by bench-hook at ${at})\n`);
        writeFileSync(todo, current);
      },
    });
  }
  /** What the SessionStart runs did with the ledger, per scale: records opened, briefings naming unlogged sessions. */
  const ledger = {};
  if (have.sessionStart) {
    for (const scale of scales) {
      const tree = trees[scale].dir;
      removeBenchRecords(tree);
      // A fleet session (RELAY_RUN and RELAY_AGENT set, as the runner starts them): the hook
      // opens its record at once. A fresh session id per run, so every run writes a record
      // rather than finding the one an earlier run wrote; the record is deleted after the run.
      const env = { ...hookEnv(tree), RELAY_RUN: 'bench-run', RELAY_AGENT: 'bench-agent', RELAY_ROLE: 'writer' };
      delete env.RELAY_SESSIONS;
      const stats = (ledger[scale] = { runs: 0, recordsOpened: 0, recordsMissing: 0, unloggedNamed: 0 });
      let sessionId;
      commands.push({
        id: `session-start-${scale}`,
        warm: true,
        label: `SessionStart hook, scale ${scale}`,
        command: node,
        args: [sessionStartHook],
        cwd: tree,
        env,
        before: () => {
          sessionId = `${SESSION_PREFIX}${scale}-${++stats.runs}`;
          return { input: hookInput('SessionStart', tree, { source: 'startup' }, sessionId) };
        },
        after: (result) => {
          const record = join(tree, 'sessions', `${sessionId}.md`);
          if (existsSync(record) && readFileSync(record, 'utf8').includes(`session_id: ${sessionId}\n`)) stats.recordsOpened++;
          else stats.recordsMissing++;
          rmSync(record, { force: true });
          if (result.stdout.includes('Sessions that never logged')) stats.unloggedNamed++;
        },
      });
    }
  }

  const samples = Object.fromEntries(commands.map((entry) => [entry.id, { label: entry.label, ms: [], codes: [], outputChars: [] }]));
  const firstOutput = {};
  // One untimed pass over every tree, so no command pays for a cold page cache alone.
  for (const scale of scales) await timeCommand({ command: node, args: [join(benchDir, 'floor.mjs'), trees[scale].dir] });
  try {
    await primeHook?.();
    for (let round = 0; round < options.runs; round++) {
      log(`round ${round + 1}/${options.runs}`);
      const order = commands.map((_, index) => commands[(index + round) % commands.length]);
      for (const entry of order) {
        if (entry.warm) {
          // Untimed, right before: the files this command reads are in the page cache again.
          const warmOverrides = entry.before?.();
          entry.after?.(await timeCommand({ ...entry, ...warmOverrides }));
        }
        const overrides = entry.before?.();
        const result = await timeCommand({ ...entry, ...overrides });
        entry.after?.(result);
        const sample = samples[entry.id];
        sample.ms.push(result.ms);
        sample.codes.push(result.code);
        sample.outputChars.push(result.stdout.length);
        if (!(entry.id in firstOutput)) firstOutput[entry.id] = result;
      }
    }
  } finally {
    restoreTodo();
    for (const scale of scales) removeBenchRecords(trees[scale].dir);
  }
  for (const [id, sample] of Object.entries(samples)) {
    sample.median = median(sample.ms);
    sample.stdoutTail = tail(firstOutput[id].stdout);
    sample.stderrTail = tail(firstOutput[id].stderr);
  }
  const med = (id) => samples[id]?.median;
  // The fastest run of each command: a shared machine's noise only ever adds time, so the
  // ratio of the fastest runs is shown beside the ratio of medians (which decides PASS/FAIL).
  const best = (id) => (samples[id] ? Math.min(...samples[id].ms) : undefined);

  // Competitors: once each, on the scale-1 tree, every Markdown and MDX file.
  const competitors = {};
  if (!competitorError && have.lint) {
    const markdownlint = packageBin('markdownlint-cli2');
    const remark = packageBin('remark-cli', 'remark');
    const preset = JSON.parse(readFileSync(join(benchDir, 'node_modules', 'remark-preset-lint-recommended', 'package.json'), 'utf8')).version;
    const runs = [
      { id: 'markdownlint-cli2', label: `markdownlint-cli2 ${markdownlint.version}`, args: [markdownlint.path, '**/*.{md,mdx}'] },
      {
        id: 'remark-cli',
        label: `remark-cli ${remark.version} + preset-lint-recommended ${preset}`,
        args: [remark.path, '.', '--ext', 'md,mdx', '--use', 'remark-preset-lint-recommended', '--quiet', '--no-stdout'],
      },
    ];
    for (const run of runs) {
      log(`${run.label} on scale 1 (once; this takes a minute or two)`);
      const result = await timeCommand({ command: node, args: run.args, cwd: tree1 });
      competitors[run.id] = {
        label: run.label,
        args: run.args.slice(1),
        ms: result.ms,
        code: result.code,
        outputChars: result.stdout.length + result.stderrChars,
        outputTail: tail(result.stdout + result.stderr),
      };
    }
  }

  let dashboard;
  if (have.relay) {
    log(`relay dashboard on scale 1: ${options.runs} page loads against relay status --json`);
    dashboard = await measureDashboard(tree1, options.runs);
  }

  let staleDashboard;
  if (staleTrees) {
    log(`relay dashboard's first state on the queues with and without 20,000 stale claims: ${options.runs} starts each`);
    staleDashboard = await measureFirstState(staleTrees, options.runs);
  }

  let claim;
  let numbered;
  if (have.relay) {
    const claimTree = copyTree(trees[1], 'claim-scale-1');
    const newTree = copyTree(trees[1], 'new-scale-1');
    const committed = new Set(git(newTree, ['ls-files', '--', 'review']).split('\n').map((path) => path.slice('review/'.length)).filter((name) => /^findings-\d+\.md$/.test(name)));
    const runs = [];
    const newRuns = [];
    const spawnOnly = [];
    for (let round = 0; round < options.claimRuns; round++) {
      // claim and new alternate which goes first, so neither always meets the other's leftovers.
      const claimFirst = round % 2 === 0;
      if (!claimFirst) {
        log(`round ${round + 1}/${options.claimRuns}: ${CLAIMERS} concurrent relay new findings`);
        newRuns.push(await newRun(newTree, committed));
      }
      log(`claim round ${round + 1}/${options.claimRuns}: ${CLAIMERS} concurrent relay claim`);
      runs.push(await claimRun(tree1, claimTree));
      if (claimFirst) {
        log(`round ${round + 1}/${options.claimRuns}: ${CLAIMERS} concurrent relay new findings`);
        newRuns.push(await newRun(newTree, committed));
      }
      // The process cost alone: the same number of bare node processes at once.
      const started = process.hrtime.bigint();
      await Promise.all(Array.from({ length: CLAIMERS }, () => timeCommand({ command: node, args: ['-e', '0'] })));
      spawnOnly.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    claim = {
      runs,
      medianSeconds: median(runs.map((run) => run.seconds)),
      medianClaimsPerSecond: median(runs.map((run) => run.claimsPerSecond)),
      medianClaims: median(runs.map((run) => run.claims)),
      bareNodeMs: median(spawnOnly),
      ok: runs.every((run) => run.ok),
    };
    numbered = {
      runs: newRuns,
      medianSeconds: median(newRuns.map((run) => run.seconds)),
      medianFiles: median(newRuns.map((run) => run.filesCreated)),
      ok: newRuns.every((run) => run.ok),
    };
  }

  // Claims shared by worktrees: one at a time against today's local claim, and 100 at once over 4 worktrees (bench/worktree-claims.mjs).
  let worktreeClaims;
  if (have.relay) {
    log(`claims shared by worktrees: single claims against outside git, then ${CLAIMERS} at once over 4 worktrees`);
    worktreeClaims = await worktreeClaimsBench({ relayBin, tree: trees[1].dir, runs: Math.max(10, options.runs * 2), claimers: CLAIMERS, log });
  }

  // Claims through a git remote: 20 clones x 5 claims at one bare repository (bench/remote-claims.mjs).
  let remoteClaims;
  if (have.relay) {
    log('claims through a git remote: 20 clones x 5');
    remoteClaims = await remoteClaimsBench({ relayBin, log });
  }

  const ratio = (a, b) => (a === undefined || b === undefined ? undefined : a / b);
  const rows = [];
  const row = (name, value, target, limit, note, bestRatio) => rows.push({ name, ratio: value, best: bestRatio, target, pass: value === undefined ? undefined : value <= limit, note });
  row('full lint / floor (scale 1)', ratio(med('lint-1'), med('floor-1')), '≤ 2.5', 2.5, `${fmtMs(med('lint-1'))} / ${fmtMs(med('floor-1'))}`, ratio(best('lint-1'), best('floor-1')));
  if (options.scaleMax !== 1) {
    const limit = Math.round(1.1 * options.scaleMax * 100) / 100;
    row(`full lint scale ${options.scaleMax} / scale 1`, ratio(med(`lint-${options.scaleMax}`), med('lint-1')), `≤ ${limit}`, limit, `${fmtMs(med(`lint-${options.scaleMax}`))} / ${fmtMs(med('lint-1'))}`, ratio(best(`lint-${options.scaleMax}`), best('lint-1')));
  }
  for (const id of ['markdownlint-cli2', 'remark-cli']) {
    const competitor = competitors[id];
    row(`protocol-lint / ${id}`, ratio(med('lint-1'), competitor?.ms), '≤ 0.05', 0.05, competitor ? `${fmtMs(med('lint-1'))} / ${fmtMs(competitor.ms)}` : (competitorError ?? (have.lint ? 'n/a' : 'protocol-lint not built')));
  }
  row('PostToolUse hook / node -e 0', ratio(med('post-tool-use'), med('node-e-0')), '≤ 2.5', 2.5, have.postToolUse ? `${fmtMs(med('post-tool-use'))} / ${fmtMs(med('node-e-0'))}` : 'hook not built', ratio(best('post-tool-use'), best('node-e-0')));
  row('SessionStart hook / node -e 0', ratio(med('session-start-1'), med('node-e-0')), '≤ 2.5', 2.5, have.sessionStart ? `${fmtMs(med('session-start-1'))} / ${fmtMs(med('node-e-0'))}` : 'hook not built', ratio(best('session-start-1'), best('node-e-0')));
  const briefSizes = have.sessionStart ? scales.map((scale) => ({ scale, chars: Math.max(...samples[`session-start-${scale}`].outputChars) })) : [];
  rows.push({
    name: 'SessionStart output, characters',
    ratio: briefSizes.length ? Math.max(...briefSizes.map((size) => size.chars)) : undefined,
    target: `≤ ${BRIEF_LIMIT}`,
    pass: briefSizes.length ? briefSizes.every((size) => size.chars <= BRIEF_LIMIT) : undefined,
    note: briefSizes.length ? briefSizes.map((size) => `scale ${size.scale}: ${size.chars}`).join(', ') : 'hook not built',
    isCount: true,
  });
  row(`--staged, ${stagedFiles.length}-file commit / node -e 0`, ratio(med('staged'), med('node-e-0')), '≤ 3.0', 3.0, have.lint ? `${fmtMs(med('staged'))} / ${fmtMs(med('node-e-0'))}` : 'protocol-lint not built', ratio(best('staged'), best('node-e-0')));
  for (const [id, what] of [['lint', 'protocol-lint'], ['status', 'relay status --json'], ['brief', 'the briefing (relay brief)']]) {
    const [stale, clean] = [med(`stale-${id}-stale`), med(`stale-${id}-clean`)];
    row(`${what}, 20,000 stale claims / none`, ratio(stale, clean), '≤ 1.5', 1.5, staleTrees ? `${fmtMs(stale)} / ${fmtMs(clean)}` : 'relay CLI not built', ratio(best(`stale-${id}-stale`), best(`stale-${id}-clean`)));
  }
  row(
    "dashboard's first state, 20,000 stale claims / none",
    staleDashboard ? median(staleDashboard.stale) / median(staleDashboard.clean) : undefined,
    '≤ 1.5',
    1.5,
    staleDashboard ? `${fmtMs(median(staleDashboard.stale))} / ${fmtMs(median(staleDashboard.clean))}` : 'relay CLI not built',
  );
  rows.push({
    name: `relay claim, ${CLAIMERS} concurrent`,
    ratio: claim?.medianClaimsPerSecond,
    target: 'all 100, unique, none lost',
    pass: claim?.ok,
    note: claim
      ? `${claim.medianClaimsPerSecond.toFixed(1)} claims/s; ${claim.medianClaims} of ${CLAIMERS} claimed in ${claim.medianSeconds.toFixed(2)} s (${CLAIMERS} bare node -e 0 at once: ${(claim.bareNodeMs / 1000).toFixed(2)} s)`
      : 'relay CLI not built',
    isCount: true,
  });
  const dashboardRatio = dashboard ? median(dashboard.pageMs) / median(dashboard.statusMs) : undefined;
  row(
    'dashboard page / relay status --json (scale 1)',
    dashboardRatio,
    '≤ 2.0',
    2.0,
    dashboard ? `${fmtMs(median(dashboard.pageMs))} / ${fmtMs(median(dashboard.statusMs))}; first load after start ${fmtMs(dashboard.coldMs)}` : 'relay CLI not built',
    dashboard ? Math.min(...dashboard.pageMs) / Math.min(...dashboard.statusMs) : undefined,
  );
  rows.push({ name: 'dashboard page, bytes (scale 1)', ratio: dashboard?.pageBytes, target: '< 1,000,000', pass: dashboard ? dashboard.pageBytes < 1_000_000 : undefined, note: dashboard ? `${(dashboard.pageBytes / 1024).toFixed(0)} KB` : 'relay CLI not built', isCount: true });
  // relay new takes another lock (ids) for a folder listing and one exclusive create, as short
  // a hold as claim's; both are 100 Node processes starting on the same cores, so they should
  // take about the same time. 1.5 leaves room for two single runs on a shared machine.
  const newRatio = numbered && claim ? numbered.medianSeconds / claim.medianSeconds : undefined;
  rows.push({
    name: `relay new findings, ${CLAIMERS} concurrent / claim`,
    ratio: newRatio,
    target: '≤ 1.5; all 100, distinct',
    pass: numbered ? numbered.ok && newRatio <= 1.5 : undefined,
    note: numbered
      ? `${numbered.medianFiles} of ${CLAIMERS} files in ${numbered.medianSeconds.toFixed(2)} s / claim ${claim.medianSeconds.toFixed(2)} s${numbered.ok ? '' : ' (not all distinct, numbered on, with their skeletons: see the warning)'}`
      : 'relay CLI not built',
  });

  // The fleet runner's rows (bench/fleet.mjs): the seed's scale, 818 real Claude Code sessions against a scripted model, tens of minutes.
  let fleet;
  if (options.fleet) {
    log('relay run: --waves 109 --per-wave 2 and a 200-URL pipeline, the real Claude Code CLI');
    fleet = await (await import('./fleet.mjs')).fleetRows();
    rows.push(...fleet.rows.map((row) => ({ best: undefined, ...row })));
  }
  rows.push(...(worktreeClaims ? worktreeClaimsRows(worktreeClaims) : [{ name: 'relay claim, worktree sharing / outside git (one at a time)', ratio: undefined, target: '≤ 1.5', pass: undefined, note: 'relay CLI not built' }]));
  rows.push(remoteClaims ? remoteClaimsRow(remoteClaims) : { name: 'relay claim --remote, 20 clones x 5 / git floor', ratio: undefined, target: '≤ 2.5, < 2 pushes/claim', pass: undefined, note: 'relay CLI not built' });

  // Exit codes that say the tree is not clean or a command failed make the numbers suspect.
  const warnings = [];
  for (const [id, sample] of Object.entries(samples)) {
    const bad = sample.codes.filter((code) => code !== 0);
    if (bad.length) warnings.push(`${sample.label}: exit ${[...new Set(bad)].join(', ')}${firstOutput[id]?.stderr ? ` — ${firstOutput[id].stderr.trim().split('\n')[0]}` : ''}`);
  }
  for (const id of Object.keys(samples).filter((key) => key.startsWith('lint-'))) {
    const counts = ruleCounts(firstOutput[id].stdout);
    if (Object.keys(counts).length) warnings.push(`${samples[id].label} reported: ${JSON.stringify(counts)}`);
  }
  if (claim && !claim.ok) warnings.push(`relay claim: ${JSON.stringify(claim.runs.find((run) => !run.ok))}`);
  if (numbered && !numbered.ok) warnings.push(`relay new findings: ${JSON.stringify(numbered.runs.find((run) => !run.ok))}`);
  for (const [scale, stats] of Object.entries(ledger)) {
    if (stats.recordsMissing > 0) warnings.push(`SessionStart, scale ${scale}: ${stats.recordsMissing} of ${stats.runs} runs opened no session record`);
    if (stats.unloggedNamed < stats.runs) warnings.push(`SessionStart, scale ${scale}: ${stats.runs - stats.unloggedNamed} of ${stats.runs} briefings named no session that never logged`);
  }

  const width = Math.max(...rows.map((entry) => entry.name.length));
  console.log('');
  console.log(`${'measure'.padEnd(width)}  ${'ratio'.padStart(9)}  ${'best'.padStart(6)}  ${'target'.padEnd(21)}  result  detail`);
  for (const entry of rows) {
    const value = entry.ratio === undefined ? 'n/a' : entry.isCount ? (Number.isInteger(entry.ratio) ? String(entry.ratio) : entry.ratio.toFixed(1)) : fmtRatio(entry.ratio);
    const bestValue = entry.best === undefined ? '' : fmtRatio(entry.best);
    const result = entry.pass === undefined ? 'n/a' : entry.pass ? 'PASS' : 'FAIL';
    console.log(`${entry.name.padEnd(width)}  ${value.padStart(9)}  ${bestValue.padStart(6)}  ${entry.target.padEnd(21)}  ${result.padEnd(6)}  ${entry.note}`);
  }
  console.log('ratio: of the medians (decides the result); best: of the fastest runs, which a busy machine disturbs least.');
  console.log('');
  console.log(`medians of ${options.runs} interleaved runs:`);
  for (const sample of Object.values(samples)) console.log(`  ${sample.label.padEnd(40)} ${fmtMs(sample.median).padStart(9)}   runs: ${sample.ms.map((ms) => Math.round(ms)).join(' ')}`);
  for (const competitor of Object.values(competitors)) console.log(`  ${competitor.label.padEnd(40)} ${fmtMs(competitor.ms).padStart(9)}   once, exit ${competitor.code}`);
  console.log('trees: ' + scales.map((scale) => `scale ${scale}: ${trees[scale].files} files, ${(trees[scale].bytes / 1e6).toFixed(1)} MB`).join('; '));
  for (const warning of warnings) console.log(`warning: ${warning}`);

  const results = {
    date: new Date().toISOString(),
    machine: host,
    revision: measured,
    options,
    trees: Object.fromEntries(scales.map((scale) => [scale, { files: trees[scale].files, bytes: trees[scale].bytes, counts: trees[scale].counts, now: trees[scale].now }])),
    stagedFiles,
    measurements: samples,
    competitors,
    claim,
    numbered,
    dashboard,
    staleDashboard,
    worktreeClaims,
    remoteClaims,
    ledger,
    fleet: fleet?.raw,
    rows,
    warnings,
  };
  writeFileSync(join(outDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  console.log(`results: ${relative(repo, join(outDir, 'results.json'))}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`bench: ${error.stack ?? error}`);
    process.exit(2);
  },
);

