/**
 * The fleet runner (PROTOCOL §6): keeps up to `parallel` sessions going, each launched,
 * judged and recorded by src/run/attempt.ts, until the work is done, the run is stopped, the
 * budget is spent or an auth error stops new launches.
 *
 * Where work waits: fresh URLs in the queue; a pipeline stage's URLs (and a failed session's,
 * for its retry) under the stage's queue agent `<role>-<tail>-queue`, as ordinary claims, so a
 * runner killed with SIGKILL loses nothing and `relay run resume` picks them up. Every session
 * gets its own agent `<role>-<tail>-<n>`, its URLs claimed under it before it starts.
 */
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { debug } from '../debug.js';
import { lint } from '../lint/engine.js';
import type { Config } from '../protocol/config.js';
import { WAVE_DIGEST, waveNumber } from '../protocol/layout.js';
import { currentTime, isoSeconds } from '../state/identity.js';
import { loadQueues } from '../state/queue-files.js';
import { syncRemote } from '../remote/sync.js';
import { finishAttempt, startAttempt, type AttemptOutcome } from './attempt.js';
import { claimWork, releaseClaims, urlKey } from './claim-work.js';
import { isSessionProcess, processStartTicks, sessionProcesses } from './processes.js';
import { duration, Progress, type ProgressCounts } from './progress.js';
import { wavePrompt, workPrompt } from './prompts.js';
import { cleanRunning, readAttempts, readRunning, stopRequestPath, streamPath, writeRunner, type AttemptRecord, type RunningEntry } from './records.js';
import { adoptSession, SESSION_TOOLS, type Role, type SessionHandle } from './session.js';
import { summarize, writeSummary, type RunState, type RunSummary } from './summary.js';
import { waveNotes, writeWaveDigest } from './wave-digest.js';

/** How a run was asked for: `settings.json`, read again by `relay run resume`. */
export interface RunSettings {
  mode: 'role' | 'pipeline' | 'waves';
  /** The role of each stage: one for `--role` and `--waves`, several for `--pipeline`. */
  stages: Role[];
  /** `--sessions N`: at most N sessions with fresh work from the queue (retries not counted). */
  sessions?: number;
  waves?: number;
  perWave?: number;
  /** The first wave this run writes (the one after the highest in discovery/ when it started). */
  firstWave?: number;
  /** `--prompt FILE`'s text, kept so a resumed run asks the same. */
  prompt?: string;
  parallel: number;
  urlsPerSession: number;
  claude?: string;
  pluginDir?: string;
  model?: string;
  maxTurns?: number;
  maxBudgetUsd?: number;
  runBudgetUsd?: number;
  sessionTimeoutSeconds: number;
  retries: number;
  /** Tools the sessions may use without a prompt, besides relay's own commands (`--allow`). */
  allow: string[];
  /** `--env-clean`: sessions inherit only PATH, HOME, LANG, TERM, TMPDIR, ANTHROPIC_*, CLAUDE_CONFIG_DIR, CLAUDE_CODE_*, RELAY_*. */
  envClean?: boolean;
  /** `--fail-fast N`: this many sessions in a row failing quickly for the same reason stop new launches (0: never; default 3). */
  failFast?: number;
  /**
   * The git remote claims go through (`--remote NAME`, `RELAY_REMOTE` or the config's
   * `"remote"`; PROTOCOL §7): the runner's claims, its sessions' (`RELAY_REMOTE`), and one
   * `relay sync` at the end. Undefined: claims in this clone only.
   */
  remote?: string;
  /** Between SIGINT, SIGTERM and SIGKILL of a session being ended (default 10 s). */
  graceMs?: number;
  /** The run's start. */
  created: string;
}

/** What `runFleet` needs. */
export interface FleetOptions {
  root: string;
  config: Config;
  runId: string;
  settings: RunSettings;
  env: NodeJS.ProcessEnv;
  progress: Progress;
  /** Aborting it stops the run as `relay run stop` does (the CLI wires SIGINT and SIGTERM to it). */
  signal?: AbortSignal;
  /** How often the runner looks at its sessions' streams and the stop request (default 250 ms). */
  tickMs?: number;
}

/** How a run ended. */
export interface FleetResult {
  state: RunState;
  reason?: string;
  summary: RunSummary;
}

/** A session of this run that has not been recorded yet. */
interface Live {
  entry: RunningEntry;
  handle: SessionHandle;
  stageIndex: number;
  stream: string;
  offset: number;
  partial: string;
  initSeen: boolean;
}

