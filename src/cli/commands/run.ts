/** `relay run`: the fleet runner (PROTOCOL §6) and its `status`, `resume` and `stop`. */
import { accessSync, constants, statSync } from 'node:fs';
import { availableParallelism, freemem } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { readRegularFile } from '../../protocol/regular-file.js';
import { writeFileAtomic } from '../../state/atomic.js';
import { isoSeconds } from '../../state/identity.js';
import { loadQueues } from '../../state/queue-files.js';
import { isRunning, processStartTicks } from '../../run/processes.js';
import { Progress } from '../../run/progress.js';
import { createRun, listRuns, newRunId, readRunner, readSettings, runDirectory, stopRequestPath, RUN_ID_PATTERN } from '../../run/records.js';
import { nextWaveNumber, runFleet, type RunSettings } from '../../run/runner.js';
import { preflight } from '../../run/preflight.js';
import { claudeBinary, ROLES, SESSION_TOOLS, sessionArguments, type Role } from '../../run/session.js';
import { jsonSummary, summarize, textSummary, type RunState, type SummaryFile } from '../../run/summary.js';
import { remoteContext } from '../../remote/context.js';
import { git } from '../../claims/git.js';
import { givenRemote, JSON_OPTION, usage, type CommandContext, type CommandDefinition, type Outcome } from './command.js';

/** The most sessions a wave may have: each session of the next wave reads all their notes. */
const MAX_PER_WAVE = 20;

/** A session takes about this much memory (fleet-runner.md). */
const SESSION_MEMORY = 200 * 1024 * 1024;

/** `-j`'s default: as many sessions as free memory holds at ~200 MB each, at most two per core, at least one. */
export function defaultParallelism(): number {
  return Math.max(1, Math.min(Math.floor(freemem() / SESSION_MEMORY), 2 * availableParallelism()));
}

