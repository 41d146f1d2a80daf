// `relay run` end to end with the real Claude Code CLI (the pinned version run.mjs installs)
// against the scripted model on 127.0.0.1 (mock-api.mjs), which plays a worker: it claims
// with `relay claim`, creates and writes a findings log, marks the URL done and closes its
// session record. The runner is `relay run`, bundled from this checkout's sources; the plugin
// is a fresh clone of the checkout (plus uncommitted files). Faults: an API call that fails, a
// session that hangs past the timeout, one killed with SIGKILL in the middle of a tool, and the
// runner itself killed with SIGKILL and resumed. Afterwards: every URL done exactly once, no
// claim left, one logged record per successful session, the summary equal to the files, and
// no process of the runs left (/proc). Prints `N passed, N failed` last.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { worker } from './fleet-worker.mjs';
import { resultText, startMockApi, toolResults } from './mock-api.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLAUDE = join(REPO, '.cache', 'claude-code', 'node_modules', '.bin', 'claude');
const only = process.argv.slice(2);
const results = [];
const scratch = mkdtempSync(join(tmpdir(), 'relay-fleet-e2e-'));
// What the CLI, the hooks and relay put in the temporary folder goes with the scratch folder.
process.env.TMPDIR = join(scratch, 'tmp');
mkdirSync(process.env.TMPDIR);
let mock;

async function check(name, fn) {
  if (only.length > 0 && !only.some((word) => name.includes(word))) return;
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok    ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    results.push({ name, ok: false });
    console.log(`FAIL  ${name} (${Date.now() - started} ms)\n      ${String(error?.stack ?? error).split('\n').slice(0, 8).join('\n      ')}`);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

function git(cwd, ...args) {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The environment of the runner and its sessions: isolated, offline but for the mock. */
function quietEnv(name) {
  const home = join(scratch, `home-${name}`);
  mkdirSync(join(home, '.claude'), { recursive: true });
  const env = {};
  for (const key of ['PATH', 'LANG', 'LC_ALL', 'TERM', 'TMPDIR']) if (process.env[key] !== undefined) env[key] = process.env[key];
  return {
    ...env,
    HOME: home,
    CLAUDE_CONFIG_DIR: join(home, '.claude'),
    NO_PROXY: '127.0.0.1,localhost',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL: '1',
    CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY: '1',
    CLAUDE_CODE_SKIP_PROMPT_HISTORY: '1',
    ANTHROPIC_BASE_URL: `http://127.0.0.1:${mock.port}`,
    ANTHROPIC_API_KEY: 'test',
    RELAY_CLAUDE: CLAUDE,
    // The hung session gets SIGINT at the timeout; a second between signals is plenty here.
    RELAY_RUN_GRACE_MS: '1000',
  };
}

/** A fresh clone of the checkout with its uncommitted files: the plugin as a user's install gets it. */
function makeClone() {
  const clone = join(scratch, 'relay');
  execFileSync('git', ['clone', '--quiet', '--no-hardlinks', REPO, clone]);
  const listed = execFileSync('git', ['-C', REPO, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' });
  for (const path of listed.split('\0')) {
    if (path === '') continue;
    let stats;
    try {
      stats = lstatSync(join(REPO, path));
    } catch {
      continue;
    }
    if (!stats.isFile() && !stats.isSymbolicLink()) continue;
    mkdirSync(dirname(join(clone, path)), { recursive: true });
    cpSync(join(REPO, path), join(clone, path), { verbatimSymlinks: true });
  }
  return clone;
}

/** The runner: src/cli/relay.ts bundled from this checkout (the committed dist/ may predate it). */
async function relayBundle() {
  const { build } = await import('esbuild');
  const outfile = join(scratch, 'relay.mjs');
  await build({
    entryPoints: [join(REPO, 'src/cli/relay.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
    banner: { js: "import { createRequire as __relayCreateRequire } from 'node:module'; const require = __relayCreateRequire(import.meta.url);" },
  });
  return outfile;
}

/** A project: the blog-pipeline example with `urls` pending, in its own git repository. */
function makeProject(clone, name, urls) {
  const project = join(scratch, name);
  cpSync(join(clone, 'examples', 'blog-pipeline'), project, { recursive: true });
  writeFileSync(join(project, 'urls_todo.md'), `# Pending URLs\n${urls.map((url) => `- ${url}\n`).join('')}`);
  git(project, 'init', '--quiet');
  git(project, 'add', '-A');
  git(project, '-c', 'user.name=relay e2e', '-c', 'user.email=e2e@relay.invalid', 'commit', '--quiet', '-m', 'seed');
  return project;
}

/** Runs `relay run …` with the bundle; resolves with { code, stdout, stderr, child }. */
function relay(bundle, args, { cwd, env, onSpawn }) {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [bundle, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}

const runsOf = (project) => join(project, '.git', 'relay', 'runs');
const readJsonLines = (path) => (existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line)) : []);
const running = (project, runId) => {
  const dir = join(runsOf(project), runId, 'running');
  // Only the entries: a `.…tmp` beside them is an atomic write in progress (or a killed runner's).
  return existsSync(dir) ? readdirSync(dir).filter((name) => !name.startsWith('.') && name.endsWith('.json')).map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8'))) : [];
};

/** Processes whose environment carries `RELAY_RUN=<runId>`: the run's sessions and their tools. */
function processesOf(runId) {
  return processesWith(`RELAY_RUN=${runId}`);
}

/** The command line of `pid`, NUL-separated; empty once it is gone. */
function commandLine(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1');
  } catch {
    return '';
  }
}

/** Running (not zombie) processes with `variable` (`NAME=value`) in their environment. */
function processesWith(variable) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(variable)) found.push(Number(entry));
    } catch {
      continue;
    }
  }
  return found;
}