/** What the next launch would be. */
type Next =
  | { kind: 'launch'; stageIndex: number; agent: string; urls: string[]; attempt: number; wave?: number; slot?: number }
  | { kind: 'wait' }
  | { kind: 'none' }
  | { kind: 'halt'; state: RunState; reason: string };

/** A launch waits at most this long for the session before it to print its init event. */
const STAGGER_MAX_MS = 10_000;
/** After an `api_retry` event, parallelism stays lowered this long. */
const THROTTLE_MS = 60_000;
/** A failure this soon after the start counts toward `--fail-fast`: a setup that cannot work fails in seconds. */
const QUICK_FAILURE_MS = 30_000;

/** The tail of a run id the run's agent ids carry (its random part). */
export function runTail(runId: string): string {
  return runId.slice(-6);
}

/** The agent a stage's waiting work is held under. */
export function queueAgent(runId: string, role: string): string {
  return `${role}-${runTail(runId)}-queue`;
}

/** Runs (or, with records already there, resumes) a run to its end. */
export async function runFleet(options: FleetOptions): Promise<FleetResult> {
  return new Fleet(options).run();
}

class Fleet {
  private readonly settings: RunSettings;
  private readonly live = new Map<string, Live>();
  /** Failed attempts per stage and URL key. */
  private readonly failures = new Map<string, number>();
  /** URL keys given up after their retries. */
  private readonly exhausted = new Set<string>();
  private agentCounter = 0;
  private freshLaunched = 0;
  private cost = 0;
  private succeeded = 0;
  private failed = 0;
  private finishedMs = 0;
  private limit: number;
  private throttleUntil = 0;
  private stopping: string | undefined;
  private halted: { state: RunState; reason: string } | undefined;
  private lastLaunch: Live | undefined;
  private lastLaunchAt = 0;
  /** Whether a session of this run had an answer from the model; until then sessions start one at a time. */
  private proven = false;
  /** The reason the latest failures in a row share, and how many quick ones there were. */
  private streak = { cause: '', count: 0 };
  private left: number | undefined;
  private wake: () => void = () => {};
  private readonly started = Date.now();
  // Waves: the wave being run and its slots.
  private wave = 0;
  private slots = new Map<number, { attempts: number; state: 'pending' | 'running' | 'succeeded' | 'failed' }>();
  /** The wave the digest was last written for. */
  private digested = 0;

  constructor(private readonly options: FleetOptions) {
    this.settings = options.settings;
    this.limit = this.settings.parallel;
  }

