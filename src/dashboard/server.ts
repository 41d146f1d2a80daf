/**
 * `relay dashboard`'s server: one page on 127.0.0.1, its state as JSON, and server-sent events
 * that push the state when the files change. It answers GET only, and only to a request whose
 * Host is this address (a web page elsewhere cannot reach it through a rebound DNS name).
 *
 * The state is kept between requests, so a page load costs no file reads: the files are read
 * when the watched folders change (fs.watch, debounced), on a slow tick (claims age, sessions
 * end), and at start. protocol-lint runs as a child process, one at a time, on its own slower
 * cadence: a lint of a fleet-sized tree takes seconds, and this process keeps answering with
 * the last result (and its age) meanwhile. A panel that fails keeps its last good data and
 * says since when it is stale. The event streams are capped in number and in unsent bytes per
 * page, so pages that never read cannot grow this process or starve the others.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { debug, reason } from '../debug.js';
import type { Config } from '../protocol/config.js';
import { outsideRootReason } from '../protocol/inside-root.js';
import { runsDirectory } from '../run/records.js';
import { renderPage, scriptSafeJson } from './page.js';
import {
  claimsPanel,
  fitBudget,
  lessonsPanel,
  PANEL_BUDGETS,
  lintPanel,
  PanelCache,
  type LintResult,
  queuePanel,
  readQueues,
  runningSessionIds,
  runsPanel,
  verdictsPanel,
  wavesPanel,
  type AttemptLine,
  type PanelInput,
} from './panels.js';

/** The only interface the dashboard listens on. */
export const DASHBOARD_HOST = '127.0.0.1';
/** The default port. */
export const DEFAULT_PORT = 6420;
/** The most pages following the live stream at once; the next is answered 503 (its page retries later). */
export const MAX_STREAMS = 32;
/** The most bytes a page may leave unread on its stream; past it the page is dropped (it reconnects and gets the latest state). */
export const MAX_UNSENT_BYTES = 1024 * 1024;
/** The most bytes of protocol-lint's JSON read; a bigger answer leaves the lint panel stale. */
const LINT_OUTPUT_BYTES = 64 * 1024 * 1024;

/**
 * The protocol-lint the dashboard runs: the bundle beside relay's (dist/protocol-lint.mjs),
 * or the checkout's built one when relay runs from its sources.
 */
export function protocolLintEntry(): string {
  const self = fileURLToPath(import.meta.url);
  return self.endsWith('.ts') ? resolve(dirname(self), '../../dist/protocol-lint.mjs') : join(dirname(self), 'protocol-lint.mjs');
}

/** What {@link startDashboard} needs. */
export interface DashboardOptions {
  root: string;
  config: Config;
  /** 0 picks a free port. */
  port: number;
  ttlHours: number;
  version: string;
  /** The clock (tests). */
  now?: () => Date;
  /** How long after a change the files are read again (default 250 ms). */
  debounceMs?: number;
  /** How often the state is read again with no change seen, for ages and live sessions (default 10 s). */
  tickMs?: number;
  /** The least time between two lints (default 3 s; at least three times the last lint's duration). */
  lintIntervalMs?: number;
}

/** A running dashboard. */
export interface Dashboard {
  url: string;
  port: number;
  /** Stops watching, ends the event streams and closes the server. */
  close(): Promise<void>;
}

/** The panels in the order the page shows them. */
const PANELS = ['queue', 'claims', 'runs', 'waves', 'verdicts', 'lessons', 'lint'] as const;
type PanelId = (typeof PANELS)[number];

/** A panel's state on the page: its data, and since when it is stale and why. */
interface PanelState {
  data?: unknown;
  /** When its data last changed. */
  updated?: string;
  stale?: { since: string; error: string };
}

/** Starts the dashboard; a port in use or refused is an error message, not a throw. */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard | { error: string }> {
  const dashboard = new DashboardServer(options);
  return dashboard.start();
}

class DashboardServer {
  private readonly now: () => Date;
  private readonly cache = new PanelCache();
  private readonly panels = new Map<PanelId, PanelState>();
  private readonly panelJson = new Map<PanelId, string>();
  private readonly clients = new Set<ServerResponse>();
  /** The Host headers this address is reached by: with the port, and without it on port 80 (browsers leave the default port out). */
  private readonly hosts = new Set<string>();
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly runsFolder: string | undefined;
  private server: Server | undefined;
  private port = 0;
  private revision = 0;
  private snapshotJson = '';
  private attempts: AttemptLine[] = [];
  private refreshTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private lintTimer: NodeJS.Timeout | undefined;
  private lintChild: ChildProcess | undefined;
  private linting = false;
  private lintAgain = false;
  private lastLintEnd = 0;
  private lastLintDuration = 0;
  private lastRefreshDuration = 0;
  private closed = false;

