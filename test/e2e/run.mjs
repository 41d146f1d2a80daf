// End-to-end tests of the relay plugin with the real Claude Code CLI, headless, against a
// scripted stand-in for the Messages API on 127.0.0.1 (mock-api.mjs). The CLI is installed
// at the pinned version into .cache/claude-code/; the plugin is loaded from a fresh clone of
// this repository (plus the uncommitted files of the working tree, so a run before a commit
// tests what would be committed), which has no node_modules: what a user's install gets.
// The plugin is the clone's plugin/ folder (the marketplace at the clone's root names it).
// Every run uses a throwaway CLAUDE_CONFIG_DIR and HOME. Prints `N passed, N failed` last.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGitHttp } from './git-http.mjs';
import { resultText, tailText, startMockApi, systemText, toolResults } from './mock-api.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The Claude Code version the plugin reference verified; pinned because headless plugin commands regressed before. */
const CLAUDE_VERSION = '2.1.328';
const CACHE = join(REPO, '.cache', 'claude-code');
const CLAUDE = join(CACHE, 'node_modules', '.bin', 'claude');
const RUN_TIMEOUT_MS = 180_000;

const results = [];
const only = process.argv.slice(2);

async function check(name, fn) {
  if (only.length > 0 && !only.some((word) => name.includes(word))) return;
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok    ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    results.push({ name, ok: false });
    // The requests the model saw, for the post-mortem of a failed scenario (kept with RELAY_E2E_KEEP=1).
    if (mock) writeFileSync(join(scratch, `requests-${results.length}.json`), JSON.stringify(mock.messages().map((request) => request.body), null, 1));
    console.log(`FAIL  ${name} (${Date.now() - started} ms)\n      ${String(error?.stack ?? error).split('\n').slice(0, 6).join('\n      ')}`);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/** Installs the pinned CLI into the cache unless it is already there. */
function ensureClaude() {
  const version = () => {
    try {
      return execFileSync(CLAUDE, ['--version'], { encoding: 'utf8', env: quietEnv({}), stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    } catch {
      return '';
    }
  };
  if (version().startsWith(CLAUDE_VERSION)) return;
  mkdirSync(CACHE, { recursive: true });
  console.log(`installing @anthropic-ai/claude-code@${CLAUDE_VERSION} into ${CACHE}`);
  // Node 20 meets the CLI's ">=22" engine only with a warning: the package is a native binary.
  execFileSync('npm', ['install', '--prefix', CACHE, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', `@anthropic-ai/claude-code@${CLAUDE_VERSION}`], {
    stdio: 'inherit',
  });
  const installed = version();
  if (!installed.startsWith(CLAUDE_VERSION)) throw new Error(`claude --version printed "${installed}", expected ${CLAUDE_VERSION}`);
}

/** The environment of every CLI run: isolated, offline but for the mock, no telemetry. */
function quietEnv(extra) {
  const env = {};
  // Only what the CLI and the hooks need; no proxy settings or keys leak in from outside.
  for (const name of ['PATH', 'LANG', 'LC_ALL', 'TERM', 'TMPDIR', 'SystemRoot']) if (process.env[name] !== undefined) env[name] = process.env[name];
  return {
    ...env,
    NO_PROXY: '127.0.0.1,localhost',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DO_NOT_TRACK: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL: '1',
    CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY: '1',
    CLAUDE_CODE_DISABLE_TERMINAL_TITLE: '1',
    CLAUDE_CODE_SKIP_PROMPT_HISTORY: '1',
    ...extra,
  };
}

const scratch = mkdtempSync(join(tmpdir(), 'relay-e2e-'));
// What the CLI, the hooks and relay put in the temporary folder goes with the scratch folder.
process.env.TMPDIR = join(scratch, 'tmp');
mkdirSync(process.env.TMPDIR);

/** A fresh clone of the repository with the working tree's uncommitted files laid over it. */
function makeClone() {
  const clone = join(scratch, 'relay');
  execFileSync('git', ['clone', '--quiet', '--no-hardlinks', REPO, clone]);
  const listed = execFileSync('git', ['-C', REPO, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' });
  for (const path of listed.split('\0')) {
    if (path === '') continue;
    const source = join(REPO, path);
    let stats;
    try {
      stats = lstatSync(source);
    } catch {
      continue; // deleted in the working tree
    }
    if (!stats.isFile() && !stats.isSymbolicLink()) continue;
    mkdirSync(dirname(join(clone, path)), { recursive: true });
    cpSync(source, join(clone, path), { verbatimSymlinks: true });
  }
  git(clone, 'add', '-A');
  git(clone, '-c', 'user.name=relay e2e', '-c', 'user.email=e2e@relay.invalid', 'commit', '--quiet', '--allow-empty', '-m', 'working tree');
  assert(!existsSync(join(clone, 'node_modules')), 'the clone has node_modules');
  return clone;
}

function git(cwd, ...args) {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A project: a copy of the blog-pipeline example in its own git repository. */
function makeProject(clone, name) {
  const project = join(scratch, name);
  cpSync(join(clone, 'examples', 'blog-pipeline'), project, { recursive: true });
  git(project, 'init', '--quiet');
  git(project, 'add', '-A');
  git(project, '-c', 'user.name=relay e2e', '-c', 'user.email=e2e@relay.invalid', 'commit', '--quiet', '-m', 'seed');
  // A real project's files were not written a second before the session: age them, so the
  // hooks' "changed during this Bash command" window sees only what the session changes.
  ageTree(project, new Date(Date.now() - 3600_000));
  return project;
}

/** Sets the times of every file and folder under `dir` (not .git) to `when`. */
function ageTree(dir, when) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === '.git') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) ageTree(path, when);
    utimesSync(path, when, when);
  }
  utimesSync(dir, when, when);
}

/** A throwaway HOME and CLAUDE_CONFIG_DIR. */
function makeConfig(name) {
  const home = join(scratch, `home-${name}`);
  mkdirSync(join(home, '.claude'), { recursive: true });
  return { HOME: home, CLAUDE_CONFIG_DIR: join(home, '.claude') };
}

/** Runs the CLI; resolves with { code, stdout, stderr, events } (events: parsed stream-json lines). `onSpawn` gets the child (to kill it mid-work). */
function runClaude(args, { cwd, env, onSpawn }) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(CLAUDE, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`claude ${args.join(' ')} timed out after ${RUN_TIMEOUT_MS} ms\n${stderr}`));
    }, RUN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const events = [];
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          events.push(JSON.parse(line));
        } catch {
          // not an event line
        }
      }
      resolvePromise({ code, stdout, stderr, events });
    });
  });
}