/** `relay run`. */
export const run: CommandDefinition = {
  name: 'run',
  summary: 'run a fleet of headless Claude Code sessions: a role, a pipeline or discovery waves',
  positionals: '[status|resume|stop] [RUN]',
  options: {
    ...JSON_OPTION,
    role: { type: 'string' },
    'until-empty': { type: 'boolean' },
    sessions: { type: 'string' },
    pipeline: { type: 'string' },
    waves: { type: 'string' },
    'per-wave': { type: 'string' },
    prompt: { type: 'string' },
    jobs: { type: 'string', short: 'j' },
    'urls-per-session': { type: 'string' },
    claude: { type: 'string' },
    'plugin-dir': { type: 'string' },
    model: { type: 'string' },
    'max-turns': { type: 'string' },
    'max-budget-usd': { type: 'string' },
    'run-budget-usd': { type: 'string' },
    'session-timeout': { type: 'string' },
    retries: { type: 'string' },
    allow: { type: 'string', multiple: true },
    'env-clean': { type: 'boolean' },
    'fail-fast': { type: 'string' },
    remote: { type: 'string' },
    'dry-run': { type: 'boolean' },
  },
  help: `Usage: relay run --role planner|writer|reviewer [--until-empty | --sessions N]
       relay run --pipeline planner,writer,reviewer [--sessions N]
       relay run --waves N --per-wave K [--role R] [--prompt FILE]
  common: [-j PARALLEL] [--urls-per-session K] [--claude PATH] [--plugin-dir DIR]
          [--model M] [--max-turns T] [--max-budget-usd B] [--run-budget-usd B]
          [--session-timeout SECONDS] [--retries R] [--fail-fast N] [--allow TOOL]...
          [--env-clean] [--remote NAME] [--dry-run] [--json]
       relay run status [RUN] [--json]
       relay run resume RUN [--json]
       relay run stop RUN [--json]

Starts headless Claude Code sessions (claude -p, the role's agent, stream-json), each an
ordinary relay plugin session, judges each one (result is_error, claims left, session record
logged, protocol-lint on what it touched), retries failures with a fresh session, and keeps
records in <git common dir>/relay/runs/RUN/. Progress goes to stderr; the summary to stdout.

  --role R               one role until the queue is empty (default) or for N sessions
  --pipeline A,B,C       stages; a URL reaches a stage when the one before handed it on
  --waves N --per-wave K N discovery waves of K sessions (role: planner unless --role)
  --prompt FILE          what the wave sessions are asked, besides their wave
  -j PARALLEL            sessions at once (default: free memory / 200 MB, at most 2 per core)
  --urls-per-session K   URLs claimed for each session (default 1)
  --claude PATH          the claude binary (default: $RELAY_CLAUDE, else claude on the PATH)
  --plugin-dir DIR       load relay from DIR (default: the installed plugin)
  --max-turns T, --max-budget-usd B   passed to each session
  --run-budget-usd B     no new launches once the summed cost reaches B (an estimate)
  --session-timeout S    end a session after S seconds (default 1800)
  --retries R            retries of failed work, each with a fresh session (default 2)
  --fail-fast N          no new launches once N sessions in a row failed within 30 s for the
                         same reason (default 3; 0: never); not logged in, no agent, an
                         unknown option or API 401/403 stop them at the first
  --allow TOOL           another tool the sessions may use unasked (e.g. 'Bash(npm test)');
                         by default only the relay commands an agent needs and protocol-lint
  --env-clean            sessions inherit only PATH, HOME, LANG, TERM, TMPDIR, ANTHROPIC_*,
                         CLAUDE_CONFIG_DIR, CLAUDE_CODE_* and RELAY_* (default: everything)
  --remote NAME          claim through git remote NAME, so runners on several machines share
                         one queue; ends with \`relay sync\` (default: $RELAY_REMOTE, else the
                         config's "remote")
  --dry-run              print what would run and check claude, its version, the plugin and
                         the role's agent (a probe on 127.0.0.1); claim and start nothing
  --json                 print the summary as JSON

Exit codes: 0 the run finished its work, 1 it did not (failures left, stopped, budget,
auth error, a wave that does not lint) or a run to resume/stop is not there, 2 usage.
`,
  details: `See [running-a-fleet.md](running-a-fleet.md) for a walk from one writer to a three-stage pipeline
to a ten-wave discovery relay, what the records look like and what a run costs.

- **A session** is \`claude -p PROMPT --output-format stream-json --verbose --session-id UUID
  [--plugin-dir DIR] --agent relay:ROLE --permission-mode acceptEdits --allowedTools 'Bash(relay claim)'
  'Bash(relay claim *)' … 'Bash(protocol-lint *)' [--allow …] [--model M] [--max-turns T] [--max-budget-usd B]\`
  (the relay subcommands an agent needs, not \`relay *\`: see [running-a-fleet.md](running-a-fleet.md#what-a-session-may-do)),
  an argument vector (never a shell), stdin \`/dev/null\`, its own process group, its stream
  written to a file by the process itself, and the runner's environment (only \`PATH\`, \`HOME\`, \`LANG\`,
  \`TERM\`, \`TMPDIR\`, \`ANTHROPIC_*\`, \`CLAUDE_CONFIG_DIR\`, \`CLAUDE_CODE_*\`, \`RELAY_*\` with \`--env-clean\`) with
  \`RELAY_RUN\`, \`RELAY_AGENT\`, \`RELAY_ROLE\` set. Each session has its own agent id \`ROLE-TAIL-N\` (\`TAIL\` is the end of the run id);
  the runner claims its URLs under that id before it starts, so the session's own \`relay claim\`
  gives the same URLs back.
- **Judging**: the \`result\` event's \`is_error\` (no result event is a failure), no claims left
  under its agent, every URL it was given done (or, in a pipeline, handed on to the next stage),
  its session record \`logged\`, and protocol-lint clean on what it touched. A failed session's
  claims wait under the stage's queue agent \`ROLE-TAIL-queue\` for a retry with a fresh session;
  a URL that failed \`--retries\` + 1 times is given back to the queue and not taken again by this
  run (exit 1). Past \`--session-timeout\` a session gets SIGINT, then SIGTERM, then SIGKILL to its
  group (10 s apart), and processes still carrying its session id are killed.
- **Pipelines**: a stage's session hands each finished URL on with \`relay handoff URL --to
  NEXT-TAIL-queue\`; the runner hands it from there to the next stage's session. Later stages are
  served first, so URLs reach the end before new ones start. \`--sessions N\` caps the sessions
  of the first stage.
- **Waves**: the run writes waves \`M+1 … M+N\` where \`M\` is the highest \`discovery/wave-M/\`
  already there. A wave starts when every session of the one before has ended and its folder
  has notes and lints clean; otherwise the run stops (exit 1) and \`relay run resume RUN\` goes on
  after the fix. \`--role\` picks the agent (default planner). A wave-N session is told to read the
  notes of wave N−1 and \`discovery/INDEX.md\`, a digest of the earlier waves (at most 8,000 characters).
- **Failing fast**: a failed session's line gives its \`result\` text or first stderr lines and its
  files; not logged in, no such agent or option, API 401/403 stop new launches at once, and so do
  \`--fail-fast\` quick failures in a row with one reason (exit 1). Its record is closed \`failed\`.
- **Load**: launches are staggered (the next waits for the last one's init event, at most 10 s;
  for its first answer, until the model answered one); an \`api_retry\` event halves parallelism for
  60 s. \`--run-budget-usd\` stops new launches once the sessions' summed \`total_cost_usd\`
  reaches it — Claude Code's own estimate, not a bill.
- **Records** (untracked): \`settings.json\`, \`runner.json\`, \`attempts.jsonl\` (one line per session
  attempt), \`running/ID.json\` (sessions launched and not yet recorded), \`sessions/ID.jsonl\`
  (each stream), \`summary.json\`. \`--json\` prints \`{"run","sessions":[{"session_id","agent","role",
  "status","urls","unassigned","cost_usd","turns"}],"totals":{"sessions","succeeded","failed","retried",
  "urls_done","cost_usd"}}\`.
- **\`status [RUN]\`** (default: the newest run) prints the summary from the records and whether it
  is running, finished, failed, stopped or interrupted (its runner is gone). **\`stop RUN\`** asks the
  runner to end its sessions (interrupt, terminate, kill) and give their claims back, and waits for
  it; when the runner is gone it does the same itself. **\`resume RUN\`** after a runner was killed:
  sessions still alive are adopted and judged when they end, those no longer alive are judged now
  (claims given back), and the run goes on with the same settings; no URL is done twice.
- **\`--remote NAME\`** (or \`RELAY_REMOTE\`, or the config's \`"remote"\`): claims go through the git
  remote (§7), so runners on several machines share one queue with no URL worked twice. The runner
  claims fresh work with \`relay claim --remote\`'s claim refs, moves them with a handoff, deletes
  them when it gives a claim back; each session gets \`RELAY_REMOTE=NAME\` in its environment, so
  its own \`relay claim\`, \`done\`, \`handoff\`, \`release\` and \`new\` use the same remote. Once
  every session has ended (also after \`stop\` and \`resume\`), the runner runs \`relay sync\` once:
  the completions land on the remote's branch and their claim refs are removed. A sync that fails
  makes the run \`failed\` with the line to run (\`relay sync --remote NAME\`). Checked before the run
  starts: the remote is usable from this clone and the merge driver is registered (\`relay init\`).
  See [running-a-fleet.md](running-a-fleet.md#several-machines).
`,
  async run(context) {
    const [action, ...rest] = context.positionals;
    if (action === 'status' || action === 'resume' || action === 'stop') {
      if (rest.length > 1) return usage('run', `Unexpected argument \`${rest[1]}\`, expected one run id`);
      const runId = rest[0] ?? (action === 'status' ? listRuns(context.root).at(-1) : undefined);
      if (runId === undefined) return action === 'status' ? { code: 1, stderr: 'relay run: no runs yet in this repository\n' } : usage('run', `Missing a run id, expected \`relay run ${action} RUN\``);
      if (!RUN_ID_PATTERN.test(runId)) return usage('run', `Unexpected run id \`${runId}\`, expected one like \`20260319-100000-a1b2c3\` (\`relay run status\` shows the newest)`);
      const settings = readSettings(context.root, runId) as RunSettings | undefined;
      if (settings === undefined) return { code: 1, stderr: `relay run: no run \`${runId}\` in \`${runDirectory(context.root, runId)}\`\n` };
      if (action === 'status') return status(context, runId, settings);
      if (action === 'stop') return stop(context, runId, settings);
      return resume(context, runId, settings);
    }
    if (action !== undefined) return usage('run', `Unknown action \`${action}\`, expected \`status\`, \`resume\`, \`stop\` or options only`);
    const settings = settingsOf(context);
    if ('code' in settings) return settings;
    if (context.values['dry-run']) return await dryRun(context, settings);
    const binary = claudeBinary(settings.claude, context.io.env);
    if (!findExecutable(binary, context.io.env, context.root)) return { code: 1, stderr: `relay run: cannot find the claude binary \`${binary}\`; pass \`--claude PATH\` or set \`RELAY_CLAUDE\`\n` };
    if (settings.mode !== 'waves') {
      const loaded = loadQueues(context.root, context.config);
      if (!loaded.ok) return { code: 1, stderr: `relay run: ${loaded.error}\n` };
    }
    const runId = newRunId(new Date());
    createRun(context.root, runId, settings as unknown as Record<string, unknown>);
    await context.io.stderr(`relay run ${runId}: records in ${runDirectory(context.root, runId)}\n`);
    return drive(context, runId, settings);
  },
};