  async run(): Promise<FleetResult> {
    const { root, runId, signal } = this.options;
    writeRunner(root, runId, { pid: process.pid, start_ticks: processStartTicks(process.pid), started: isoSeconds(new Date()) });
    // Adopted first, so a stop asked before the start (`relay run stop` with no runner) reaches them.
    this.restore();
    const onAbort = (): void => this.requestStop(typeof signal?.reason === 'string' ? signal.reason : 'interrupted');
    signal?.addEventListener('abort', onAbort);
    if (signal?.aborted) onAbort();
    this.updateLeft();
    const tick = this.options.tickMs ?? 250;
    let statusAt = 0;
    for (;;) {
      if (this.stopping === undefined && existsSync(stopRequestPath(root, runId))) this.requestStop('`relay run stop`');
      this.watchStreams();
      let none = false;
      while (this.stopping === undefined && this.halted === undefined && this.canLaunch()) {
        const next = await this.next();
        if (next.kind === 'launch') this.launch(next);
        else {
          if (next.kind === 'halt') this.halt(next.state, next.reason);
          none = next.kind === 'none';
          break;
        }
      }
      if (this.live.size === 0 && (this.stopping !== undefined || this.halted !== undefined || none)) break;
      if (Date.now() - statusAt >= 1000) {
        statusAt = Date.now();
        this.options.progress.status(this.counts());
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, tick);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    signal?.removeEventListener('abort', onAbort);
    return this.finish();
  }

  /** Stops launching and ends every session (interrupt, terminate, kill); their claims go back to the queue. */
  requestStop(why: string): void {
    if (this.stopping !== undefined) return;
    this.stopping = why;
    this.options.progress.event(`relay run: stopping (${why}): ending ${this.live.size} session${this.live.size === 1 ? '' : 's'}`);
    for (const live of this.live.values()) live.handle.stop();
    this.wake();
  }

  private halt(state: RunState, reason: string): void {
    if (this.halted !== undefined) return;
    this.halted = { state, reason };
    this.options.progress.event(`relay run: no more launches: ${reason}`);
  }

  /** Rebuilds the counters from the records, and adopts the sessions a killed runner left. */
  private restore(): void {
    const { root, runId } = this.options;
    const attempts = readAttempts(root, runId);
    for (const attempt of attempts) this.count(attempt);
    const running = readRunning(root, runId);
    for (const entry of [...attempts, ...running]) {
      const n = Number(/-(\d+)$/.exec(entry.agent)?.[1] ?? 0);
      if (n > this.agentCounter) this.agentCounter = n;
      if (entry.attempt === 1 && (entry.stage === undefined || entry.stage === this.settings.stages[0]) && entry.wave === undefined) this.freshLaunched++;
    }
    if (this.settings.mode === 'waves') this.restoreWaves(attempts, running);
    cleanRunning(root, runId);
    for (const entry of running) {
      if (!isSessionProcess(entry.pid, entry.session_id)) {
        // pid 0: the runner was killed between the launch and the second write of the entry;
        // the session may run all the same, found by its id on its command line.
        const cli = sessionProcesses(entry.session_id).find((pid) => isSessionProcess(pid, entry.session_id));
        if (cli !== undefined) entry.pid = cli;
      }
      const handle = adoptSession({ sessionId: entry.session_id, pid: entry.pid, started: new Date(entry.start), timeoutMs: this.settings.sessionTimeoutSeconds * 1000, graceMs: this.settings.graceMs });
      this.options.progress.event(`relay run: adopted ${entry.agent} (session ${entry.session_id}, pid ${entry.pid})`);
      this.track(entry, handle, Math.max(0, this.settings.stages.indexOf(entry.role as Role)));
    }
    if (attempts.length + running.length > 0) this.releaseStrays(running);
  }

  /** Claims held by this run's session agents that are neither running nor recorded (a runner killed between a claim and a launch). */
  private releaseStrays(running: RunningEntry[]): void {
    const { root, config, runId } = this.options;
    const loaded = loadQueues(root, config);
    if (!loaded.ok) return;
    const mine = new RegExp(`-${runTail(runId)}-\\d+$`);
    const alive = new Set(running.map((entry) => entry.agent));
    const strays = new Set<string>();
    for (const item of loaded.queues.todo.items) if (item.claim && mine.test(item.claim.agent) && !alive.has(item.claim.agent)) strays.add(item.claim.agent);
    for (const agent of strays) {
      const released = releaseClaims(root, config, { agent, remote: this.settings.remote });
      if (released.ok && released.urls.length > 0) this.options.progress.event(`relay run: released ${released.urls.length} claim(s) of ${agent}, which never started`);
      else if (!released.ok) this.options.progress.event(`relay run: cannot release the claims of ${agent}, which never started: ${released.error}`);
    }
  }

  private restoreWaves(attempts: AttemptRecord[], running: RunningEntry[]): void {
    this.wave = this.settings.firstWave ?? 1;
    for (;;) {
      this.resetSlots();
      for (const attempt of attempts) if (attempt.wave === this.wave && attempt.slot !== undefined) this.slotEnded(attempt.slot, attempt.status === 'succeeded');
      for (const entry of running) if (entry.wave === this.wave && entry.slot !== undefined) this.slots.get(entry.slot)!.state = 'running';
      const later = attempts.some((attempt) => (attempt.wave ?? 0) > this.wave) || running.some((entry) => (entry.wave ?? 0) > this.wave);
      if (!later) return;
      this.wave++;
    }
  }

  private resetSlots(): void {
    this.slots = new Map();
    for (let slot = 1; slot <= (this.settings.perWave ?? 1); slot++) this.slots.set(slot, { attempts: 0, state: 'pending' });
  }

  private slotEnded(slot: number, ok: boolean): void {
    const state = this.slots.get(slot);
    if (state === undefined) return;
    state.attempts++;
    state.state = ok ? 'succeeded' : state.attempts > this.settings.retries ? 'failed' : 'pending';
  }

  /** Adds an ended attempt to the counters. */
  private count(attempt: AttemptRecord): void {
    this.cost += attempt.cost_usd ?? 0;
    this.finishedMs += Math.max(0, Date.parse(attempt.end) - Date.parse(attempt.start));
    if (attempt.status === 'succeeded') {
      this.succeeded++;
      this.proven = true;
      return;
    }
    this.failed++;
    const stage = attempt.stage ?? attempt.role;
    for (const url of attempt.assigned ?? []) {
      const key = `${stage}\n${urlKey(url)}`;
      const failures = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, failures);
      if (failures > this.settings.retries) this.exhausted.add(urlKey(url));
    }
  }

