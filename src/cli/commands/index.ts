/**
 * The relay commands in order: the dispatcher runs them, `relay --help` lists them, and
 * `npm run build` (scripts/gen-docs.ts) writes their sections of docs/relay-cli.md and the
 * README's command list from them. A new command is one file here and one line below.
 */
import { add } from './add.js';
import { brief } from './brief.js';
import { claim } from './claim.js';
import type { CommandDefinition } from './command.js';
import { dashboard } from './dashboard.js';
import { doctor } from './doctor.js';
import { done } from './done.js';
import { handoff } from './handoff.js';
import { init } from './init.js';
import { mergeDriver } from './merge-driver.js';
import { newFile } from './new.js';
import { postmortem } from './postmortem.js';
import { release } from './release.js';
import { run } from './run.js';
import { session } from './session.js';
import { status } from './status.js';
import { sync } from './sync.js';

/** Every relay command, in the order help and docs list them. */
export const commands: readonly CommandDefinition[] = [init, claim, done, release, handoff, add, newFile, status, sync, brief, postmortem, session, run, doctor, dashboard, mergeDriver];

/** The command called `name`, if there is one. */
export function findCommand(name: string): CommandDefinition | undefined {
  return commands.find((command) => command.name === name);
}

/** A command with its positional arguments, as help and docs show it (`done URL... | -`). */
export function commandSynopsis(command: CommandDefinition): string {
  return command.positionals === '' ? command.name : `${command.name} ${command.positionals}`;
}

/** What `relay --help` prints. */
export function relayHelp(): string {
  const width = Math.max(...commands.map((command) => commandSynopsis(command).length)) + 2;
  const list = commands.map((command) => `  ${commandSynopsis(command).padEnd(width)}${command.summary}\n`).join('');
  return `Usage: relay [--root DIR] <command> [options]

Fleet-safe state for agent sessions: every write takes a lock shared by all worktrees of
the repository and replaces files atomically.

Commands:
${list}
Global options:
  --root DIR     the state tree's root (default: nearest .protocol-lint.json, else git top, else .)
  -h, --help     help for relay or a command (also: relay help <command>)
  -v, --version  the version of relay

Exit codes: 0 ok, 1 refused (rejected URLs, missing queue, lock timeout, a file system fault),
2 usage or internal failure. See docs/relay-cli.md.
`;
}