/** Runs (or resumes) `runId` with SIGINT and SIGTERM stopping it cleanly; prints the summary. */
async function drive(context: CommandContext, runId: string, settings: RunSettings, stopNow = false): Promise<Outcome> {
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  if (stopNow) controller.abort('`relay run stop`');
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const terminal = context.io.stderrIsTerminal === true && context.io.env.TERM !== 'dumb';
  const progress = new Progress((text) => void context.io.stderr(text), terminal);
  try {
    const result = await runFleet({ root: context.root, config: context.config, runId, settings, env: context.io.env, progress, signal: controller.signal });
    const stdout = context.values.json ? jsonSummary(result.summary) : textSummary(result.summary, result.state, result.reason);
    return { code: result.state === 'finished' ? 0 : 1, stdout };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Whether the runner of `runId` is alive (its pid runs and started when the record says). */
function runnerAlive(context: CommandContext, runId: string): number | undefined {
  const runner = readRunner(context.root, runId);
  if (runner === undefined || runner.pid === process.pid || !isRunning(runner.pid)) return undefined;
  const ticks = processStartTicks(runner.pid);
  if (runner.start_ticks !== undefined && ticks !== undefined && ticks !== runner.start_ticks) return undefined;
  return runner.pid;
}

function stateOf(context: CommandContext, runId: string): { state: RunState; reason?: string } {
  if (runnerAlive(context, runId) !== undefined) return { state: 'running' };
  const file = readSummaryFile(context, runId);
  if (file !== undefined) return file.reason === undefined ? { state: file.state } : { state: file.state, reason: file.reason };
  return { state: 'interrupted', reason: `its runner is gone; \`relay run resume ${runId}\`` };
}

function readSummaryFile(context: CommandContext, runId: string): SummaryFile | undefined {
  const bytes = readRegularFile(join(runDirectory(context.root, runId), 'summary.json'));
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8')) as SummaryFile;
  } catch {
    return undefined;
  }
}

function finalStage(settings: RunSettings): string | undefined {
  return settings.mode === 'pipeline' ? settings.stages.at(-1) : undefined;
}

function status(context: CommandContext, runId: string, settings: RunSettings): Outcome {
  const summary = summarize(context.root, runId, finalStage(settings));
  if (context.values.json) return { code: 0, stdout: jsonSummary(summary) };
  const { state, reason } = stateOf(context, runId);
  const what = settings.mode === 'waves' ? `waves ${settings.firstWave}…${(settings.firstWave ?? 1) + (settings.waves ?? 1) - 1} × ${settings.perWave}, ${settings.stages[0]}` : settings.mode === 'pipeline' ? `pipeline ${settings.stages.join(',')}` : `role ${settings.stages[0]}`;
  return { code: 0, stdout: `${textSummary(summary, state, reason)}mode: ${what}, -j ${settings.parallel}, started ${settings.created}\nrecords: ${runDirectory(context.root, runId)}\n` };
}

async function resume(context: CommandContext, runId: string, settings: RunSettings): Promise<Outcome> {
  const pid = runnerAlive(context, runId);
  if (pid !== undefined) return { code: 1, stderr: `relay run: run \`${runId}\` is still running (pid ${pid}); \`relay run stop ${runId}\` ends it\n` };
  await context.io.stderr(`relay run ${runId}: resuming\n`);
  return drive(context, runId, settings);
}

async function stop(context: CommandContext, runId: string, settings: RunSettings): Promise<Outcome> {
  const pid = runnerAlive(context, runId);
  if (pid === undefined) {
    // Nobody runs it: end its sessions and give their claims back here.
    await context.io.stderr(`relay run ${runId}: its runner is gone; ending its sessions here\n`);
    const outcome = await drive(context, runId, settings, true);
    return { ...outcome, code: 0 };
  }
  writeFileAtomic(stopRequestPath(context.root, runId), `${isoSeconds(new Date())}\n`);
  await context.io.stderr(`relay run ${runId}: asked runner ${pid} to stop; waiting for its sessions to end\n`);
  // Its sessions get SIGINT, SIGTERM, SIGKILL 10 s apart: well within this.
  const deadline = Date.now() + 2 * (settings.graceMs ?? 10_000) + 60_000;
  while (runnerAlive(context, runId) !== undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
  if (runnerAlive(context, runId) !== undefined) return { code: 1, stderr: `relay run: runner ${pid} of \`${runId}\` has not stopped yet; \`relay run status ${runId}\` shows it\n` };
  return status(context, runId, settings);
}

/** Validates the options into the run's settings. */
function settingsOf(context: CommandContext): RunSettings | Outcome {
  const values = context.values;
  const text = (name: string): string | undefined => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const whole = (name: string, min: number, fallback?: number): number | undefined | Outcome => {
    const given = text(name);
    if (given === undefined) return fallback;
    if (!/^\d+$/.test(given) || Number(given) < min) return usage('run', `Unexpected \`--${name} ${given}\`, expected a whole number from ${min}`);
    return Number(given);
  };
  const money = (name: string): number | undefined | Outcome => {
    const given = text(name);
    if (given === undefined) return undefined;
    const value = Number(given);
    if (!/^\d+(\.\d+)?$/.test(given) || !(value > 0)) return usage('run', `Unexpected \`--${name} ${given}\`, expected an amount in US dollars above 0`);
    return value;
  };
  const role = text('role');
  if (role !== undefined && !(ROLES as readonly string[]).includes(role)) return usage('run', `Unexpected \`--role ${role}\`, expected ${ROLES.map((each) => `\`${each}\``).join(', ')}`);
  const pipeline = text('pipeline');
  const waves = whole('waves', 1);
  if (typeof waves === 'object') return waves;
  const modes = [role !== undefined && waves === undefined, pipeline !== undefined, waves !== undefined].filter(Boolean).length;
  if (modes === 0) return usage('run', 'Missing a mode, expected `--role R`, `--pipeline A,B,C` or `--waves N --per-wave K`');
  if (modes > 1) return usage('run', 'Expected one mode: `--role R`, `--pipeline A,B,C` or `--waves N --per-wave K`');
  let stages: Role[];
  if (pipeline !== undefined) {
    const names = pipeline.split(',').map((name) => name.trim());
    const wrong = names.find((name) => !(ROLES as readonly string[]).includes(name));
    if (wrong !== undefined) return usage('run', `Unexpected stage \`${wrong}\` in \`--pipeline ${pipeline}\`, expected roles among ${ROLES.map((each) => `\`${each}\``).join(', ')}`);
    if (new Set(names).size !== names.length) return usage('run', `Unexpected \`--pipeline ${pipeline}\`: a role appears twice, expected each stage once`);
    stages = names as Role[];
  } else stages = [(role ?? 'planner') as Role];
  const sessions = whole('sessions', 1);
  if (typeof sessions === 'object') return sessions;
  if (sessions !== undefined && values['until-empty']) return usage('run', 'Expected `--until-empty` or `--sessions N`, not both');
  const perWave = whole('per-wave', 1);
  if (typeof perWave === 'object') return perWave;
  if (waves !== undefined && perWave === undefined) return usage('run', 'Missing `--per-wave K` after `--waves N`, expected the sessions of each wave');
  if (waves === undefined && (perWave !== undefined || text('prompt') !== undefined)) return usage('run', '`--per-wave` and `--prompt` belong to `--waves N`');
  if (waves !== undefined && (sessions !== undefined || values['until-empty'])) return usage('run', '`--sessions` and `--until-empty` do not apply to `--waves`');
  const numbers: Record<string, number | undefined | Outcome> = {
    parallel: whole('jobs', 1, defaultParallelism()),
    failFast: whole('fail-fast', 0, 3),
    urlsPerSession: whole('urls-per-session', 1, 1),
    maxTurns: whole('max-turns', 1),
    sessionTimeoutSeconds: whole('session-timeout', 1, 1800),
    retries: whole('retries', 0, 2),
    maxBudgetUsd: money('max-budget-usd'),
    runBudgetUsd: money('run-budget-usd'),
  };
  for (const value of Object.values(numbers)) if (typeof value === 'object') return value;
  const settings: RunSettings = {
    mode: pipeline !== undefined ? 'pipeline' : waves !== undefined ? 'waves' : 'role',
    stages,
    parallel: numbers.parallel as number,
    urlsPerSession: numbers.urlsPerSession as number,
    sessionTimeoutSeconds: numbers.sessionTimeoutSeconds as number,
    retries: numbers.retries as number,
    failFast: numbers.failFast as number,
    allow: Array.isArray(values.allow) ? (values.allow as string[]) : [],
    created: isoSeconds(new Date()),
  };
  for (const key of ['maxTurns', 'maxBudgetUsd', 'runBudgetUsd'] as const) if (numbers[key] !== undefined) settings[key] = numbers[key] as number;
  if (sessions !== undefined) settings.sessions = sessions;
  if (values['env-clean'] === true) settings.envClean = true;
  if (waves !== undefined) {
    // A wave-N session reads every note of wave N−1: that many must fit in its context.
    if ((perWave as number) > MAX_PER_WAVE) return usage('run', `Unexpected \`--per-wave ${perWave}\`, expected at most ${MAX_PER_WAVE}: each session of a wave reads every note of the wave before`);
    settings.waves = waves;
    settings.perWave = perWave as number;
    settings.firstWave = nextWaveNumber(context.root, context.config);
    const promptFile = text('prompt');
    if (promptFile !== undefined) {
      const bytes = readRegularFile(resolve(context.io.cwd, promptFile));
      if (bytes === undefined) return { code: 1, stderr: `relay run: cannot read \`--prompt ${promptFile}\` as a regular file\n` };
      settings.prompt = bytes.toString('utf8');
    }
  }
  const claude = text('claude');
  if (claude !== undefined) settings.claude = isAbsolute(claude) || claude.includes('/') ? resolve(context.io.cwd, claude) : claude;
  const pluginDir = text('plugin-dir');
  if (pluginDir !== undefined) {
    const dir = resolve(context.io.cwd, pluginDir);
    if (!isFolder(dir)) return usage('run', `Unexpected \`--plugin-dir ${pluginDir}\`, expected a folder holding the relay plugin`);
    settings.pluginDir = dir;
  }
  const model = text('model');
  if (model !== undefined) settings.model = model;
  const remote = givenRemote(context) ?? context.config.remote;
  if (remote !== undefined) {
    const checked = remoteContext(context.root, remote);
    if ('ok' in checked) return { code: 1, stderr: `relay run: ${checked.error}\n` };
    // Before anything is written: a mistyped name must not leave a run behind.
    const reached = git(['ls-remote', remote, 'HEAD'], context.root);
    if (reached.code !== 0) return { code: 1, stderr: `relay run: Unexpected \`--remote ${remote}\` that git cannot reach (${reached.stderr.trim().split('\n')[0] || `exit ${reached.code}`}), expected a remote \`git remote\` lists, or a URL or path of a repository\n` };
    // The run ends with a \`relay sync\`: find out now, not after the sessions did their work.
    if (git(['config', '--get', 'merge.relay-queue.driver'], context.root).code !== 0) return { code: 1, stderr: 'relay run: Unexpected clone without the relay merge driver, expected `merge.relay-queue.driver` in its git config (a run with a remote ends with `relay sync`); run `relay init`\n' };
    settings.remote = remote;
  }
  const grace = Number(context.io.env.RELAY_RUN_GRACE_MS);
  // Tests end sessions faster than the 10 s a real session gets between signals.
  if (Number.isInteger(grace) && grace > 0) settings.graceMs = grace;
  return settings;
}

