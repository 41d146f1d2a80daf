/**
 * What `relay run --dry-run` asks the claude binary before a fleet depends on it: its version,
 * and whether a session of the role would start — the plugin loaded, the role's agent there,
 * logged in. The session is a real `claude -p` with the run's `--plugin-dir` and `--agent`,
 * hooks off and nothing persisted, pointed at a closed port on 127.0.0.1: its init event lists
 * the plugins and agents, and its first API retry (or its "Not logged in" result) ends the
 * probe. Nothing leaves the machine and nothing is written to the tree.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { signalGroup } from './processes.js';

/** What the probe found: the version, and every problem (empty when a session would start). */
export interface Preflight {
  version?: string;
  problems: string[];
}

/** How long the probe waits for the binary's answer. */
const PROBE_MS = 60_000;

/** Asks `binary` its version and starts one probe session of agent `relay:ROLE`. */
export async function preflight(options: { binary: string; root: string; role: string; pluginDir?: string; env: NodeJS.ProcessEnv }): Promise<Preflight> {
  const { binary, env } = options;
  const found: Preflight = { problems: [] };
  try {
    found.version = execFileSync(binary, ['--version'], { cwd: options.root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: PROBE_MS }).trim().split('\n')[0];
  } catch (error) {
    found.problems.push(`\`${binary} --version\` failed (${(error as NodeJS.ErrnoException).code ?? (error as Error).message.split('\n')[0]}); is it Claude Code?`);
    return found;
  }
  const agent = `relay:${options.role}`;
  const args = ['-p', 'relay run --dry-run: a probe', '--output-format', 'stream-json', '--verbose', '--no-session-persistence', '--max-turns', '1', '--settings', '{"disableAllHooks":true}'];
  if (options.pluginDir !== undefined) args.push('--plugin-dir', options.pluginDir);
  args.push('--agent', agent);
  const child = spawn(binary, args, { cwd: options.root, env: { ...env, ANTHROPIC_BASE_URL: 'http://127.0.0.1:1', RELAY_SESSIONS: '0' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let err = '';
  let init: { plugins?: { name: string }[]; plugin_errors?: { message?: string }[] } | undefined;
  let result: { is_error?: boolean; result?: string } | undefined;
  child.stderr.on('data', (chunk: Buffer) => (err = (err + chunk.toString('utf8')).slice(0, 4096)));
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, PROBE_MS);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    child.on('error', done).on('close', done);
    createInterface({ input: child.stdout }).on('line', (line) => {
      let event: { type?: string; subtype?: string } & typeof init & typeof result;
      try {
        event = JSON.parse(line) as typeof event;
      } catch {
        return;
      }
      if (event.subtype === 'init') init = event;
      if (event.type === 'result') result = event;
      // An API call was tried: everything before it works.
      if (event.type === 'result' || event.subtype === 'api_retry') done();
    });
  });
  if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
  // Claude Code itself refuses an agent it does not know, before its init event.
  if (init === undefined) found.problems.push(`a session of \`${agent}\` does not start: ${err.trim().split('\n').slice(0, 3).join(' / ') || 'no output'}`);
  else if (!init.plugins?.some((each) => each.name === 'relay')) found.problems.push(`the relay plugin does not load${init.plugin_errors?.length ? ` (${init.plugin_errors.map((each) => each.message).join('; ')})` : ''}; install it (\`/plugin install relay@…\`) or pass \`--plugin-dir\``);
  if (result?.is_error) found.problems.push(`a session of \`${agent}\` fails at once: ${result.result ?? 'no text'}`);
  return found;
}
