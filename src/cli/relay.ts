/**
 * The `relay` CLI: fleet-safe state operations for agent sessions and people (PROTOCOL §5).
 * A dispatcher over the command table (src/cli/commands/): it reads the global options, finds
 * the command, parses its options, and runs it. Exit codes: 0 ok, 1 a refused operation
 * (rejected URLs, a missing queue, a lock not taken, a file system fault such as a read-only
 * or full disk), 2 usage or internal failure. Expected failures come back from `src/state` as
 * results; the one catch in `main` turns a file system fault into one line and anything else
 * into exit 2.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import packageJson from '../../package.json' with { type: 'json' };
import { defaultConfig, loadConfig, resolveRoot } from '../protocol/config.js';
import { faultLine } from '../state/fault.js';
import { layoutOutsideRoot, outsideRootReason } from '../protocol/inside-root.js';
import { readStdinSync } from '../protocol/stdin.js';
import { runGit } from '../state/git.js';
import { givenRemote, usage, type CommandDefinition, type Outcome, type RelayIo, type Values } from './commands/command.js';
import { commands, findCommand, relayHelp } from './commands/index.js';

const GLOBAL_OPTIONS = { root: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

/**
 * What a session of `relay run` (RELAY_RUN set) may not run, whatever its allowlist lets
 * through (PROTOCOL §6): each would hand out more than the session has — another fleet with
 * other tools, a CLAUDE.md or hooks elsewhere, a push, a server. `doctor --fix` is checked below.
 */
const REFUSED_IN_RUN = new Set(['run', 'init', 'sync', 'dashboard']);

/** Runs relay on `argv` (without node and script) and returns the exit code; writes only through `io`. */
export async function main(argv: string[], io: RelayIo): Promise<number> {
  let command = 'relay';
  let code: number | undefined;
  try {
    const outcome = await dispatch(argv, io, (name) => (command = `relay ${name}`));
    code = outcome.code;
    if (outcome.stderr) await io.stderr(outcome.stderr);
    if (outcome.stdout) await io.stdout(outcome.stdout);
    return outcome.code;
  } catch (error) {
    return fault(error, command, code, io);
  }
}

