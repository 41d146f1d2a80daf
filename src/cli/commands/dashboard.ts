/** `relay dashboard`: a live, read-only page of the state tree on 127.0.0.1. */
import { spawn } from 'node:child_process';
import packageJson from '../../../package.json' with { type: 'json' };
import { debug, reason } from '../../debug.js';
import { DASHBOARD_HOST, DEFAULT_PORT, startDashboard } from '../../dashboard/server.js';
import { TTL_OPTION, ttlOf, usage, type CommandDefinition } from './command.js';

/** `relay dashboard`. */
export const dashboard: CommandDefinition = {
  name: 'dashboard',
  summary: 'a live page of the queue, claims, runs, waves, verdicts, lessons and lint on 127.0.0.1',
  positionals: '',
  options: { port: { type: 'string' }, open: { type: 'boolean' }, ...TTL_OPTION },
  help: `Usage: relay dashboard [--port ${DEFAULT_PORT}] [--open] [--ttl-hours H]

Serves one page on http://${DASHBOARD_HOST}:PORT/ (this machine only) that shows the queue and
its burn-down, claims per agent and stale claims, the runs of \`relay run\` and their sessions,
the discovery waves, drafts waiting for a reviewer verdict, postmortem lessons and
protocol-lint's current problems. The page updates itself when the files change. Read-only.
Runs until interrupted (Ctrl-C).

  --port N        the port (default ${DEFAULT_PORT}; 0 picks a free one)
  --open          open the page in the default browser (xdg-open, or open on macOS)
  --ttl-hours H   claims older than this are stale (default: the config's, else 24)
`,
  details: `Prints the page's address, then serves until interrupted (SIGINT or SIGTERM), exit 0. A port in use is
one line and exit 1. See [dashboard.md](dashboard.md) for what each panel shows and how it stays current.
`,
  async run(context) {
    const ttlHours = ttlOf(context, 'dashboard');
    if (typeof ttlHours !== 'number') return ttlHours;
    const given = context.values.port;
    const port = typeof given === 'string' ? Number(given) : DEFAULT_PORT;
    if (!Number.isInteger(port) || port < 0 || port > 65535 || (typeof given === 'string' && !/^\d+$/.test(given))) {
      return usage('dashboard', `Unexpected \`--port ${String(given)}\`, expected a port number from 0 to 65535`);
    }
    const started = await startDashboard({ root: context.root, config: context.config, port, ttlHours, version: packageJson.version });
    if ('error' in started) return { code: 1, stderr: `relay dashboard: ${started.error}\n` };
    await context.io.stdout(`relay dashboard: ${started.url} (Ctrl-C to stop)\n`);
    if (context.values.open) {
      const opened = await openBrowser(started.url, context.io.env);
      if (opened !== undefined) await context.io.stderr(`relay dashboard: could not open a browser (${opened}); open ${started.url} yourself\n`);
    }
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await started.close();
    return { code: 0 };
  },
};

/** Starts the platform's opener on `url` (an argument vector, no shell); why not, when it cannot. */
async function openBrowser(url: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? undefined : 'xdg-open';
  if (opener === undefined) return `no opener known on ${process.platform}`;
  return new Promise((resolve) => {
    const child = spawn(opener, [url], { env, stdio: 'ignore', detached: true });
    child.once('error', (error) => resolve(`${opener}: ${reason(error)}`));
    child.once('spawn', () => {
      debug('dashboard', `started ${opener} ${url}`);
      child.unref();
      resolve(undefined);
    });
  });
}