  private canLaunch(): boolean {
    const now = Date.now();
    if (this.throttleUntil !== 0 && now >= this.throttleUntil) {
      this.throttleUntil = 0;
      this.limit = this.settings.parallel;
      this.options.progress.event(`relay run: parallelism back to ${this.limit}`);
    }
    if (this.live.size >= this.limit) return false;
    const budget = this.settings.runBudgetUsd;
    if (budget !== undefined && this.cost >= budget) {
      this.halt('stopped', `the run budget of $${budget} is reached ($${this.cost.toFixed(4)}, an estimate from Claude Code's total_cost_usd)`);
      return false;
    }
    // Stagger: sessions start slowly on a small machine; wait for the last one's init event. Until
    // the model answered a session of the run, wait for the last one to answer or end: a setup
    // that cannot work (not logged in, no agent) then fails one session, not one per slot.
    const last = this.lastLaunch;
    if (last !== undefined && this.live.has(last.entry.session_id) && !(last.initSeen && this.proven) && now - this.lastLaunchAt < STAGGER_MAX_MS) return false;
    return true;
  }

  /** The next launch, claiming its URLs (role and pipeline) or taking a wave slot. */
  private async next(): Promise<Next> {
    if (this.settings.mode === 'waves') return this.nextWave();
    const { root, config, runId } = this.options;
    const stages = this.settings.stages;
    // A stage starts on a URL only once the session before it has ended and been judged (it
    // may hand a URL on and still fail): URLs of sessions still running are not given out.
    const exclude = new Set(this.exhausted);
    for (const live of this.live.values()) for (const url of live.entry.assigned) exclude.add(urlKey(url));
    // Later stages first: a URL half through the pipeline is finished before new ones start.
    for (let stageIndex = stages.length - 1; stageIndex >= 0; stageIndex--) {
      const agent = this.newAgent(stages[stageIndex]!);
      const from = queueAgent(runId, stages[stageIndex]!);
      const fromQueue = claimWork(root, config, { agent, count: this.settings.urlsPerSession, from, exclude, now: currentTime(this.options.env), remote: this.settings.remote, run: runId });
      if (!fromQueue.ok) return { kind: 'halt', state: 'failed', reason: `cannot hand work to a session: ${fromQueue.error}` };
      if (fromQueue.urls.length > 0) return this.launchOf(stageIndex, agent, fromQueue.urls);
      this.agentCounter--;
    }
    if (this.settings.sessions !== undefined && this.freshLaunched >= this.settings.sessions) return this.live.size > 0 ? { kind: 'wait' } : { kind: 'none' };
    const agent = this.newAgent(stages[0]!);
    const fresh = claimWork(root, config, { agent, count: this.settings.urlsPerSession, exclude: this.exhausted, now: currentTime(this.options.env), remote: this.settings.remote, run: runId });
    if (!fresh.ok) return { kind: 'halt', state: 'failed', reason: `cannot claim work: ${fresh.error}` };
    if (fresh.urls.length === 0) {
      this.agentCounter--;
      return this.live.size > 0 ? { kind: 'wait' } : { kind: 'none' };
    }
    this.freshLaunched++;
    return this.launchOf(0, agent, fresh.urls);
  }

  private launchOf(stageIndex: number, agent: string, urls: string[]): Next {
    const stage = this.settings.stages[stageIndex]!;
    const attempt = 1 + Math.max(0, ...urls.map((url) => this.failures.get(`${stage}\n${urlKey(url)}`) ?? 0));
    return { kind: 'launch', stageIndex, agent, urls, attempt };
  }