/** The single catch: one line for an ordinary fault, nothing for a closed pipe, exit 2 with the stack under RELAY_DEBUG for the rest. */
async function fault(error: unknown, command: string, code: number | undefined, io: RelayIo): Promise<number> {
  // The reader went away (`relay claim -n 100 | head -1`): what was done is done; nothing to say.
  if ((error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE') return code ?? 0;
  const line = faultLine(error, io.cwd);
  if (line !== undefined) {
    await io.stderr(`${command}: ${line}\n`);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  const debugging = (io.env.RELAY_DEBUG ?? '').trim() !== '' && io.env.RELAY_DEBUG !== '0';
  const stack = debugging && error instanceof Error && error.stack ? `\n${error.stack}` : '';
  await io.stderr(`relay: internal error: ${message}${stack}\n`);
  return 2;
}

async function dispatch(argv: string[], io: RelayIo, named: (name: string) => void): Promise<Outcome> {
  let root: string | undefined;
  let index = 0;
  for (; index < argv.length; index++) {
    const arg = argv[index]!;
    if (arg === '--root') {
      const value = argv[index + 1];
      if (value === undefined) return usage('relay', 'Missing a directory after `--root`');
      root = value;
      index++;
    } else if (arg.startsWith('--root=')) {
      root = arg.slice('--root='.length);
    } else if (arg === '-h' || arg === '--help') {
      return { code: 0, stdout: relayHelp() };
    } else if (arg === '-v' || arg === '--version') {
      return { code: 0, stdout: `${packageJson.version}\n` };
    } else {
      break;
    }
  }
  const name = argv[index];
  if (name === undefined) return usage('relay', 'Missing a command');
  if (name === 'help') {
    const topic = argv[index + 1];
    return { code: 0, stdout: (topic === undefined ? undefined : findCommand(topic)?.help) ?? relayHelp() };
  }
  const command = findCommand(name);
  if (command === undefined) {
    const names = [...commands.map((each) => each.name), 'help'];
    return usage('relay', `Unknown command \`${name}\`, expected one of ${names.map((each) => `\`${each}\``).join(', ')}`);
  }
  named(name);
  const confined = (io.env.RELAY_RUN ?? '') !== '';
  if (confined && REFUSED_IN_RUN.has(name)) return refusedInRun(`relay ${name}`);
  const rest = argv.slice(index + 1);
  if (command.rawArguments) {
    if (rest[0] === '-h' || rest[0] === '--help') return { code: 0, stdout: command.help };
    return command.run({ root: io.cwd, config: defaultConfig(), values: {}, positionals: rest, io });
  }
  const parsed = parseCommand(command, rest);
  if ('code' in parsed) return parsed;
  const { values, positionals } = parsed;
  if (values.help) return { code: 0, stdout: command.help };
  if (confined && name === 'doctor' && values.fix === true) return refusedInRun('relay doctor --fix');
  if (typeof values.root === 'string') root = values.root;
  const rootDir = root === undefined ? resolveRoot(io.cwd) : resolve(io.cwd, root);
  // A mistyped `--root` must not grow a new tree where nobody will look for it.
  if (root !== undefined && !isFolder(rootDir)) return usage(name, `Unexpected \`--root ${root}\`, expected an existing folder`);
  if (confined && root !== undefined) {
    // A session works on its own project: the root its working directory leads to, or a folder inside it.
    const project = resolveRoot(io.cwd);
    if (outsideRootReason(project, rootDir) !== undefined) return { code: 1, stderr: `relay: Unexpected \`--root ${root}\` outside the session's project \`${project}\` (RELAY_RUN is set), expected a folder inside it\n` };
  }
  const loaded = loadConfig(rootDir);
  if (!loaded.ok) return { code: 2, stderr: `relay: ${loaded.error}\n` };
  const remote = loaded.config.remote;
  const listed = remote !== undefined && 'remote' in command.options && values.local !== true && givenRemote({ values, io }) === undefined ? runGit(['remote'], rootDir) : undefined;
  if (listed !== undefined && !(listed.ok && listed.stdout.split('\n').includes(remote!))) {
    // A cloned config must not send claims and branches to a URL or path of its choosing.
    return { code: 1, stderr: `relay: Unexpected \`"remote": "${remote}"\` in the config, expected the name of a remote \`git remote\` lists (a URL or path only from \`--remote\` or \`RELAY_REMOTE\`); run \`git remote add ${/^[\w.-]+$/.test(remote!) ? remote : 'NAME'} URL\`\n` };
  }
  // Every command reads or writes under the layout: a path that leaves the root (a link to
  // another folder, `../x` in the config) is refused before anything is read through it.
  const outside = layoutOutsideRoot(rootDir, loaded.config.layout);
  if (outside.length > 0) return { code: 1, stderr: outside.map((error) => `relay: ${error}\n`).join('') };
  return command.run({ root: rootDir, config: loaded.config, values, positionals, io });
}

/** A session of `relay run` asked for a command it may not run: one line, exit 1. */
function refusedInRun(what: string): Outcome {
  return { code: 1, stderr: `relay: Unexpected \`${what}\` in a session of \`relay run\` (RELAY_RUN is set), expected only the commands a session needs; run it outside the fleet\n` };
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function parseCommand(command: CommandDefinition, args: string[]): { values: Values; positionals: string[] } | Outcome {
  try {
    const { values, positionals } = parseArgs({ args, options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
    if (command.positionals === '' && positionals.length > 0 && !values.help) {
      return usage(command.name, `Unexpected argument \`${positionals[0]}\`, expected options only`);
    }
    return { values: values as Values, positionals };
  } catch (error) {
    // parseArgs reports unknown options and missing values as TypeErrors with ERR_PARSE_ARGS_* codes.
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code.startsWith('ERR_PARSE_ARGS')) return usage(command.name, (error as Error).message.replace(/\.$/, ''));
    throw error;
  }
}

/** Writes `text` to a process stream, resolving when it is written and rejecting with the stream's error (EPIPE). */
function writeTo(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolveWrite, rejectWrite) => {
    stream.write(text, (error) => (error ? rejectWrite(error) : resolveWrite()));
  });
}

/** The real process as `main`'s io. */
function processIo(): RelayIo {
  // The write callbacks carry a stream's errors; without a listener the same error would also crash the process.
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
  return {
    cwd: process.cwd(),
    env: process.env,
    readStdin: () => readStdinSync(),
    stdout: (text) => writeTo(process.stdout, text),
    // A closed stderr leaves nowhere to report anything; the exit code still says what happened.
    stderr: (text) => writeTo(process.stderr, text).catch(() => {}),
    stderrIsTerminal: process.stderr.isTTY === true,
  };
}

process.exitCode = await main(process.argv.slice(2), processIo());