/** What a run would do, touching nothing; exit 1 when claude could not run it. */
async function dryRun(context: CommandContext, settings: RunSettings): Promise<Outcome> {
  const lines = [`relay run --dry-run: nothing is claimed or started`];
  const binary = claudeBinary(settings.claude, context.io.env);
  const found = findExecutable(binary, context.io.env, context.root);
  const checked = found ? await preflight({ binary, root: context.root, role: settings.stages[0]!, ...(settings.pluginDir === undefined ? {} : { pluginDir: settings.pluginDir }), env: context.io.env }) : { problems: [`cannot find the claude binary \`${binary}\`; pass \`--claude PATH\` or set \`RELAY_CLAUDE\``] };
  lines.push(`mode: ${settings.mode === 'waves' ? `waves ${settings.firstWave}…${(settings.firstWave ?? 1) + (settings.waves ?? 1) - 1}, ${settings.perWave} sessions each, role ${settings.stages[0]}` : settings.mode === 'pipeline' ? `pipeline ${settings.stages.join(' → ')}` : `role ${settings.stages[0]}${settings.sessions === undefined ? ', until the queue is empty' : `, ${settings.sessions} sessions`}`}`);
  lines.push(`parallel: ${settings.parallel}; URLs per session: ${settings.urlsPerSession}; retries: ${settings.retries}; session timeout: ${settings.sessionTimeoutSeconds} s${settings.runBudgetUsd === undefined ? '' : `; run budget: $${settings.runBudgetUsd} (estimated)`}`);
  lines.push(`claude: ${binary}${found ? ` (${checked.version ?? 'version unknown'})` : ' (not found)'}${checked.problems.length === 0 ? `; the plugin loads and has \`relay:${settings.stages[0]}\`` : ''}`);
  if (settings.remote !== undefined) lines.push(`claims through remote: ${settings.remote} (the sessions get RELAY_REMOTE=${settings.remote}; the run ends with relay sync)`);
  const session = { root: context.root, runId: 'RUN', role: settings.stages[0]!, agent: `${settings.stages[0]}-TAIL-1`, prompt: 'PROMPT', streamPath: '', sessionId: 'SESSION-UUID', allowedTools: [...SESSION_TOOLS, ...settings.allow] };
  for (const key of ['pluginDir', 'model', 'maxTurns', 'maxBudgetUsd'] as const) if (settings[key] !== undefined) Object.assign(session, { [key]: settings[key] });
  lines.push(`a session: ${[binary, ...sessionArguments(session)].map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`)).join(' ')}`);
  if (settings.mode !== 'waves') {
    const loaded = loadQueues(context.root, context.config);
    if (!loaded.ok) return { code: 1, stderr: `relay run: ${loaded.error}\n` };
    const seen = new Set<string>();
    const free: string[] = [];
    for (const item of loaded.queues.todo.items) {
      if (seen.has(item.key) || loaded.queues.doneKeys.has(item.key) || item.claim !== undefined) continue;
      seen.add(item.key);
      free.push(item.url);
    }
    const cap = settings.sessions === undefined ? free.length : Math.min(free.length, settings.sessions * settings.urlsPerSession);
    lines.push(`pending unclaimed URLs: ${free.length}; first-stage sessions: ${Math.ceil(cap / settings.urlsPerSession)}`);
    for (let index = 0; index < Math.min(cap, settings.parallel * settings.urlsPerSession); index += settings.urlsPerSession) {
      lines.push(`  ${settings.stages[0]}-TAIL-${index / settings.urlsPerSession + 1}: ${free.slice(index, index + settings.urlsPerSession).join(' ')}`);
    }
    if (settings.mode === 'pipeline') lines.push(`hand-offs through: ${settings.stages.slice(1).map((role) => `${role}-TAIL-queue`).join(', ')}`);
  }
  const stderr = checked.problems.map((problem) => `relay run: ${problem}\n`).join('');
  return { code: checked.problems.length === 0 ? 0 : 1, stdout: lines.join('\n') + '\n', stderr };
}

/** Whether `binary` runs: a path that is executable, or a name found on the PATH. */
function findExecutable(binary: string, env: NodeJS.ProcessEnv, cwd: string): boolean {
  const candidates = binary.includes('/') ? [resolve(cwd, binary)] : (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, binary));
  return candidates.some((path) => {
    try {
      accessSync(path, constants.X_OK);
      return statSync(path).isFile();
    } catch {
      return false;
    }
  });
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