  private async nextWave(): Promise<Next> {
    const last = (this.settings.firstWave ?? 1) + (this.settings.waves ?? 1) - 1;
    if (this.wave === 0) {
      this.wave = this.settings.firstWave ?? 1;
      this.resetSlots();
    }
    while (this.wave <= last) {
      for (const [slot, state] of this.slots) {
        if (state.state === 'pending') return { kind: 'launch', stageIndex: 0, agent: this.newAgent(this.settings.stages[0]!), urls: [], attempt: state.attempts + 1, wave: this.wave, slot };
      }
      if ([...this.slots.values()].some((state) => state.state === 'running')) return { kind: 'wait' };
      // Every session of the wave has ended: the wave must lint clean before the next starts.
      const gate = await this.waveGate(this.wave);
      if (gate !== undefined) return { kind: 'halt', state: 'failed', reason: gate };
      this.options.progress.event(`relay run: wave ${this.wave} lints clean`);
      this.wave++;
      this.resetSlots();
      this.updateLeft();
    }
    return { kind: 'none' };
  }

  /** Why wave `wave` does not let the next one start, or undefined when it lints clean. */
  private async waveGate(wave: number): Promise<string | undefined> {
    const { root, config } = this.options;
    const folder = `${config.layout.discovery}/wave-${wave}`;
    if (waveNotes(root, config, wave).length === 0) return `wave ${wave} wrote no notes in \`${folder}/\`, expected at least one before wave ${wave + 1}`;
    const outcome = await lint({ root, config, targets: [folder] });
    const errors = outcome.results.reduce((sum, file) => sum + file.errorCount, 0);
    if (errors === 0) return undefined;
    const files = outcome.results.filter((file) => file.errorCount > 0).map((file) => file.filePath);
    return `\`${folder}/\` has ${errors === 1 ? 'a protocol-lint error' : `${errors} protocol-lint errors`} (\`${files.slice(0, 3).join('`, `')}\`); fix them, then \`relay run resume ${this.options.runId}\``;
  }

  private newAgent(role: string): string {
    return `${role}-${runTail(this.options.runId)}-${++this.agentCounter}`;
  }

  private launch(next: Extract<Next, { kind: 'launch' }>): void {
    const { root, config, runId, env } = this.options;
    const settings = this.settings;
    const stages = settings.stages;
    const role = stages[next.stageIndex]!;
    const pipeline = settings.mode === 'pipeline';
    const handOnTo = pipeline && next.stageIndex < stages.length - 1 ? queueAgent(runId, stages[next.stageIndex + 1]!) : undefined;
    let prompt: string;
    if (next.wave !== undefined) {
      // The digest of the waves before the last is rewritten once per wave, before its first session.
      if (next.wave > 2 && this.digested !== next.wave) {
        writeWaveDigest(root, config, next.wave - 2);
        this.digested = next.wave;
      }
      const options: Parameters<typeof wavePrompt>[0] = { runId, role, agent: next.agent, wave: next.wave, slot: next.slot!, perWave: settings.perWave ?? 1, discovery: config.layout.discovery, text: settings.prompt ?? '', notes: waveNotes(root, config, next.wave - 1) };
      if (next.wave > 2) options.digest = `${config.layout.discovery}/${WAVE_DIGEST}`;
      prompt = wavePrompt(options);
      this.slots.get(next.slot!)!.state = 'running';
    } else {
      const options: Parameters<typeof workPrompt>[0] = { runId, role, agent: next.agent, urls: next.urls };
      if (pipeline) Object.assign(options, { stages, stage: next.stageIndex });
      if (handOnTo !== undefined) options.handOnTo = handOnTo;
      prompt = workPrompt(options);
    }
    const attemptOptions: Parameters<typeof startAttempt>[0] = {
      root,
      config,
      runId,
      role,
      agent: next.agent,
      prompt,
      env,
      attempt: next.attempt,
      assigned: next.urls,
      allowedTools: [...SESSION_TOOLS, ...settings.allow],
      timeoutMs: settings.sessionTimeoutSeconds * 1000,
    };
    for (const [key, value] of Object.entries({ claude: settings.claude, pluginDir: settings.pluginDir, model: settings.model, maxTurns: settings.maxTurns, maxBudgetUsd: settings.maxBudgetUsd, graceMs: settings.graceMs, envClean: settings.envClean, wave: next.wave, slot: next.slot, handOnTo, remote: settings.remote })) {
      if (value !== undefined) (attemptOptions as unknown as Record<string, unknown>)[key] = value;
    }
    if (pipeline) attemptOptions.stage = role;
    if (next.wave === undefined) attemptOptions.returnTo = queueAgent(runId, role);
    const { entry, handle } = startAttempt(attemptOptions);
    const what = next.wave !== undefined ? `wave ${next.wave}, session ${next.slot}` : next.urls.join(' ');
    this.options.progress.event(`relay run: launched ${next.agent} (session ${entry.session_id}${next.attempt > 1 ? `, attempt ${next.attempt}` : ''}): ${what}`);
    const live = this.track(entry, handle, next.stageIndex);
    this.lastLaunch = live;
    this.lastLaunchAt = Date.now();
    this.updateLeft();
  }