let mock;
let clone;
/** The plugin in the clone: what `--plugin-dir` loads and the marketplace installs. */
let pluginDir;
let runnerModule;

/** src/run (and what its callers need) bundled from this checkout, as `relay run` will run it. */
async function runnerBundle() {
  if (runnerModule) return runnerModule;
  const { build } = await import('esbuild');
  const outfile = join(scratch, 'runner.mjs');
  await build({
    stdin: {
      contents: "export { runAttempt } from './src/run/attempt.ts'; export { createRun, newRunId, readAttempts, runDirectory } from './src/run/records.ts'; export { loadConfig } from './src/protocol/config.ts';",
      resolveDir: REPO,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    logLevel: 'error',
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  runnerModule = await import(outfile);
  return runnerModule;
}

/** Runs `claude -p PROMPT` with the plugin from the clone against the mock. */
function headless(prompt, { project, config, extraArgs = [], inline = true, onSpawn }) {
  const args = ['-p', prompt, '--output-format', 'stream-json', '--verbose', '--max-turns', '12', '--no-session-persistence'];
  if (inline) args.push('--plugin-dir', pluginDir, '--setting-sources', '');
  args.push(...extraArgs);
  return runClaude(args, {
    cwd: project,
    env: quietEnv({ ...config, ANTHROPIC_BASE_URL: `http://127.0.0.1:${mock.port}`, ANTHROPIC_API_KEY: 'test' }),
    onSpawn,
  });
}

/** The session records under `project/sessions/`, by file name. */
function sessionRecords(project) {
  const folder = join(project, 'sessions');
  return existsSync(folder) ? readdirSync(folder).filter((name) => name.endsWith('.md')).sort() : [];
}

function initEvent(run) {
  const init = run.events.find((event) => event.type === 'system' && event.subtype === 'init');
  assert(init, `no system/init event; exit ${run.code}; stderr: ${run.stderr.slice(0, 500)}; stdout: ${run.stdout.slice(0, 500)}`);
  return init;
}

function resultEvent(run) {
  const result = run.events.find((event) => event.type === 'result');
  assert(result, `no result event; exit ${run.code}; stderr: ${run.stderr.slice(0, 500)}`);
  return result;
}

function requestsMatching(predicate) {
  return mock.messages().filter((request) => predicate(request.body, request.raw));
}

/** Main-thread requests: not a subagent's (whose system prompt is an agent body). */
function mainRequests() {
  return mock.messages().filter((request) => !/You are the relay \*\*(planner|writer|reviewer)\*\*/.test(systemText(request.body)));
}

const text = (value) => ({ content: [{ type: 'text', text: value }] });
const toolUse = (id, name, input) => ({ content: [{ type: 'tool_use', id, name, input }] });
const STOP_GATE = 'relay: before you stop';

/**
 * A model that plays `steps` in order, one tool call a turn: step i is asked for once every
 * earlier step's call has its result, and gets those results' texts (`[0]`, `[1]`, …) to
 * build its call from, as a model reads what its tools printed. Then it answers `last`.
 */
function scripted(steps, last) {
  return (body) => {
    const results = toolResults(body);
    const seen = [];
    for (const [index, step] of steps.entries()) {
      const id = `toolu_step_${index}`;
      if (!results.has(id)) {
        const [name, input] = step(seen);
        return toolUse(id, name, input);
      }
      seen.push(resultText(results.get(id)));
    }
    return text(last);
  };
}

/** The tool_result of scripted step `index` in the last request that has it. */
function stepResult(index) {
  const id = `toolu_step_${index}`;
  const request = mock.messages().findLast((candidate) => toolResults(candidate.body).has(id));
  return request === undefined ? undefined : toolResults(request.body).get(id);
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** A final of task-002's draft with the reviewer's verdict in its front matter. */
function finalOf(verdict, hash, body) {
  return `---\ntask: task-002\nverdict: ${verdict}\nreviewer: reviewer-e2e\nreviewed: review/draft-002.mdx\ndraft_sha256: ${hash}\n---\n# Retry budgets, in practice\n\n${body}\n`;
}

/** The hash `sha256sum` printed in a Bash result (its first field). */
function hashIn(output) {
  const match = /^([0-9a-f]{64})\s/m.exec(output);
  if (!match) throw new Error(`no hash in the sha256sum output: ${output.slice(0, 200)}`);
  return match[1];
}

try {
  ensureClaude();
  mock = await startMockApi();
  clone = makeClone();
  pluginDir = join(clone, 'plugin');
  console.log(`claude ${CLAUDE_VERSION}, mock on 127.0.0.1:${mock.port}, clone ${clone}`);

  await check('claude plugin validate --strict passes on the clone (the marketplace) and on plugin/ (also with --profile directory)', async () => {
    for (const args of [['--strict']]) {
      const run = await runClaude(['plugin', 'validate', ...args, clone], { cwd: clone, env: quietEnv(makeConfig('validate')) });
      assert(run.code === 0, `validate ${args.join(' ')} exited ${run.code}:\n${run.stdout}\n${run.stderr}`);
      assert(run.stdout.includes('Validation passed') && !/passed with warnings/.test(run.stdout), `validate ${args.join(' ')}:\n${run.stdout}`);
    }
    for (const args of [['--strict'], ['--strict', '--profile', 'directory']]) {
      const run = await runClaude(['plugin', 'validate', ...args, pluginDir], { cwd: clone, env: quietEnv(makeConfig('validate-plugin')) });
      assert(run.code === 0 && run.stdout.includes('Validation passed') && !/passed with warnings/.test(run.stdout), `validate ${args.join(' ')} plugin/:\n${run.stdout}\n${run.stderr}`);
    }
    const report = JSON.parse((await runClaude(['plugin', 'validate', '--strict', '--json', join(pluginDir, '.claude-plugin', 'plugin.json')], { cwd: clone, env: quietEnv(makeConfig('validate-json')) })).stdout);
    assert(report.success && report.manifest.warnings.length === 0 && report.manifest.errors.length === 0, `plugin.json report: ${JSON.stringify(report.manifest)}`);
    for (const name of ['relay:get-up-to-speed', 'relay:log-this', 'relay:postmortem']) assert(report.provides.commands.includes(name), `validate does not list command ${name}`);
    for (const name of ['relay:planner', 'relay:writer', 'relay:reviewer']) assert(report.provides.agents.includes(name), `validate does not list agent ${name}`);
  });

  await check('plugin list --json: relay@inline loads enabled with no errors', async () => {
    const run = await runClaude(['--plugin-dir', pluginDir, 'plugin', 'list', '--json'], { cwd: clone, env: quietEnv(makeConfig('list')) });
    const list = JSON.parse(run.stdout);
    const relay = list.find((plugin) => plugin.id === 'relay@inline');
    assert(relay, `relay@inline not listed: ${run.stdout}`);
    assert(relay.enabled === true && !relay.errors?.length, `relay@inline: ${JSON.stringify(relay)}`);
  });

  await check('a session loads the commands and agents with no plugin error; the SessionStart briefing reaches the model; no Stop gate when nothing changed', async () => {
    const project = makeProject(clone, 'project-load');
    mock.reset(() => text('Hello.'));
    const run = await headless('Say hello.', { project, config: makeConfig('load') });
    const init = initEvent(run);
    assert(init.claude_code_version === CLAUDE_VERSION, `claude_code_version ${init.claude_code_version}`);
    assert(!init.plugin_errors?.length, `plugin_errors: ${JSON.stringify(init.plugin_errors)}`);
    assert(init.plugins.some((plugin) => plugin.name === 'relay' && plugin.source === 'relay@inline'), `plugins: ${JSON.stringify(init.plugins)}`);
    for (const name of ['relay:get-up-to-speed', 'relay:log-this', 'relay:postmortem']) assert(init.slash_commands.includes(name), `slash_commands lacks ${name}: ${init.slash_commands}`);
    for (const name of ['relay:planner', 'relay:writer', 'relay:reviewer']) assert(init.agents.includes(name), `agents lacks ${name}: ${init.agents}`);
    const requests = mock.messages();
    assert(requests.length === 1, `expected 1 model request (no Stop gate for a session that changed nothing), got ${requests.length}`);
    const raw = requests[0].raw;
    assert(raw.includes('relay briefing: project-load'), 'the briefing header did not reach the model');
    assert(raw.includes('https://example.com/article-1'), 'the next queue item did not reach the model');
    assert(raw.includes('2026-03-15-failed-api-integration: Never edit'), 'the postmortem Prevention line did not reach the model');
    assert(raw.includes('task-002 [in-progress] Write up the retry-budget article'), 'the open task did not reach the model');
    const hook = run.events.find((event) => event.type === 'system' && event.subtype === 'hook_response' && /SessionStart/.test(JSON.stringify(event)));
    assert(hook, 'no SessionStart hook_response event');
    assert(resultEvent(run).is_error === false, 'the run ended in an error');
  });

  await check('/relay:get-up-to-speed runs its `relay brief` injection without a permission prompt', async () => {
    const project = makeProject(clone, 'project-speed');
    mock.reset(() => text('Loaded: the briefing.'));
    const run = await headless('/relay:get-up-to-speed', { project, config: makeConfig('speed') });
    const result = resultEvent(run);
    assert(!/permission check failed|Unknown command|requires approval/i.test(result.result ?? ''), `the command aborted: ${result.result}`);
    assert(result.num_turns > 0, `num_turns ${result.num_turns}: ${result.result}`);
    const expanded = tailText(mock.messages()[0].body);
    const start = expanded.indexOf('as `relay brief` read it just now');
    const end = expanded.indexOf("The user's focus for this session");
    assert(start !== -1 && end > start, `the command body did not reach the model: ${expanded.slice(0, 300)}`);
    const injected = expanded.slice(start, end);
    assert(!injected.includes('!`relay brief`') && injected.includes('https://example.com/article-1'), `relay brief output was not injected: ${injected}`);
  });

  await check('/relay:log-this expands with its arguments in prose', async () => {
    const project = makeProject(clone, 'project-log');
    mock.reset(() => text('Logged.'));
    const run = await headless('/relay:log-this stress the retry budget', { project, config: makeConfig('log') });
    const result = resultEvent(run);
    assert(result.num_turns > 0 && !/Unknown command/.test(result.result ?? ''), `log-this did not run: ${result.result}`);
    const expanded = tailText(mock.messages()[0].body);
    assert(expanded.includes('The next session learns'), `the log-this body did not reach the model: ${expanded.slice(0, 300)}`);
    assert(expanded.includes('(may be empty): stress the retry budget'), 'the arguments were not substituted');
    assert(expanded.includes("relay done '<URL>'") && expanded.includes('protocol-lint'), 'the steps are missing');
    assert(expanded.includes("relay new findings --title '") && expanded.includes('relay session end --findings'), 'the v2 steps (relay new findings, relay session end) are missing');
    assert(!/highest number plus one/.test(expanded), 'the body still tells the model to compute a number');
  });

  await check('session ledger: the start of a fleet session opens its record with the briefed files; an interactive session that changes nothing leaves none', async () => {
    const project = makeProject(clone, 'project-ledger');
    const before = sessionRecords(project);
    mock.reset(() => text('Hello.'));
    const fleet = await headless('Say hello.', { project, config: { ...makeConfig('ledger'), RELAY_AGENT: 'writer-e2e', RELAY_ROLE: 'writer', RELAY_RUN: 'r-e2e' } });
    const sessionId = initEvent(fleet).session_id;
    assert(typeof sessionId === 'string' && sessionId !== '', `no session_id in the init event`);
    const path = join(project, 'sessions', `${sessionId}.md`);
    assert(existsSync(path), `no record \`sessions/${sessionId}.md\`; records: ${sessionRecords(project)}`);
    const record = readFileSync(path, 'utf8');
    for (const line of [`session_id: ${sessionId}`, 'agent: writer-e2e', 'role: writer', 'run: r-e2e', 'status: open', '- path: urls_todo.md']) {
      assert(record.includes(line), `the record lacks \`${line}\`:\n${record}`);
    }
    assert(/sha256: [0-9a-f]{64}/.test(record), `the record has no content hashes:\n${record}`);
    const lint = execFileSync(process.execPath, [join(clone, 'bin', 'protocol-lint'), '--format', 'json', `sessions/${sessionId}.md`], { cwd: project, encoding: 'utf8' });
    assert(JSON.parse(lint).every((result) => result.messages.length === 0), `the record does not lint clean: ${lint}`);

    const interactive = await headless('Say hello.', { project, config: makeConfig('ledger-interactive') });
    const other = initEvent(interactive).session_id;
    assert(!existsSync(join(project, 'sessions', `${other}.md`)), 'an interactive session that changed nothing left a record');
    assert(sessionRecords(project).length === before.length + 1, `records: ${sessionRecords(project)}`);
  });

  await check('session ledger: a session killed mid-work leaves an open record that the briefing of the next session names', async () => {
    const project = makeProject(clone, 'project-killed');
    let child;
    let killedId;
    mock.reset((body) => {
      if (!toolResults(body).has('toolu_write_plan')) {
        const content = '---\nid: task-004\nstatus: todo\n---\n# Draft the cache-warming article\n';
        return toolUse('toolu_write_plan', 'Write', { file_path: join(project, 'plan', 'task-004.md'), content });
      }
      // Mid-work: the Write is done and the model is asked again; the session dies here.
      child?.kill('SIGKILL');
      return text('never read');
    });
    const killed = await headless('Plan the cache-warming article.', {
      project,
      config: { ...makeConfig('killed'), RELAY_AGENT: 'planner-e2e', RELAY_ROLE: 'planner' },
      extraArgs: ['--permission-mode', 'acceptEdits'],
      onSpawn: (spawned) => (child = spawned),
    });
    assert(killed.code !== 0, `the first session was not killed (exit ${killed.code})`);
    killedId = initEvent(killed).session_id;
    assert(existsSync(join(project, 'plan', 'task-004.md')), 'the first session did not write its plan before it was killed');
    const record = readFileSync(join(project, 'sessions', `${killedId}.md`), 'utf8');
    assert(record.includes('status: open'), `the killed session's record is not open:\n${record}`);

    mock.reset(() => text('Hello.'));
    const next = await headless('Say hello.', { project, config: { ...makeConfig('killed-next'), RELAY_UNLOGGED_MINUTES: '0' } });
    resultEvent(next);
    const raw = mock.messages()[0].raw;
    assert(raw.includes('Sessions that never logged'), 'the next briefing has no section on sessions that never logged');
    assert(raw.includes(killedId) && raw.includes('planner-e2e'), `the next briefing does not name the killed session \`${killedId}\``);
    assert(raw.includes('/relay:get-up-to-speed') && raw.includes('relay session recover ID'), 'the briefing does not say how to recover it');
  });

  await check('session ledger: a /relay:log-this run closes the record as logged, naming the findings file it wrote', async () => {
    const project = makeProject(clone, 'project-log-closes');
    let findings;
    let recordBeforeEnd;
    const sessionFile = () => sessionRecords(project).map((name) => join(project, 'sessions', name)).find((path) => readFileSync(path, 'utf8').includes('role: interactive'));
    // The steps of commands/log-this.md, each built from what the tools printed before it.
    mock.reset(
      scripted(
        [
          () => ['Bash', { command: "relay new findings --title 'log-this e2e'", description: 'Create the findings log' }],
          ([created]) => {
            findings = created.trim().split('\n').at(-1).trim();
            return ['Read', { file_path: join(project, findings) }];
          },
          () => {
            const body = '# Findings: 2026-03-21 (e2e)\n\n## Done\n- Read [the retry-budget draft](draft-002.mdx) against [its task](../plan/task-002.md).\n\n## Found\n- The examples section is still to write.\n\n## Open\n- A writer finishes the examples section of task-002.\n';
            return ['Write', { file_path: join(project, findings), content: body }];
          },
          () => ['Bash', { command: 'protocol-lint', description: 'Lint the state tree' }],
          () => {
            // Before `relay session end`: the hooks opened the record at the session's first change.
            const path = sessionFile();
            recordBeforeEnd = path === undefined ? undefined : readFileSync(path, 'utf8');
            return ['Bash', { command: `relay session end --findings ${findings}`, description: "Close this session's record" }];
          },
        ],
        'Logged.',
      ),
    );
    const run = await headless('/relay:log-this the retry-budget draft', { project, config: makeConfig('log-closes') });
    resultEvent(run);
    const sessionId = initEvent(run).session_id;
    assert(/^review\/findings-\d{3}\.md$/.test(findings ?? ''), `relay new findings printed \`${findings}\`: ${resultText(stepResult(0)).slice(0, 300)}`);
    const lint = stepResult(3);
    assert(lint && !lint.is_error, `protocol-lint did not pass: ${resultText(lint).slice(0, 600)}`);
    const ended = stepResult(4);
    assert(ended && !ended.is_error, `relay session end failed: ${resultText(ended).slice(0, 600)}`);
    assert(readFileSync(join(project, findings), 'utf8').includes('## Found\n- The examples section'), `the findings log was not written:\n${readFileSync(join(project, findings), 'utf8')}`);
    assert(recordBeforeEnd?.includes('status: open'), `no open record before \`relay session end\`:\n${recordBeforeEnd}`);
    // The one record of the session, named by its id (the Bash tool's CLAUDE_CODE_SESSION_ID is the hooks' session_id).
    const added = sessionRecords(project).filter((name) => !name.startsWith('5b0e7c1a-'));
    assert(added.length === 1 && added[0] === `${sessionId}.md`, `expected one record \`sessions/${sessionId}.md\`, found ${added}`);
    const record = readFileSync(join(project, 'sessions', `${sessionId}.md`), 'utf8');
    for (const line of [`session_id: ${sessionId}`, 'role: interactive', 'status: logged', `findings: ${findings}`]) assert(record.includes(line), `the record lacks \`${line}\`:\n${record}`);
    assert(/^ended: '?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ'?$/m.test(record), `the record has no \`ended\`:\n${record}`);
    assert(new RegExp(`^  - ${findings.replace(/[.]/g, '\\.')}$`, 'm').test(record), `the record's \`changed\` does not list the findings log:\n${record}`);
    const linted = execFileSync(process.execPath, [join(clone, 'bin', 'protocol-lint'), '--format', 'json'], { cwd: project, encoding: 'utf8' });
    assert(JSON.parse(linted).every((result) => result.messages.length === 0), `the tree does not lint clean after /relay:log-this: ${linted}`);
    const gated = mock.messages().filter((request) => tailText(request.body).includes(STOP_GATE));
    assert(gated.length === 0, `the Stop gate fired after a complete /relay:log-this: ${tailText(gated[0]?.body ?? {}).slice(0, 400)}`);
  });

  await check('reviewer verdict: the reviewer agent hashes the draft, writes an approving final, and `relay done --output` moves the URL', async () => {
    const project = makeProject(clone, 'project-approve');
    const draftHash = sha256(readFileSync(join(project, 'review', 'draft-002.mdx')));
    mock.reset(
      scripted(
        [
          () => ['Bash', { command: 'sha256sum review/draft-002.mdx', description: 'Hash the draft' }],
          ([hashed]) => ['Write', { file_path: join(project, 'review', 'final-002.mdx'), content: finalOf('approved', hashIn(hashed), 'A retry budget caps how much extra load retries may add. Reviewed against the [draft](draft-002.mdx).') }],
          () => ['Bash', { command: "relay done 'https://example.com/article-1' --output review/final-002.mdx", description: 'Mark article-1 done' }],
        ],
        'Approved and done.',
      ),
    );
    const run = await headless('Review task-002 (review/draft-002.mdx).', {
      project,
      config: { ...makeConfig('approve'), RELAY_AGENT: 'reviewer-e2e', RELAY_ROLE: 'reviewer' },
      extraArgs: ['--agent', 'relay:reviewer', '--permission-mode', 'acceptEdits', '--allowedTools', 'Bash(sha256sum *)', 'Bash(relay done *)'],
    });
    resultEvent(run);
    assert(systemText(mock.messages()[0].body).includes('You are the relay **reviewer**'), 'the session did not run as the reviewer agent');
    const final = readFileSync(join(project, 'review', 'final-002.mdx'), 'utf8');
    assert(final.includes(`draft_sha256: ${draftHash}`), `the final does not carry the draft's real hash \`${draftHash}\`:\n${final}`);
    const done = stepResult(2);
    assert(done && !done.is_error, `relay done failed: ${resultText(done).slice(0, 600)}`);
    const doneQueue = readFileSync(join(project, 'urls_done.md'), 'utf8');
    assert(/^- https:\/\/example\.com\/article-1 \(completed [^)]*by reviewer-e2e, output review\/final-002\.mdx\)$/m.test(doneQueue), `article-1 is not done with its final:\n${doneQueue}`);
    assert(!readFileSync(join(project, 'urls_todo.md'), 'utf8').includes('https://example.com/article-1\n'), 'article-1 is still pending');
    const linted = execFileSync(process.execPath, [join(clone, 'bin', 'protocol-lint'), '--format', 'json'], { cwd: project, encoding: 'utf8' });
    const verdicts = JSON.parse(linted).flatMap((result) => result.messages).filter((message) => message.ruleId === 'review-verdict');
    assert(verdicts.length === 0, `review-verdict reports the approved final: ${JSON.stringify(verdicts)}`);
  });

  await check('reviewer verdict: `relay done --output` refuses a changes-requested final and an approval of a since-changed draft; the URL stays pending', async () => {
    const url = 'https://example.com/article-1';
    const cases = [
      {
        name: 'changes-requested',
        final: (hash) => finalOf('changes-requested', hash, '- The examples section is missing.'),
        refusal: () => 'Unexpected final `review/final-002.mdx` with `verdict: changes-requested`, expected `verdict: approved`',
      },
      {
        name: 'stale',
        final: (hash) => finalOf('approved', hash, 'Reviewed against the [draft](draft-002.mdx).'),
        // A writer revises the draft after the review, before the reviewer runs `relay done`.
        beforeDone: (project) => writeFileSync(join(project, 'review', 'draft-002.mdx'), '\nThe examples section, written after the review.\n', { flag: 'a' }),
        refusal: (before, after) => `Unexpected draft \`review/draft-002.mdx\` changed since \`review/final-002.mdx\` approved it (\`${before.slice(0, 12)}…\`, now \`${after.slice(0, 12)}…\`)`,
      },
    ];
    for (const scenario of cases) {
      const project = makeProject(clone, `project-refuse-${scenario.name}`);
      const before = sha256(readFileSync(join(project, 'review', 'draft-002.mdx')));
      mock.reset(
        scripted(
          [
            () => ['Bash', { command: 'sha256sum review/draft-002.mdx', description: 'Hash the draft' }],
            ([hashed]) => ['Write', { file_path: join(project, 'review', 'final-002.mdx'), content: scenario.final(hashIn(hashed)) }],
            () => {
              scenario.beforeDone?.(project);
              return ['Bash', { command: `relay done '${url}' --output review/final-002.mdx`, description: 'Mark article-1 done' }];
            },
          ],
          'Not done.',
        ),
      );
      const run = await headless('Review task-002 (review/draft-002.mdx).', {
        project,
        config: { ...makeConfig(`refuse-${scenario.name}`), RELAY_AGENT: 'reviewer-e2e', RELAY_ROLE: 'reviewer' },
        extraArgs: ['--agent', 'relay:reviewer', '--permission-mode', 'acceptEdits', '--allowedTools', 'Bash(sha256sum *)', 'Bash(relay done *)'],
      });
      resultEvent(run);
      const after = sha256(readFileSync(join(project, 'review', 'draft-002.mdx')));
      const done = stepResult(2);
      const seen = resultText(done);
      const line = `relay done: ${scenario.refusal(before, after)}`;
      assert(done?.is_error === true && seen.includes(line), `${scenario.name}: the model did not see relay's refusal \`${line}\`: ${JSON.stringify(done).slice(0, 600)}`);
      assert(readFileSync(join(project, 'urls_todo.md'), 'utf8').includes(`- ${url}\n`), `${scenario.name}: ${url} left urls_todo.md`);
      assert(!readFileSync(join(project, 'urls_done.md'), 'utf8').includes(url), `${scenario.name}: ${url} is in urls_done.md`);
    }
  });

  await check('a Write that puts a URL in both queues comes back as queue-overlap; the Stop gate fires once, then lets go', async () => {
    const project = makeProject(clone, 'project-overlap');
    const done = '# Completed URLs\n- https://example.com/article-0 (completed 2026-03-19)\n- https://example.com/article-1 (completed 2026-03-20)\n';
    mock.reset((body) => {
      if (!toolResults(body).has('toolu_write_done')) return toolUse('toolu_write_done', 'Write', { file_path: join(project, 'urls_done.md'), content: done });
      return text('Noted.');
    });
    const run = await headless('Record article-1 as done.', { project, config: makeConfig('overlap'), extraArgs: ['--permission-mode', 'acceptEdits'] });
    resultEvent(run);
    const requests = mock.messages();
    assert(readFileSync(join(project, 'urls_done.md'), 'utf8') === done, 'the Write did not happen');
    assert(requests.length >= 2, `expected the model to be called after the Write, got ${requests.length} requests`);
    const afterWrite = tailText(requests[1].body);
    assert(/queue-overlap/.test(afterWrite) && afterWrite.includes('article-1'), `no queue-overlap problem after the Write: ${afterWrite.slice(0, 600)}`);
    assert(/urls_(todo|done)\.md:\d+:\d+/.test(afterWrite), 'the problem has no file:line:column');
    const gated = requests.filter((request) => tailText(request.body).includes(STOP_GATE));
    assert(gated.length === 1, `expected the Stop gate to fire once, it fired ${gated.length} times`);
    const reason = tailText(gated[0].body);
    assert(reason.includes('wrote no findings log') && reason.includes('`urls_done.md`') && /queue-overlap/.test(reason), `Stop reason: ${reason.slice(0, 600)}`);
    assert(requests.length === 3, `expected 3 model requests (work, after the Write, after the gate), got ${requests.length}`);
  });

  await check('a Bash `relay done` is seen by the hooks: the Stop gate names the queue files it changed', async () => {
    const project = makeProject(clone, 'project-bash');
    mock.reset((body) => {
      if (!toolResults(body).has('toolu_relay_done')) return toolUse('toolu_relay_done', 'Bash', { command: 'relay done https://example.com/article-2 --agent e2e', description: 'Mark article-2 done' });
      return text('Moved.');
    });
    const run = await headless('Mark article-2 done.', { project, config: makeConfig('bash'), extraArgs: ['--allowedTools', 'Bash(relay done *)'] });
    resultEvent(run);
    assert(readFileSync(join(project, 'urls_done.md'), 'utf8').includes('https://example.com/article-2 (completed'), `relay done did not run: ${tailText(mock.messages()[1]?.body ?? {}).slice(0, 400)}`);
    const gated = mock.messages().filter((request) => tailText(request.body).includes(STOP_GATE));
    assert(gated.length === 1, `expected one Stop gate, got ${gated.length}`);
    const reason = tailText(gated[0].body);
    assert(reason.includes('`urls_done.md`') && reason.includes('`urls_todo.md`'), `the gate does not name the queue files: ${reason.slice(0, 500)}`);
  });

  await check('a Bash command that appends a bad line to urls_todo.md and exits non-zero is still linted (PostToolUseFailure)', async () => {
    const project = makeProject(clone, 'project-bash-failure');
    mock.reset((body) => {
      if (!toolResults(body).has('toolu_bash_fail')) {
        return toolUse('toolu_bash_fail', 'Bash', { command: "printf -- '- not a url\\n' >> urls_todo.md; exit 3", description: 'Append a line, then fail' });
      }
      return text('Noted.');
    });
    const run = await headless('Append a line to the queue.', { project, config: makeConfig('bash-failure'), extraArgs: ['--allowedTools', 'Bash'] });
    resultEvent(run);
    assert(readFileSync(join(project, 'urls_todo.md'), 'utf8').endsWith('- not a url\n'), 'the Bash command did not append its line');
    const requests = mock.messages();
    assert(requests.length >= 2, `expected the model to be called after the Bash command, got ${requests.length} requests`);
    const result = toolResults(requests[1].body).get('toolu_bash_fail');
    assert(result?.is_error === true, `the Bash command did not fail: ${JSON.stringify(result).slice(0, 300)}`);
    const afterBash = tailText(requests[1].body);
    assert(/urls_todo\.md:\d+:\d+ \[queue-item-syntax\]/.test(afterBash) && afterBash.includes('`not` is not a queue URL'), `the hook's finding did not reach the model: ${afterBash.slice(0, 600)}`);
  });

  await check('delegating to relay:writer runs the writer definition with its own tools (no Agent tool)', async () => {
    const project = makeProject(clone, 'project-writer');
    let writerTools;
    mock.reset((body) => {
      if (systemText(body).includes('You are the relay **writer**')) {
        writerTools = (body.tools ?? []).map((tool) => tool.name);
        return text('Draft written.');
      }
      if (!toolResults(body).has('toolu_agent_writer')) {
        return toolUse('toolu_agent_writer', 'Agent', { description: 'Draft task-003', prompt: 'Draft task-003 into review/draft-003.mdx.', subagent_type: 'relay:writer', run_in_background: false });
      }
      return text('The writer is done.');
    });
    const run = await headless('Have the writer draft task-003.', { project, config: makeConfig('writer') });
    resultEvent(run);
    assert(writerTools, `no request carried the writer's system prompt; requests: ${mock.messages().length}; tool result: ${tailText(mock.messages().at(-1)?.body ?? {}).slice(0, 400)}`);
    // The writer gets the tools its definition lists that this Claude Code version has (2.1.328
    // has no Glob or Grep tool), and nothing else: above all no Agent tool.
    const declared = /^tools:(.*)$/m.exec(readFileSync(join(pluginDir, 'agents', 'writer.md'), 'utf8'))[1].split(',').map((name) => name.trim());
    for (const name of ['Read', 'Write', 'Edit', 'Bash', 'WebFetch']) assert(writerTools.includes(name), `the writer lacks ${name}: ${writerTools}`);
    for (const name of writerTools) assert(declared.includes(name), `the writer has ${name}, which agents/writer.md does not list: ${writerTools}`);
    for (const name of ['Agent', 'Task']) assert(!writerTools.includes(name), `the writer can spawn agents: ${writerTools}`);
    const mainTools = (mainRequests()[0].body.tools ?? []).map((tool) => tool.name);
    assert(mainTools.includes('Agent'), `the main thread has no Agent tool: ${mainTools}`);
  });

  await check('relay run core: a writer session launched by src/run claims a URL, finishes, logs and is judged successful; one whose API call fails is judged failed with its claim released', async () => {
    const runner = await runnerBundle();
    const project = makeProject(clone, 'project-run');
    const loaded = runner.loadConfig(project);
    assert(loaded.ok, `config: ${loaded.error}`);
    const runId = runner.newRunId(new Date());
    runner.createRun(project, runId, { role: 'writer', sessions: 2 });
    const attempt = (agent, configName) =>
      runner.runAttempt({
        root: project,
        config: loaded.config,
        runId,
        role: 'writer',
        agent,
        prompt: 'Take the next URL with `relay claim`, finish it, then close your session record.',
        claude: CLAUDE,
        pluginDir: clone,
        maxTurns: 12,
        extraArgs: ['--setting-sources', ''],
        env: quietEnv({ ...makeConfig(configName), ANTHROPIC_BASE_URL: `http://127.0.0.1:${mock.port}`, ANTHROPIC_API_KEY: 'test' }),
        timeoutMs: RUN_TIMEOUT_MS,
      });
    const todo = () => readFileSync(join(project, 'urls_todo.md'), 'utf8');

    let claimed;
    mock.reset(
      scripted(
        [
          () => ['Bash', { command: 'relay claim', description: 'Claim the next URL' }],
          ([printed]) => {
            claimed = printed.trim().split('\n').at(-1).trim();
            return ['Bash', { command: `relay done '${claimed}'`, description: 'Mark it done' }];
          },
          () => ['Bash', { command: 'relay session end', description: "Close this session's record" }],
        ],
        'Done.',
      ),
    );
    const good = await attempt('writer-run-1', 'run-good');
    assert(systemText(mock.messages()[0].body).includes('You are the relay **writer**'), 'the session did not run as the writer agent');
    assert(/^https:\/\/example\.com\//.test(claimed ?? ''), `relay claim printed \`${claimed}\`: ${resultText(stepResult(0)).slice(0, 300)}`);
    assert(good.verdict.ok, `the good session was judged failed: ${good.verdict.reasons.join('; ')}; stderr: ${readFileSync(join(runner.runDirectory(project, runId), 'sessions', `${good.exit.sessionId}.jsonl.stderr`), 'utf8').slice(0, 400)}`);
    assert(good.record.is_error === false && good.record.exit === 0 && good.record.turns > 0 && typeof good.record.cost_usd === 'number', `good record: ${JSON.stringify(good.record)}`);
    assert(good.record.urls.includes(claimed) && good.record.claims_left.length === 0 && good.record.lint_exit === 0, `good record: ${JSON.stringify(good.record)}`);
    assert(readFileSync(join(project, 'urls_done.md'), 'utf8').includes(`- ${claimed} (completed`), `${claimed} is not done`);
    const record = readFileSync(join(project, 'sessions', `${good.exit.sessionId}.md`), 'utf8');
    for (const line of ['agent: writer-run-1', 'role: writer', `run: ${runId}`, 'status: logged']) assert(record.includes(line), `the record lacks \`${line}\`:\n${record}`);

    let failedClaim;
    mock.reset((body) => {
      if (!toolResults(body).has('toolu_claim')) return toolUse('toolu_claim', 'Bash', { command: 'relay claim', description: 'Claim the next URL' });
      failedClaim = resultText(toolResults(body).get('toolu_claim')).trim().split('\n').at(-1).trim();
      return { error: { status: 400, message: 'mock: the request is refused' } };
    });
    const bad = await attempt('writer-run-2', 'run-bad');
    assert(/^https:\/\/example\.com\//.test(failedClaim ?? ''), `the failing session claimed \`${failedClaim}\``);
    assert(!bad.verdict.ok && bad.record.status === 'failed' && bad.record.is_error === true, `the failing session: ${JSON.stringify(bad.record)}`);
    assert(bad.verdict.reasons[0].startsWith('The `result` event has `is_error: true`'), `reasons: ${bad.verdict.reasons.join('; ')}`);
    assert(bad.record.claims_left.includes(failedClaim) && bad.record.released.includes(failedClaim), `the claim was not released: ${JSON.stringify(bad.record)}`);
    assert(todo().includes(`- ${failedClaim}\n`) && !todo().includes('writer-run-2'), `urls_todo.md still holds the failed session's claim:\n${todo()}`);
    const attempts = runner.readAttempts(project, runId);
    assert(attempts.length === 2 && attempts[0].status === 'succeeded' && attempts[1].status === 'failed', `attempts.jsonl: ${JSON.stringify(attempts)}`);
    for (const line of attempts) assert(existsSync(join(runner.runDirectory(project, runId), 'sessions', `${line.session_id}.jsonl`)), `no stream for ${line.session_id}`);
  });

  await check('marketplace: `plugin marketplace add <clone>` then `plugin install relay@relay-protocol` works, and the installed plugin briefs a session', async () => {
    const config = makeConfig('marketplace');
    const env = quietEnv(config);
    const add = await runClaude(['plugin', 'marketplace', 'add', clone], { cwd: scratch, env });
    assert(add.code === 0, `marketplace add exited ${add.code}: ${add.stdout}${add.stderr}`);
    const install = await runClaude(['plugin', 'install', 'relay@relay-protocol'], { cwd: scratch, env });
    assert(install.code === 0, `install exited ${install.code}: ${install.stdout}${install.stderr}`);
    const list = JSON.parse((await runClaude(['plugin', 'list', '--json'], { cwd: scratch, env })).stdout);
    const relay = list.find((plugin) => plugin.id === 'relay@relay-protocol');
    assert(relay && relay.enabled === true && !relay.errors?.length, `installed plugin: ${JSON.stringify(list)}`);
    const project = makeProject(clone, 'project-marketplace');
    mock.reset(() => text('Hello.'));
    const run = await headless('Say hello.', { project, config, inline: false, extraArgs: ['--setting-sources', 'user'] });
    const init = initEvent(run);
    assert(init.plugins.some((plugin) => plugin.name === 'relay' && plugin.source === 'relay@relay-protocol'), `plugins: ${JSON.stringify(init.plugins)}`);
    assert(!init.plugin_errors?.length, `plugin_errors: ${JSON.stringify(init.plugin_errors)}`);
    assert(mock.messages()[0]?.raw.includes('relay briefing: project-marketplace'), 'the installed plugin did not brief the session');
  });

  await check('git marketplace on 127.0.0.1: the install copies only plugin/ (no package.json, no node_modules, bundles as files), and the installed plugin loads and briefs', async () => {
    const served = join(scratch, 'served');
    mkdirSync(served, { recursive: true });
    git(scratch, 'clone', '--quiet', '--bare', clone, join(served, 'relay.git'));
    const server = await startGitHttp(served);
    const config = makeConfig('git-marketplace');
    const env = quietEnv(config);
    try {
      const add = await runClaude(['plugin', 'marketplace', 'add', `http://127.0.0.1:${server.port}/relay.git`], { cwd: scratch, env });
      assert(add.code === 0, `marketplace add exited ${add.code}: ${add.stdout}${add.stderr}`);
      const install = await runClaude(['plugin', 'install', 'relay@relay-protocol'], { cwd: scratch, env });
      assert(install.code === 0, `install exited ${install.code}: ${install.stdout}${install.stderr}`);
    } finally {
      await server.close();
    }
    const cacheRoot = join(config.CLAUDE_CONFIG_DIR, 'plugins', 'cache', 'relay-protocol', 'relay');
    const versions = readdirSync(cacheRoot);
    assert(versions.length === 1, `cache versions: ${versions}`);
    const installed = join(cacheRoot, versions[0]);
    const files = [];
    const walk = (dir, rel) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = rel ? `${rel}/${entry.name}` : entry.name;
        if (entry.isDirectory()) walk(join(dir, entry.name), path);
        else files.push({ path, link: entry.isSymbolicLink(), bytes: lstatSync(join(dir, entry.name)).size });
      }
    };
    walk(installed, '');
    const names = files.map((file) => file.path);
    for (const absent of ['node_modules/', 'package.json', 'package-lock.json', 'src/', 'test/', 'bench/']) assert(!names.some((name) => name === absent || name.startsWith(absent)), `the cache holds ${absent}: ${names.filter((name) => name.startsWith(absent.replace(/\/$/, ''))).slice(0, 5)}`);
    for (const needed of ['.claude-plugin/plugin.json', 'hooks/hooks.json', 'commands/log-this.md', 'agents/writer.md', 'bin/relay', 'bin/protocol-lint', 'dist/relay.mjs', 'dist/hooks/session-start.mjs']) {
      const file = files.find((candidate) => candidate.path === needed);
      assert(file && !file.link, `${needed} is ${file ? 'a link' : 'missing'} in the cache`);
    }
    const bytes = files.reduce((sum, file) => sum + file.bytes, 0);
    assert(bytes < 5_000_000, `the cache holds ${bytes} bytes`);
    const version = execFileSync(process.execPath, [join(installed, 'bin', 'relay'), '--version'], { encoding: 'utf8' }).trim();
    assert(version === JSON.parse(readFileSync(join(installed, '.claude-plugin', 'plugin.json'), 'utf8')).version, `bin/relay --version from the cache: ${version}`);
    const project = makeProject(clone, 'project-git-marketplace');
    mock.reset(() => text('Hello.'));
    const run = await headless('Say hello.', { project, config, inline: false, extraArgs: ['--setting-sources', 'user'] });
    const init = initEvent(run);
    assert(init.plugins.some((plugin) => plugin.name === 'relay' && plugin.source === 'relay@relay-protocol'), `plugins: ${JSON.stringify(init.plugins)}`);
    assert(!init.plugin_errors?.length, `plugin_errors: ${JSON.stringify(init.plugin_errors)}`);
    assert(init.slash_commands.includes('relay:log-this') && init.agents.includes('relay:writer'), `commands ${init.slash_commands}; agents ${init.agents}`);
    assert(mock.messages()[0]?.raw.includes('relay briefing: project-git-marketplace'), 'the installed plugin did not brief the session');
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