  constructor(private readonly options: DashboardOptions) {
    this.now = options.now ?? (() => new Date());
    for (const id of PANELS) this.panels.set(id, {});
    // Asked once: finding the git common dir may ask git, and a refresh spawns nothing.
    try {
      this.runsFolder = runsDirectory(options.root);
    } catch (error) {
      debug('dashboard', `no run records folder: ${reason(error)}`);
    }
  }

  async start(): Promise<Dashboard | { error: string }> {
    this.refresh();
    const server = createServer((request, response) => this.handle(request, response));
    const listening = await new Promise<string | undefined>((resolve) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EADDRINUSE') resolve(`port ${this.options.port} is in use; pick another with \`--port\``);
        else if (error.code === 'EACCES') resolve(`port ${this.options.port} is refused to this user; pick one above 1023 with \`--port\``);
        else resolve(`cannot listen on ${DASHBOARD_HOST}:${this.options.port}: ${error.message}`);
      });
      server.listen({ host: DASHBOARD_HOST, port: this.options.port }, () => resolve(undefined));
    });
    if (listening !== undefined) {
      this.stopTimers();
      return { error: listening };
    }
    this.server = server;
    const address = server.address();
    this.port = typeof address === 'object' && address !== null ? address.port : this.options.port;
    for (const name of [DASHBOARD_HOST, 'localhost']) {
      this.hosts.add(`${name}:${this.port}`);
      if (this.port === 80) this.hosts.add(name);
    }
    this.tickTimer = setInterval(() => this.scheduleRefresh(), this.options.tickMs ?? 10_000);
    // A comment line now and then keeps proxies and idle browsers from dropping the stream.
    this.heartbeatTimer = setInterval(() => this.send(': keep-alive\n\n'), 25_000);
    this.scheduleLint();
    return { url: `http://${DASHBOARD_HOST}:${this.port}/`, port: this.port, close: () => this.close() };
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    if (!this.hosts.has(request.headers.host ?? '')) {
      respond(response, 403, 'text/plain; charset=utf-8', `relay dashboard answers only at http://${DASHBOARD_HOST}:${this.port}/\n`);
      return;
    }
    if (request.method !== 'GET') {
      response.setHeader('Allow', 'GET');
      respond(response, 405, 'text/plain; charset=utf-8', 'relay dashboard is read-only: GET only\n');
      return;
    }
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/') {
      const nonce = randomBytes(16).toString('base64');
      response.setHeader(
        'Content-Security-Policy',
        `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      );
      respond(response, 200, 'text/html; charset=utf-8', renderPage(this.snapshotJson, nonce));
    } else if (path === '/state.json') {
      respond(response, 200, 'application/json; charset=utf-8', this.snapshotJson);
    } else if (path === '/events' && this.clients.size >= MAX_STREAMS) {
      // Closed at once: a thousand such requests must not hold a thousand file descriptors.
      response.setHeader('Connection', 'close');
      respond(response, 503, 'text/plain; charset=utf-8', `relay dashboard streams to at most ${MAX_STREAMS} pages at once; close one, or reload later\n`);
    } else if (path === '/events') {
      response.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
      this.clients.add(response);
      request.on('close', () => this.clients.delete(response));
      // A page closed mid-write: forget it rather than let the error end the dashboard.
      response.on('error', () => this.clients.delete(response));
      this.send(`event: snapshot\ndata: ${this.snapshotJson}\n\n`, response);
    } else {
      respond(response, 404, 'text/plain; charset=utf-8', 'not found\n');
    }
  }

  /**
   * Reads the files again soon, once for any number of changes within the debounce, which is
   * at least twice the last read's duration: a busy fleet cannot keep the dashboard reading.
   */
  private scheduleRefresh(): void {
    if (this.closed || this.refreshTimer !== undefined) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.refresh();
    }, Math.max(this.options.debounceMs ?? 250, 2 * this.lastRefreshDuration));
  }

  /** Reads every panel but lint, and pushes the state if it changed. */
  private refresh(): void {
    const started = performance.now();
    const now = this.now();
    const input: PanelInput = { root: this.options.root, config: this.options.config, now, ttlHours: this.options.ttlHours, runsFolder: this.runsFolder, cache: this.cache };
    let changed = false;
    const set = (id: PanelId, compute: () => unknown): void => {
      changed = this.setPanel(id, compute, now) || changed;
    };
    set('runs', () => {
      const { panel, attempts } = runsPanel(input, runningSessionIds);
      this.attempts = attempts;
      return panel;
    });
    let read: ReturnType<typeof readQueues> | undefined;
    let readError: unknown;
    try {
      read = readQueues(input);
    } catch (error) {
      readError = error;
    }
    set('queue', () => {
      if (read === undefined) throw readError;
      return queuePanel(read, this.attempts, now);
    });
    set('claims', () => {
      if (read === undefined) throw readError;
      return claimsPanel(read, input);
    });
    set('waves', () => wavesPanel(input));
    set('verdicts', () => verdictsPanel(input));
    set('lessons', () => lessonsPanel(input));
    this.syncWatchers();
    if (changed || this.snapshotJson === '') this.publish(now);
    this.lastRefreshDuration = performance.now() - started;
    debug('dashboard', () => `read the files in ${Math.round(this.lastRefreshDuration)} ms${changed ? '' : ', nothing changed'}`);
  }

  /** Computes one panel; on failure keeps its last data and marks it stale. Whether what the page shows changed. */
  private setPanel(id: PanelId, compute: () => unknown, now: Date): boolean {
    const state = this.panels.get(id)!;
    try {
      const data = fitBudget(compute(), PANEL_BUDGETS[id], pageBytes);
      const json = JSON.stringify(data);
      const wasStale = state.stale !== undefined;
      state.stale = undefined;
      if (json === this.panelJson.get(id) && !wasStale) return false;
      this.panelJson.set(id, json);
      state.data = data;
      state.updated = now.toISOString();
      return true;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      debug('dashboard', `${id} panel stale: ${message}`);
      const before = state.stale?.error;
      state.stale = { since: state.stale?.since ?? now.toISOString(), error: message };
      return before !== message;
    }
  }

  private publish(now: Date): void {
    this.revision++;
    const panels: Record<string, PanelState> = {};
    for (const id of PANELS) panels[id] = this.panels.get(id)!;
    this.snapshotJson = JSON.stringify({ root: this.options.root, version: this.options.version, revision: this.revision, generated: now.toISOString(), panels });
    this.send(`event: snapshot\ndata: ${this.snapshotJson}\n\n`);
  }

  /**
   * Writes `text` to every page (or to `only`). A page that has not read what it was sent
   * before, past {@link MAX_UNSENT_BYTES}, is dropped instead: every snapshot it misses would
   * stay in this process's memory. Its page reconnects and starts from the latest state.
   */
  private send(text: string, only?: ServerResponse): void {
    for (const client of only === undefined ? this.clients : [only]) {
      if (client.writableLength > MAX_UNSENT_BYTES) {
        debug('dashboard', `dropped a page that left ${client.writableLength} bytes unread`);
        this.clients.delete(client);
        client.destroy();
      } else client.write(text);
    }
  }

  /**
   * Lints soon: not while a lint runs, and not sooner than the interval after the last one
   * (at least three times its duration, so at fleet scale the lint takes at most a quarter of a core).
   */
  private scheduleLint(): void {
    if (this.closed) return;
    if (this.linting) {
      this.lintAgain = true;
      return;
    }
    if (this.lintTimer !== undefined) return;
    const interval = Math.max(this.options.lintIntervalMs ?? 3000, 3 * this.lastLintDuration);
    const wait = this.lastLintEnd === 0 ? 0 : Math.max(0, this.lastLintEnd + interval - Date.now());
    this.lintTimer = setTimeout(() => {
      this.lintTimer = undefined;
      this.runLint();
    }, wait);
  }

  /** Runs `protocol-lint --format json` on the root as a child process (an argument vector, no shell) and shows what it says. */
  private runLint(): void {
    this.linting = true;
    const started = Date.now();
    const at = this.now();
    const { root } = this.options;
    const child = spawn(process.execPath, [protocolLintEntry(), '--format', 'json', '--root', root, '--now', at.toISOString()], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    this.lintChild = child;
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes <= LINT_OUTPUT_BYTES) stdout.push(chunk);
      else child.kill();
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4096)));
    let finished = false;
    const finish = (code: number | null, failure?: string): void => {
      if (finished) return;
      finished = true;
      this.linting = false;
      this.lintChild = undefined;
      this.lastLintEnd = Date.now();
      this.lastLintDuration = this.lastLintEnd - started;
      if (this.closed) return;
      const changed = this.setPanel('lint', () => {
        if (stdoutBytes > LINT_OUTPUT_BYTES) throw new Error(`protocol-lint said more than ${LINT_OUTPUT_BYTES / 1024 / 1024} MB; run it yourself`);
        // Exit 2 is a failure to lint (a bad config, say), said from a `protocol-lint: …` line on.
        if (failure !== undefined || (code !== 0 && code !== 1) || stdoutBytes === 0) {
          debug('dashboard', `protocol-lint exited ${code}: ${stderr}`);
          const said = /^protocol-lint: [^]*/m.exec(stderr)?.[0].trim().split('\n').join(' ').slice(0, 300);
          throw new Error(failure ?? said ?? `protocol-lint exited ${code} without a result`);
        }
        return lintPanel(JSON.parse(Buffer.concat(stdout).toString('utf8')) as LintResult[], at, this.lastLintDuration);
      }, at);
      if (changed) this.publish(this.now());
      debug('dashboard', `linted in ${this.lastLintDuration} ms in a child process`);
      if (this.lintAgain) {
        this.lintAgain = false;
        this.scheduleLint();
      }
    };
    child.once('error', (error) => finish(null, `cannot run protocol-lint: ${reason(error)}`));
    child.once('close', (code) => finish(code));
  }

  /**
   * Watches the folders the panels read: the root (queues, CLAUDE.md, new folders), the layout
   * folders and each wave folder, and the run records of the runs shown. Folders that appear
   * later are picked up at the next refresh (the tick makes one at the latest).
   */
  private syncWatchers(): void {
    if (this.closed) return;
    const { root, config } = this.options;
    const { layout } = config;
    const wanted = new Set<string>([root, dirname(join(root, layout.todo)), dirname(join(root, layout.done))]);
    for (const folder of [layout.plan, layout.review, layout.postmortems, layout.sessions, layout.discovery]) wanted.add(join(root, folder));
    const waves = this.panels.get('waves')?.data as { waves: { wave: number }[] } | undefined;
    for (const wave of waves?.waves ?? []) wanted.add(join(root, layout.discovery, `wave-${wave.wave}`));
    for (const path of [...wanted]) if (outsideRootReason(root, path) !== undefined) wanted.delete(path);
    if (this.runsFolder !== undefined) {
      wanted.add(this.runsFolder);
      const runs = this.panels.get('runs')?.data as { runs: { run: string }[] } | undefined;
      for (const run of runs?.runs ?? []) {
        wanted.add(join(this.runsFolder, run.run));
        wanted.add(join(this.runsFolder, run.run, 'sessions'));
      }
    }
    for (const [path, watcher] of this.watchers) {
      if (!wanted.has(path)) {
        watcher.close();
        this.watchers.delete(path);
      }
    }
    for (const path of wanted) {
      if (this.watchers.has(path)) continue;
      try {
        const watcher = watch(path, { persistent: false }, () => {
          this.scheduleRefresh();
          this.scheduleLint();
        });
        // A watched folder removed, or the system out of watches: the tick still refreshes.
        watcher.on('error', (error) => {
          debug('dashboard', `stopped watching ${path}: ${reason(error)}`);
          watcher.close();
          this.watchers.delete(path);
        });
        this.watchers.set(path, watcher);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') debug('dashboard', `cannot watch ${path} (${reason(error)}); the ${(this.options.tickMs ?? 10_000) / 1000} s tick refreshes instead`);
      }
    }
  }

  private stopTimers(): void {
    for (const timer of [this.refreshTimer, this.lintTimer]) if (timer !== undefined) clearTimeout(timer);
    for (const timer of [this.tickTimer, this.heartbeatTimer]) if (timer !== undefined) clearInterval(timer);
    this.refreshTimer = this.lintTimer = this.tickTimer = this.heartbeatTimer = undefined;
  }

  private async close(): Promise<void> {
    this.closed = true;
    this.stopTimers();
    this.lintChild?.kill();
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
    for (const client of this.clients) client.end();
    this.clients.clear();
    const server = this.server;
    if (server === undefined) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

/** The bytes a value takes in the page's JSON block. */
function pageBytes(value: unknown): number {
  return Buffer.byteLength(scriptSafeJson(JSON.stringify(value)));
}

function respond(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  });
  response.end(body);
}