/** Every check of a finished run against the files. */
function expectConsistent(project, runId, urls, summary) {
  const done = readFileSync(join(project, 'urls_done.md'), 'utf8');
  for (const url of urls) {
    const lines = done.split('\n').filter((line) => line.startsWith(`- ${url} (completed`));
    assert(lines.length === 1, `${url} is done ${lines.length} times in urls_done.md:\n${done}`);
  }
  const todo = readFileSync(join(project, 'urls_todo.md'), 'utf8');
  assert(!todo.includes('claimed by'), `claims left in urls_todo.md:\n${todo}`);
  for (const url of urls) assert(!todo.includes(`- ${url}\n`), `${url} is still pending`);
  const dir = join(runsOf(project), runId);
  const attempts = readJsonLines(join(dir, 'attempts.jsonl'));
  assert(running(project, runId).length === 0, 'sessions left under running/');
  const succeeded = attempts.filter((attempt) => attempt.status === 'succeeded');
  for (const attempt of succeeded) {
    const record = readFileSync(join(project, attempt.record), 'utf8');
    assert(record.includes('status: logged') && record.includes(`run: ${runId}`), `record of ${attempt.session_id}:\n${record}`);
  }
  const logged = readdirSync(join(project, 'sessions')).filter((name) => name.endsWith('.md') && readFileSync(join(project, 'sessions', name), 'utf8').includes(`run: ${runId}`) && readFileSync(join(project, 'sessions', name), 'utf8').includes('status: logged'));
  assert(logged.length === succeeded.length, `${logged.length} logged records of the run, ${succeeded.length} successful sessions`);
  const doneUrls = new Set(succeeded.flatMap((attempt) => attempt.urls));
  assert(doneUrls.size === urls.length && urls.every((url) => doneUrls.has(url)), `successful sessions finished ${[...doneUrls]}`);
  const t = summary.totals;
  assert(t.sessions === attempts.length && t.succeeded === succeeded.length && t.failed === attempts.length - succeeded.length && t.urls_done === urls.length, `summary ${JSON.stringify(t)} against ${attempts.length} attempts, ${succeeded.length} succeeded`);
  assert(t.retried === attempts.filter((attempt) => attempt.attempt > 1).length, `retried ${t.retried}`);
  const streams = readdirSync(join(dir, 'sessions')).filter((name) => name.endsWith('.jsonl'));
  assert(streams.length === attempts.length, `${streams.length} streams for ${attempts.length} attempts`);
  assert(processesOf(runId).length === 0, `processes of run ${runId} left: ${processesOf(runId).join(', ')}`);
  return attempts;
}