  /** Follows a session to its record. */
  private track(entry: RunningEntry, handle: SessionHandle, stageIndex: number): Live {
    const { root, config, runId, env } = this.options;
    const live: Live = { entry, handle, stageIndex, stream: streamPath(root, runId, entry.session_id), offset: 0, partial: '', initSeen: false };
    this.live.set(entry.session_id, live);
    void handle.exited
      .then(() => {
        // A failed session's claims wait for its retry under the stage's queue agent; when the
        // run stops, or for a wave (which has no URLs), they go back to the queue.
        const returnTo = this.stopping === undefined && entry.wave === undefined ? queueAgent(runId, entry.role) : undefined;
        return finishAttempt(entry, handle, { root, config, runId, returnTo, remote: this.settings.remote, env });
      })
      .then(
        (outcome) => this.ended(live, outcome),
        (error: unknown) => {
          // A record that cannot be written (a full disk): say so; the session stays under running/ for a resume.
          this.live.delete(entry.session_id);
          this.halt('failed', `cannot record session ${entry.session_id}: ${String((error as Error)?.message ?? error)}`);
          this.wake();
        },
      );
    return live;
  }

  private ended(live: Live, outcome: AttemptOutcome): void {
    const { record } = outcome;
    this.live.delete(record.session_id);
    this.watchStream(live);
    this.count(record);
    const took = duration(Date.parse(record.end) - Date.parse(record.start));
    const cost = record.cost_usd === null ? '' : `, $${record.cost_usd.toFixed(4)}`;
    const turns = record.turns === null ? '' : `, ${record.turns} turns`;
    if (record.status === 'succeeded') {
      const urls = record.urls.length > 0 ? `: ${record.urls.join(' ')} ${record.stage !== undefined && record.stage !== this.settings.stages.at(-1) ? 'handed on' : 'done'}` : '';
      const extra = record.unassigned?.length ? `; not given to it: ${record.unassigned.join(' ')}` : '';
      this.options.progress.event(`relay run: succeeded ${record.agent} in ${took}${cost}${turns}${urls}${extra}`);
      this.streak = { cause: '', count: 0 };
      if (record.wave !== undefined && record.slot !== undefined && record.wave === this.wave) this.slotEnded(record.slot, true);
    } else {
      let next = '';
      if (record.wave !== undefined && record.slot !== undefined) {
        if (record.wave === this.wave) this.slotEnded(record.slot, false);
        const state = this.slots.get(record.slot)?.state;
        next = this.stopping !== undefined ? '' : state === 'pending' ? '; it will be retried' : `; given up after ${record.attempt} attempts`;
      } else if (record.assigned.length > 0 && this.stopping === undefined) {
        const givenUp = record.assigned.filter((url) => this.exhausted.has(urlKey(url)));
        if (givenUp.length > 0) this.giveUp(record.role, givenUp);
        next = givenUp.length === record.assigned.length ? `; given up after ${record.attempt} attempts` : '; its URLs wait for a retry';
      }
      this.options.progress.event(`relay run: failed ${record.agent} (attempt ${record.attempt}) in ${took}${cost}: ${record.reason ?? 'no reason recorded'}${next} (stream \`${live.stream}\`, stderr \`${live.stream}.stderr\`)`);
      this.failedFast(record, outcome.verdict);
    }
    this.updateLeft();
    this.wake();
  }

