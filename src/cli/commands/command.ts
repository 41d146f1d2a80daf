/**
 * What a relay command is: a definition in the table (src/cli/commands/index.ts) that the
 * dispatcher (src/cli/relay.ts) parses arguments for and runs, and from which `relay --help`,
 * docs/relay-cli.md and the README's command list are generated. Also the helpers several
 * commands share: usage errors, the agent and TTL options, URL arguments.
 */
import type { ParseArgsConfig } from 'node:util';
import type { Config } from '../../protocol/config.js';
import { defaultAgentId, isValidAgentId } from '../../state/identity.js';
import { configuredTtlHours, type OperationFailure, type Rejection } from '../../state/queue-operations.js';

/** What a command produced; the dispatcher prints it and returns the exit code. */
export interface Outcome {
  code: 0 | 1 | 2;
  stdout?: string;
  stderr?: string;
}

/** The process around a run, passed in so `main` stays a function of its arguments. */
export interface RelayIo {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The whole of stdin (for `-` arguments); read only when a command asks. */
  readStdin(): string;
  stdout(text: string): void | Promise<void>;
  stderr(text: string): void | Promise<void>;
  /** Whether stderr is a terminal (`relay run` draws a live status line there). */
  stderrIsTerminal?: boolean;
}

/** Parsed option values. */
export type Values = Record<string, string | boolean | string[] | undefined>;

/** What a command's `run` is given. */
export interface CommandContext {
  /** The state tree's root (empty for commands with `rawArguments`, which need none). */
  root: string;
  config: Config;
  values: Values;
  positionals: string[];
  io: RelayIo;
}

/** One relay command: the table's row. */
export interface CommandDefinition {
  name: string;
  /** One line for `relay --help` and the README. */
  summary: string;
  /** The synopsis of its positional arguments (`URL... | -`); empty when it takes none. */
  positionals: string;
  /** What `relay <name> --help` prints. */
  help: string;
  /** Markdown for docs/relay-cli.md below the help: behaviour the terminal help leaves out. */
  details?: string;
  /** parseArgs options besides the global `--root` and `--help`. */
  options: NonNullable<ParseArgsConfig['options']>;
  /** Arguments are passed as given, not parsed, and no root is looked up (git's merge driver gets file paths). */
  rawArguments?: boolean;
  run(context: CommandContext): Outcome | Promise<Outcome>;
}

/** A usage error: exit 2 with a pointer to the help. */
export function usage(command: string, message: string): Outcome {
  const hint = command === 'relay' ? 'relay --help' : `relay ${command} --help`;
  return { code: 2, stderr: `relay: ${message}; see \`${hint}\`\n` };
}

/** An operation that could not run: exit 1; a fault of the machine in the form of the dispatcher's other faults. */
export function failure(result: OperationFailure, command: string): Outcome {
  return { code: 1, stderr: `relay${result.fault ? ` ${command}` : ''}: ${result.error}\n` };
}

/** The `--agent` option. */
export const AGENT_OPTION = { agent: { type: 'string' } } as const;
/** The `--json` option. */
export const JSON_OPTION = { json: { type: 'boolean' } } as const;
/** The `--ttl-hours` option. */
export const TTL_OPTION = { 'ttl-hours': { type: 'string' } } as const;

/** The `--remote NAME` and `--local` options of the commands that can work through a git remote. */
export const REMOTE_OPTION = { remote: { type: 'string' }, local: { type: 'boolean' } } as const;

/**
 * The remote to work through: `--remote`, else `RELAY_REMOTE` (set by `relay run --remote` in
 * its sessions' environment), else the config's `"remote"`, unless `--local`; undefined for
 * local only.
 */
export function remoteOf(context: CommandContext): string | undefined {
  if (context.values.local === true) return undefined;
  return givenRemote(context) ?? context.config.remote;
}

/** `--remote NAME`, else a non-empty `RELAY_REMOTE`; undefined when neither names one. */
export function givenRemote(context: Pick<CommandContext, 'values' | 'io'>): string | undefined {
  const given = context.values.remote;
  if (typeof given === 'string' && given !== '') return given;
  const env = context.io.env.RELAY_REMOTE?.trim();
  return env === undefined || env === '' ? undefined : env;
}

/** The agent id from `--agent`, else the default; a usage error when it is not one word. */
export function agentOf(context: CommandContext, command: string): string | Outcome {
  const given = context.values.agent;
  if (typeof given !== 'string') return defaultAgentId(context.io.env);
  if (!isValidAgentId(given)) {
    return usage(command, `Unexpected agent id \`${given}\`, expected one word without spaces, commas, semicolons or parentheses`);
  }
  return given;
}

/** The claim TTL from `--ttl-hours`, else the config's. */
export function ttlOf(context: CommandContext, command: string): number | Outcome {
  const given = context.values['ttl-hours'];
  if (typeof given !== 'string') return configuredTtlHours(context.config);
  const hours = Number(given);
  if (!Number.isFinite(hours) || hours <= 0) return usage(command, `Unexpected \`--ttl-hours ${given}\`, expected a positive number of hours`);
  return hours;
}

/**
 * The URL arguments; a `-` stands for the URLs on stdin, one per line (`- URL` list lines
 * accepted, `#` lines skipped), so an agent can pass a URL without a shell quoting it.
 */
export function urlArguments(context: CommandContext): string[] {
  const urls: string[] = [];
  for (const argument of context.positionals) {
    if (argument !== '-') {
      urls.push(argument);
      continue;
    }
    for (const raw of context.io.readStdin().split(/\r?\n/)) {
      const line = raw.trim().replace(/^[-*+]\s+/, '');
      if (line === '' || line.startsWith('#')) continue;
      urls.push(line.split(/\s+/)[0]!);
    }
  }
  return urls;
}

/** The stderr lines of rejected URLs. */
export function rejections(command: string, rejected: Rejection[]): string {
  return rejected.map((item) => `relay ${command}: rejected \`${item.url}\`: ${item.reason}\n`).join('');
}