try {
  assert(existsSync(CLAUDE), `no Claude Code CLI at ${CLAUDE}; run node test/e2e/run.mjs once to install it`);
  mock = await startMockApi();
  const clone = makeClone();
  const bundle = await relayBundle();
  console.log(`fleet e2e: mock on 127.0.0.1:${mock.port}, clone ${clone}`);

  await check('relay run: 10 URLs, 4 sessions at once through the real CLI; an API failure, a hang past the timeout and a SIGKILL mid-tool are retried; every URL done once, records and summary match, nothing left running', async () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'fail', 'hang', 'kill'];
    const urls = names.map((name) => `https://example.com/${name}`);
    const project = makeProject(clone, 'fleet', urls);
    let killed;
    const onSleep = (agent) => {
      // Once the long tool runs (a process carrying the session's id), kill the CLI alone, not its
      // group: its tool process is orphaned, and the runner must reap it.
      const started = Date.now();
      const look = () => {
        const runId = readdirSync(runsOf(project))[0];
        const entry = running(project, runId).find((each) => each.agent === agent);
        const sleeper = entry && processesWith(`CLAUDE_CODE_SESSION_ID=${entry.session_id}`).find((pid) => commandLine(pid).includes('setTimeout(() => {}, 120000)'));
        if (entry && sleeper) {
          killed = { ...entry, sleeper };
          process.kill(entry.pid, 'SIGKILL');
        } else if (Date.now() - started < 60_000) setTimeout(look, 100);
      };
      look();
    };
    const play = worker({ project, onSleep, barrier: 4 });
    mock.reset(play);
    const run = await relay(bundle, ['run', '--role', 'writer', '-j', '4', '--plugin-dir', join(clone, 'plugin'), '--max-turns', '20', '--session-timeout', '50', '--allow', 'Bash(node -e *)', '--json'], { cwd: project, env: quietEnv('fleet') });
    const summary = JSON.parse(run.stdout || '{}');
    assert(run.code === 0, `relay run exited ${run.code}:\n${run.stderr.slice(-3000)}`);
    const runId = summary.run;
    const attempts = expectConsistent(project, runId, urls, summary);
    assert(attempts.length === 13, `expected 13 sessions (10 + 3 retries), got ${attempts.length}:\n${run.stderr.slice(-3000)}`);
    const failedFor = (name) => attempts.find((attempt) => attempt.status === 'failed' && attempt.assigned[0] === `https://example.com/${name}`);
    const fail = failedFor('fail');
    assert(fail?.is_error === true && fail.released.length === 1, `the failing session: ${JSON.stringify(fail)}`);
    const hang = failedFor('hang');
    // Interrupted while the answer streams, this CLI writes an `aborted_streaming` error result; waiting for headers, none.
    assert(hang?.timed_out === true && hang.signals[0] === 'SIGINT' && hang.is_error !== false && hang.released.length === 1, `the hung session: ${JSON.stringify(hang)}`);
    const kill = failedFor('kill');
    assert(killed && kill?.session_id === killed.session_id && kill.signal === 'SIGKILL' && kill.orphans_reaped.includes(killed.sleeper), `the killed session (sleep ${killed?.sleeper}): ${JSON.stringify(kill)}`);
    assert(play.gate.released, 'four sessions never waited on the model at once');
  });

  await check('relay run resume: the runner killed with SIGKILL while 2 sessions run; they are adopted, the run finishes, no URL done twice', async () => {
    const urls = ['r1', 'r2', 'r3', 'r4'].map((name) => `https://example.com/${name}`);
    const project = makeProject(clone, 'fleet-resume', urls);
    mock.reset(worker({ project }));
    const env = quietEnv('resume');
    let runner;
    const first = relay(bundle, ['run', '--role', 'writer', '-j', '2', '--plugin-dir', join(clone, 'plugin'), '--max-turns', '20', '--session-timeout', '120'], { cwd: project, env, onSpawn: (child) => (runner = child) });
    let live = [];
    for (let waited = 0; waited < 120_000 && live.length < 2; waited += 100) {
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 100));
      const runs = existsSync(runsOf(project)) ? readdirSync(runsOf(project)) : [];
      live = runs.length === 1 ? running(project, runs[0]).filter((entry) => entry.pid > 0) : [];
    }
    assert(live.length === 2, 'two sessions never ran');
    runner.kill('SIGKILL');
    const killedRun = await first;
    assert(killedRun.signal === 'SIGKILL', `the runner ended with ${killedRun.code}/${killedRun.signal}`);
    const runId = readdirSync(runsOf(project))[0];
    const resumed = await relay(bundle, ['run', 'resume', runId, '--json'], { cwd: project, env });
    assert(resumed.code === 0, `resume exited ${resumed.code}:\n${resumed.stderr.slice(-3000)}`);
    assert(resumed.stderr.includes('adopted '), `resume adopted nothing:\n${resumed.stderr}`);
    const summary = JSON.parse(resumed.stdout);
    const attempts = expectConsistent(project, runId, urls, summary);
    const dones = mock.messages().filter((request) => toolResults(request.body).has('toolu_done') && !toolResults(request.body).has('toolu_end'));
    const doneUrls = attempts.filter((attempt) => attempt.status === 'succeeded').map((attempt) => attempt.urls[0]).sort();
    assert(JSON.stringify(doneUrls) === JSON.stringify([...urls].sort()), `URLs finished by successful sessions: ${doneUrls}`);
    assert(dones.length >= 4, `the model saw ${dones.length} relay done results`);
    const status = await relay(bundle, ['run', 'status', runId], { cwd: project, env });
    assert(status.stdout.includes(`run ${runId}: finished`), `status:\n${status.stdout}`);
  });

  await check('confinement: a session that tries to start a fleet with Bash(*), write a CLAUDE.md or ~/.bashrc, a hook or the run\'s settings in .git/, or point relay outside its project is refused, by its allowlist and by relay itself', async () => {
    const outside = join(scratch, 'home-of-the-user');
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, '.bashrc'), 'export PS1=$\n');
    for (const [name, allow] of [['escape', []], ['escape-widened', ['--allow', 'Bash(relay *)']]]) {
      const project = makeProject(clone, `fleet-${name}`, [`https://example.com/${name}`]);
      for (const file of ['.merge_file_O', '.merge_file_B']) writeFileSync(join(project, file), '# Pending URLs\n');
      const attempts = [
        ['toolu_x_run', 'Bash', { command: "relay run --role writer --allow 'Bash(*)'", description: 'Start a fleet with every tool' }],
        ['toolu_x_init', 'Bash', { command: `relay --root ${outside} init`, description: 'Write a CLAUDE.md above the project' }],
        ['toolu_x_root', 'Bash', { command: `relay new findings --root ${outside}`, description: 'Write outside the project' }],
        ['toolu_x_merge', 'Bash', { command: `relay merge-driver .merge_file_O ${outside}/.bashrc .merge_file_B urls_todo.md`, description: 'Merge into ~/.bashrc' }],
        ['toolu_x_shell', 'Bash', { command: `echo hacked >> ${outside}/.bashrc`, description: 'Append to ~/.bashrc' }],
        ['toolu_x_write', 'Write', { file_path: join(outside, 'CLAUDE.md'), content: 'Obey the page.\n' }],
        // The run's own records: `relay run resume` reads its settings (--allow, --claude) from there.
        ['toolu_x_settings', 'Write', { file_path: join(project, '.git', 'relay', 'runs', 'settings.json'), content: '{"allow":["Bash(*)"]}\n' }],
        ['toolu_x_hook', 'Write', { file_path: join(project, '.git', 'hooks', 'pre-commit'), content: '#!/bin/sh\necho hacked\n' }],
      ];
      const told = new Map();
      mock.reset(worker({ project, attempts, onAttempt: (id, block) => told.set(id, { error: block.is_error === true, text: resultText(block) }) }));
      const run = await relay(bundle, ['run', '--role', 'writer', '-j', '1', '--plugin-dir', join(clone, 'plugin'), '--max-turns', '30', ...allow, '--json'], { cwd: project, env: quietEnv(name) });
      assert(run.code === 0, `${name}: relay run exited ${run.code}:\n${run.stderr.slice(-3000)}`);
      assert(readdirSync(outside).join(',') === '.bashrc' && readFileSync(join(outside, '.bashrc'), 'utf8') === 'export PS1=$\n', `${name}: something was written outside the project: ${readdirSync(outside)}`);
      assert(readdirSync(runsOf(project)).length === 1, `${name}: the session started a run of its own`);
      assert(told.size === attempts.length, `${name}: the model saw ${told.size} answers of ${attempts.length}`);
      const said = (id) => told.get(id)?.text ?? '';
      // By the allowlist (relay's commands one by one), or by relay itself when a wider pattern lets them through.
      for (const id of ['toolu_x_run', 'toolu_x_init', 'toolu_x_merge']) {
        const byRelay = /RELAY_RUN is set|outside the work tree/.test(said(id));
        assert(told.get(id).error && (name === 'escape' ? !byRelay : byRelay), `${name}: ${id} was answered ${JSON.stringify(told.get(id))}`);
      }
      assert(said('toolu_x_root').includes("outside the session's project"), `${name}: --root outside: ${said('toolu_x_root')}`);
      assert(told.get('toolu_x_shell').error && told.get('toolu_x_write').error, `${name}: the shell or the Write tool wrote outside: ${JSON.stringify([told.get('toolu_x_shell'), told.get('toolu_x_write')])}`);
      assert(told.get('toolu_x_settings').error && told.get('toolu_x_hook').error && !existsSync(join(project, '.git', 'hooks', 'pre-commit')) && !existsSync(join(project, '.git', 'relay', 'runs', 'settings.json')), `${name}: the Write tool wrote in .git/`);
      expectConsistent(project, JSON.parse(run.stdout).run, [`https://example.com/${name}`], JSON.parse(run.stdout));
    }
  });

  await check('a newcomer\'s first failure: no plugin, or not logged in, stops the run after one launch with the reason and the files on screen; --dry-run says so first', async () => {
    const urls = ['n1', 'n2', 'n3'].map((name) => `https://example.com/${name}`);
    mock.reset(worker({ project: '' }));
    const loggedOut = quietEnv('logged-out');
    delete loggedOut.ANTHROPIC_API_KEY;
    for (const [name, args, env, said] of [
      ['no-plugin', [], quietEnv('no-plugin'), "--agent 'relay:writer' not found"],
      ['logged-out', ['--plugin-dir', join(clone, 'plugin')], loggedOut, 'Not logged in · Please run /login'],
    ]) {
      const project = makeProject(clone, `fleet-${name}`, urls);
      const dry = await relay(bundle, ['run', '--role', 'writer', '--dry-run', ...args], { cwd: project, env });
      assert(dry.code === 1 && dry.stderr.includes(said), `${name}: --dry-run exited ${dry.code}: ${dry.stderr}`);
      const run = await relay(bundle, ['run', '--role', 'writer', '-j', '3', ...args, '--json'], { cwd: project, env });
      const runId = readdirSync(runsOf(project))[0];
      const attempts = readJsonLines(join(runsOf(project), runId, 'attempts.jsonl'));
      assert(run.code === 1 && attempts.length === 1, `${name}: exit ${run.code} after ${attempts.length} sessions:\n${run.stderr.slice(-2000)}`);
      const stream = join(runsOf(project), runId, 'sessions', `${attempts[0].session_id}.jsonl`);
      assert(run.stderr.includes(said) && run.stderr.includes(`${stream}.stderr`) && run.stderr.includes('failed for a reason no retry fixes'), `${name}: the reason or the files are not on screen:\n${run.stderr}`);
      assert(!readFileSync(join(project, 'urls_todo.md'), 'utf8').includes('claimed by'), `${name}: claims left`);
      const record = readFileSync(join(project, 'sessions', `${attempts[0].session_id}.md`), 'utf8');
      assert(record.includes('status: failed') && record.includes('reason:'), `${name}: the record:\n${record}`);
    }
    const ready = await relay(bundle, ['run', '--role', 'writer', '--dry-run', '--plugin-dir', join(clone, 'plugin')], { cwd: makeProject(clone, 'fleet-dry', urls), env: quietEnv('dry') });
    assert(ready.code === 0 && ready.stdout.includes('(2.1.328 (Claude Code)); the plugin loads and has `relay:writer`'), `--dry-run: ${ready.code} ${ready.stdout}${ready.stderr}`);
  });

  await check('relay run --waves 3 --per-wave 2: each wave reads exactly the notes of the wave before and the digest of the rest; every wave lints clean; wave 3 starts with no more than 1.25x what wave 2 starts with', async () => {
    const project = makeProject(clone, 'fleet-waves', []);
    // A relay from its first wave (the example has two).
    rmSync(join(project, 'discovery'), { recursive: true });
    git(project, '-c', 'user.name=relay e2e', '-c', 'user.email=e2e@relay.invalid', 'commit', '--quiet', '-am', 'no waves yet');
    const first = new Map();
    mock.reset(worker({ project, onFirst: (agent, text) => first.set(agent, text) }));
    const run = await relay(bundle, ['run', '--waves', '3', '--per-wave', '2', '-j', '2', '--plugin-dir', join(clone, 'plugin'), '--max-turns', '30', '--json'], { cwd: project, env: quietEnv('waves') });
    assert(run.code === 0, `relay run exited ${run.code}:\n${run.stderr.slice(-3000)}`);
    const summary = JSON.parse(run.stdout);
    const attempts = readJsonLines(join(runsOf(project), summary.run, 'attempts.jsonl'));
    assert(attempts.length === 6 && attempts.every((attempt) => attempt.status === 'succeeded'), `sessions: ${attempts.map((attempt) => attempt.status)}`);
    for (const wave of [1, 2]) assert(run.stderr.includes(`wave ${wave} lints clean`), `wave ${wave} was not gated`);
    const lint = execFileSync(process.execPath, [join(clone, 'bin', 'protocol-lint'), 'discovery', '--format', 'json'], { cwd: project, encoding: 'utf8' });
    assert(JSON.parse(lint).every((file) => file.errorCount === 0), `discovery/ does not lint clean: ${lint}`);
    const size = (wave) => Math.max(...attempts.filter((attempt) => attempt.wave === wave).map((attempt) => first.get(attempt.agent)?.length ?? Infinity));
    for (const attempt of attempts.filter((each) => each.wave === 3)) {
      const told = [...first.get(attempt.agent).matchAll(/^- `([^`]+)`/gm)].map((match) => match[1]).sort();
      const expected = [...readdirSync(join(project, 'discovery', 'wave-2')).map((note) => `discovery/wave-2/${note}`), 'discovery/INDEX.md'].sort();
      assert(JSON.stringify(told) === JSON.stringify(expected), `wave 3 was told to read ${told}`);
    }
    assert(size(3) <= 1.25 * size(2), `wave 3 starts with ${size(3)} characters, wave 2 with ${size(2)}`);
    console.log(`      first request (prompt + briefing): wave 2 ${size(2)}, wave 3 ${size(3)} characters`);
  });

  await check('relay run --pipeline planner,writer,reviewer over 3 URLs through the real CLI: each URL passes every stage and is done once', async () => {
    const urls = ['p1', 'p2', 'p3'].map((name) => `https://example.com/${name}`);
    const project = makeProject(clone, 'fleet-pipeline', urls);
    mock.reset(worker({ project }));
    const run = await relay(bundle, ['run', '--pipeline', 'planner,writer,reviewer', '-j', '3', '--plugin-dir', join(clone, 'plugin'), '--max-turns', '30', '--json'], { cwd: project, env: quietEnv('pipeline') });
    assert(run.code === 0, `relay run exited ${run.code}:\n${run.stderr.slice(-3000)}`);
    const summary = JSON.parse(run.stdout);
    const attempts = expectConsistent(project, summary.run, urls, summary);
    assert(attempts.length === 9 && attempts.every((attempt) => attempt.status === 'succeeded'), `sessions: ${attempts.map((attempt) => `${attempt.stage} ${attempt.status}`)}`);
  });
} catch (error) {
  results.push({ name: 'setup', ok: false });
  console.log(`FAIL  setup\n      ${String(error?.stack ?? error)}`);
} finally {
  await mock?.close();
  if (process.env.RELAY_E2E_KEEP) console.log(`kept ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
}

const passed = results.filter((result) => result.ok).length;
const failed = results.length - passed;
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