  /**
   * Stops new launches when no retry can help: a reason that says so (not logged in, no such
   * agent or option, API 401/403, no binary), or `--fail-fast` sessions in a row failing within
   * seconds of their start for the same reason.
   */
  private failedFast(record: AttemptRecord, verdict: AttemptOutcome['verdict']): void {
    const said = verdict.said ?? verdict.reasons[0] ?? 'no reason recorded';
    if (verdict.fatal !== undefined) {
      this.halt('failed', `${record.agent} failed for a reason no retry fixes: ${verdict.fatal}`);
      return;
    }
    // Reasons differ in the values they quote (agent, URL), not in what went wrong.
    const cause = said.replace(/`[^`]*`/g, '`…`');
    const quick = Date.parse(record.end) - Date.parse(record.start) < QUICK_FAILURE_MS;
    this.streak = !quick ? { cause: '', count: 0 } : { cause, count: cause === this.streak.cause ? this.streak.count + 1 : 1 };
    const limit = this.settings.failFast ?? 3;
    if (limit > 0 && this.streak.count >= limit) this.halt('failed', `${this.streak.count} sessions in a row failed within ${QUICK_FAILURE_MS / 1000}s for the same reason: ${said}`);
  }

  /** URLs that failed every attempt: back to the queue, and not given out again by this run. */
  private giveUp(role: string, urls: string[]): void {
    const { root, config, runId } = this.options;
    const released = releaseClaims(root, config, { urls, agent: queueAgent(runId, role), remote: this.settings.remote });
    if (!released.ok) this.options.progress.event(`relay run: cannot give back ${urls.join(' ')}: ${released.error}`);
  }

  /** Reads what each session's stream printed since the last look: init events, api_retry events. */
  private watchStreams(): void {
    for (const live of this.live.values()) this.watchStream(live);
  }

  private watchStream(live: Live): void {
    let text: string;
    let fd: number | undefined;
    try {
      // Only the bytes written since the last look: a stream grows to megabytes.
      fd = openSync(live.stream, 'r');
      const size = fstatSync(fd).size;
      if (size <= live.offset) return;
      const buffer = Buffer.alloc(Math.min(size - live.offset, 4 * 1024 * 1024));
      const read = readSync(fd, buffer, 0, buffer.length, live.offset);
      live.offset += read;
      text = live.partial + buffer.subarray(0, read).toString('utf8');
    } catch {
      return;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    const lines = text.split('\n');
    // The last piece is a line still being written; keep a bounded part of it.
    live.partial = (lines.pop() ?? '').slice(0, 65_536);
    for (const line of lines) {
      if (!live.initSeen && line.includes('"init"')) live.initSeen = true;
      // The model answered (an assistant event that is not an API error): claude, its login and the agent work.
      if (!this.proven && line.includes('"type":"assistant"') && !line.includes('"error":')) this.proven = true;
      if (!line.includes('"api_retry"')) continue;
      let event: { subtype?: string; error_status?: number | null };
      try {
        event = JSON.parse(line) as typeof event;
      } catch {
        continue;
      }
      if (event.subtype === 'api_retry') this.apiRetry(live, event.error_status ?? null);
    }
  }

  private apiRetry(live: Live, status: number | null): void {
    if (status === 401 || status === 403) {
      this.halt('failed', `an authentication error (API ${status}) in ${live.entry.agent}: new launches stopped`);
      return;
    }
    const lowered = Math.max(1, Math.floor(Math.min(this.limit, Math.max(1, this.live.size)) / 2));
    this.throttleUntil = Date.now() + THROTTLE_MS;
    if (lowered < this.limit) {
      this.limit = lowered;
      this.options.progress.event(`relay run: the API asks to slow down (${status ?? 'no status'}) in ${live.entry.agent}: parallelism ${lowered} for ${THROTTLE_MS / 1000}s`);
    }
    debug('run', `api_retry ${status} in ${live.entry.session_id}; limit ${this.limit}`);
  }

  /** Work not started yet: pending URLs not given up and the stages' waiting URLs, or wave sessions. */
  private updateLeft(): void {
    if (this.settings.mode === 'waves') {
      const last = (this.settings.firstWave ?? 1) + (this.settings.waves ?? 1) - 1;
      const pending = [...this.slots.values()].filter((slot) => slot.state === 'pending').length;
      this.left = pending + Math.max(0, last - Math.max(this.wave, this.settings.firstWave ?? 1)) * (this.settings.perWave ?? 1);
      return;
    }
    const loaded = loadQueues(this.options.root, this.options.config);
    if (!loaded.ok) return;
    const queues = new Set(this.settings.stages.map((role) => queueAgent(this.options.runId, role)));
    const seen = new Set<string>();
    let left = 0;
    for (const item of loaded.queues.todo.items) {
      if (seen.has(item.key) || loaded.queues.doneKeys.has(item.key) || this.exhausted.has(item.key)) continue;
      seen.add(item.key);
      if (item.claim === undefined || queues.has(item.claim.agent)) left++;
    }
    this.left = left;
  }

  private counts(): ProgressCounts {
    const elapsedMs = Date.now() - this.started;
    const counts: ProgressCounts = { running: this.live.size, succeeded: this.succeeded, failed: this.failed, costUsd: this.cost, elapsedMs };
    if (this.left !== undefined) {
      counts.left = this.left;
      const ended = this.succeeded + this.failed;
      if (ended > 0 && this.left >= 0) {
        // Rough: the average session's length, times the sessions left, shared by the slots.
        const perSession = this.finishedMs / ended;
        const sessionsLeft = this.settings.mode === 'waves' ? this.left : Math.ceil(this.left / this.settings.urlsPerSession) * this.settings.stages.length;
        counts.etaMs = (perSession * (sessionsLeft + this.live.size / 2)) / this.settings.parallel;
      }
    }
    return counts;
  }

  private finish(): FleetResult {
    const { root, config, runId } = this.options;
    // Work still waiting under a stage's queue agent goes back to the queue: no claim outlives the run.
    for (const role of new Set(this.settings.stages)) {
      const released = releaseClaims(root, config, { agent: queueAgent(runId, role), remote: this.settings.remote });
      if (released.ok && released.urls.length > 0) this.options.progress.event(`relay run: gave back ${released.urls.length} URL(s) waiting for the ${role} stage`);
      else if (!released.ok) this.options.progress.event(`relay run: cannot give back the URLs waiting for the ${role} stage: ${released.error}`);
    }
    rmSync(stopRequestPath(root, runId), { force: true });
    let state: RunState = 'finished';
    let reason: string | undefined;
    if (this.stopping !== undefined) {
      state = 'stopped';
      reason = this.stopping;
    } else if (this.halted !== undefined) {
      ({ state, reason } = this.halted);
    } else if (this.exhausted.size > 0) {
      state = 'failed';
      reason = `${this.exhausted.size} URL(s) failed ${this.settings.retries + 1} time(s) and were given back to the queue`;
    } else if ([...this.slots.values()].some((slot) => slot.state === 'failed')) {
      state = 'failed';
      reason = 'a wave session failed every attempt';
    }
    const synced = this.syncAtEnd();
    if (synced !== undefined) {
      // The sessions' work is done here but not shared: the run has not finished its work.
      if (state === 'finished') state = 'failed';
      reason = reason === undefined ? synced : `${reason}; ${synced}`;
    }
    const finalStage = this.settings.mode === 'pipeline' ? this.settings.stages.at(-1) : undefined;
    const summary = summarize(root, runId, finalStage);
    const file: Parameters<typeof writeSummary>[2] = { ...summary, state, started: this.settings.created, ended: isoSeconds(new Date()) };
    if (reason !== undefined) file.reason = reason;
    writeSummary(root, runId, file);
    this.options.progress.end();
    const result: FleetResult = { state, summary };
    if (reason !== undefined) result.reason = reason;
    return result;
  }

  /**
   * With a remote, one `relay sync` once every session has ended: the completions land on the
   * remote's branch and their claim refs are removed, so the other machines' runners see the
   * work as done. Returns why it failed (and what to run), or undefined.
   */
  private syncAtEnd(): string | undefined {
    const { root, config, runId } = this.options;
    const remote = this.settings.remote;
    if (remote === undefined) return undefined;
    const synced = syncRemote(root, config, { remote, agent: syncAgent(runId) });
    if (!synced.ok) {
      this.options.progress.event(`relay run: cannot sync with ${remote}: ${synced.error}`);
      return `its work is not on remote \`${remote}\` yet (\`relay sync\` failed: ${synced.error}); run \`relay sync --remote ${remote}\` after the fix`;
    }
    const what = synced.pushes > 0 ? `pushed to ${remote}/${synced.branch}` : `${remote}/${synced.branch} was up to date`;
    this.options.progress.event(`relay run: synced: ${what}${synced.released > 0 ? `, ${synced.released} claim ref(s) removed` : ''}`);
    return undefined;
  }
}

/** The agent named in the commit of the run's closing `relay sync`. */
export function syncAgent(runId: string): string {
  return `runner-${runTail(runId)}`;
}

/** The first wave a new run writes: one past the highest `wave-N/` in the discovery folder. */
export function nextWaveNumber(root: string, config: Config): number {
  let highest = 0;
  try {
    for (const name of readdirSync(join(root, config.layout.discovery))) {
      const wave = waveNumber(name);
      if (wave !== undefined && wave > highest) highest = wave;
    }
  } catch {
    // No discovery folder yet: wave 1.
  }
  return highest + 1;
}
