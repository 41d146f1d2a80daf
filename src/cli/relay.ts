/**
 * The `relay` CLI: fleet-safe state operations for agent sessions and people (PROTOCOL §5).
 * Argument parsing and exit codes live here and nowhere else: 0 ok, 1 a refused operation
 * (rejected URLs, a missing queue, a lock that could not be taken), 2 usage or internal failure.
 * Expected failures come back from `src/state` as results; one catch at the bottom turns
 * anything unexpected into exit 2.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { buildBrief, DEFAULT_BRIEF_BUDGET } from '../brief/brief.js';
import { loadConfig, resolveRoot, type Config } from '../protocol/config.js';
import { isRealDate } from '../protocol/dates.js';
import { currentTime, defaultAgentId, isValidAgentId, utcDate } from '../state/identity.js';
import { initTree, mergeDriverCommand } from '../state/init.js';
import { runMergeDriver } from '../state/merge-driver.js';
import { createPostmortem } from '../state/postmortem.js';
import {
  addUrls,
  claimUrls,
  completeUrls,
  configuredTtlHours,
  queueStatus,
  releaseUrls,
  type OperationFailure,
  type QueueStatus,
  type Rejection,
} from '../state/queue-operations.js';

/** What a command produced; `main` prints it and sets the exit code. */
interface Outcome {
  code: 0 | 1 | 2;
  stdout?: string;
  stderr?: string;
}

const HELP: Record<string, string> = {
  relay: `Usage: relay [--root DIR] <command> [options]

Fleet-safe state for agent sessions: every write takes a lock shared by all worktrees of
the repository and replaces files atomically.

Commands:
  init                      create the state tree, CLAUDE.md section, .gitattributes, merge driver
  claim [-n N]              take the next N pending URLs (prints one per line)
  done URL...               move URLs to urls_done.md with today's date
  release URL... | --all    give claimed URLs back to the queue
  add URL... | -            add new URLs to urls_todo.md
  status                    counts, claims per agent, stale claims
  brief                     the session briefing (the SessionStart hook shows the same)
  postmortem new "TITLE"    write postmortems/YYYY-MM-DD-slug.md
  merge-driver %O %A %B %P  the git merge driver for the queue files (set up by init)

Global options:
  --root DIR   the state tree's root (default: nearest .protocol-lint.json, else git top, else .)
  -h, --help   help for relay or a command

Exit codes: 0 ok, 1 refused (rejected URLs, missing queue, lock timeout), 2 usage or internal failure.
See docs/relay-cli.md.
`,
  init: `Usage: relay init [--root DIR]

Creates what is missing and changes nothing else: the plan/, review/, discovery/ and
postmortems/ folders, urls_todo.md and urls_done.md, a "Session Protocol" section in
CLAUDE.md (appended if the file exists without one), the .gitattributes lines that route the
queue files to the merge driver, and, inside git, the local git config of that driver.
Safe to run again; prints each change.
`,
  claim: `Usage: relay claim [-n N] [--agent ID] [--steal-stale] [--ttl-hours H] [--json]

Takes the next N (default 1) pending, unclaimed URLs in file order, marks each
"(claimed by ID at TIMESTAMP)" in urls_todo.md, and prints one URL per line.
Nothing to claim is not an error: exit 0 with no output and a note on stderr.

  -n, --count N     how many URLs to take (1-10000)
  --agent ID        who claims (default: $RELAY_AGENT, the Claude session id, else pid-PID@HOST)
  --steal-stale     also take URLs whose claim is older than the TTL
  --ttl-hours H     claim TTL (default: queue-stale-claim's ttlHours in the config, else 24)
  --json            print [{"url","agent","at","line","stolenFrom"?}]
`,
  done: `Usage: relay done URL... [--agent ID] [--output PATH] [--json]
       relay done - < urls.txt

Moves each URL from urls_todo.md to urls_done.md as
"(completed YYYY-MM-DD, by ID, output PATH)". A URL that was not pending is recorded as done
too; one already done is left alone (and removed from urls_todo.md if still there).
Rejected URLs (not a URL, listed twice) are listed on stderr and give exit 1.

  --agent ID        who completed them (default as for claim)
  --output PATH     the file the work produced (no spaces, commas, semicolons or parentheses)
  --json            print {"completed":[...],"rejected":[...]}
`,
  release: `Usage: relay release URL... [--agent ID] [--force] [--json]
       relay release --all [--agent ID]

Removes the claim from pending URLs so they can be claimed again. Another agent's claim is
refused unless --force. --all releases every claim the agent holds.
`,
  add: `Usage: relay add URL... [--json]
       relay add - < urls.txt

Appends new URLs to urls_todo.md. URLs already pending or done (compared after
normalisation) are rejected and listed on stderr with exit 1; the others are still added.
With "-", reads URLs from stdin: one per line, "- URL" list lines accepted, "#" lines skipped.
`,
  status: `Usage: relay status [--ttl-hours H] [--json]

Counts pending (claimed, unclaimed) and done URLs, claims per agent, and stale claims.
Reads without the lock.
`,
  brief: `Usage: relay brief [--budget CHARS]

Prints the session briefing: the same text the SessionStart hook injects
(default budget ${DEFAULT_BRIEF_BUDGET} characters).
`,
  postmortem: `Usage: relay postmortem new "TITLE" [--date YYYY-MM-DD] [--session ID]
                              [--what TEXT] [--fix TEXT] [--prevention TEXT] [--json]

Writes postmortems/DATE-slug.md in the protocol template. Sections not given get
placeholders that protocol-lint reports (postmortem-placeholder) until they are written.
Refuses to overwrite an existing file (exit 1). Prints the new file's path.
  --date      default: today (UTC)
  --session   default: $CLAUDE_SESSION_ID when set, else no Session ID line
`,
  'merge-driver': `Usage: relay merge-driver BASE OURS THEIRS PATH

Called by git as "merge.relay-queue.driver" (relay init sets it up). Merges the queue files
item by item into OURS and exits 0; exits 1 (a conflict git marks) only for binary or
non-UTF-8 input. See docs/sharing-through-git.md.
`,
};

const COMMANDS = new Set(['init', 'claim', 'done', 'release', 'add', 'status', 'brief', 'postmortem', 'merge-driver', 'help']);

/** Runs the CLI on `argv` (without node and script) and returns what to print and the exit code. */
async function runRelay(argv: string[]): Promise<Outcome> {
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
      return { code: 0, stdout: HELP.relay };
    } else {
      break;
    }
  }
  const command = argv[index];
  if (command === undefined) return usage('relay', 'Missing a command');
  if (!COMMANDS.has(command)) return usage('relay', `Unknown command \`${command}\`, expected one of ${[...COMMANDS].map((name) => `\`${name}\``).join(', ')}`);
  if (command === 'help') {
    const topic = argv[index + 1];
    return { code: 0, stdout: HELP[topic ?? 'relay'] ?? HELP.relay };
  }
  const rest = argv.slice(index + 1);
  if (command === 'merge-driver') return mergeDriver(rest);

  const parsed = parseCommand(command, rest);
  if ('code' in parsed) return parsed;
  const { values, positionals } = parsed;
  if (values.help) return { code: 0, stdout: HELP[command] };
  if (typeof values.root === 'string') root = values.root;
  const rootDir = root === undefined ? resolveRoot(process.cwd()) : resolve(root);
  const loaded = loadConfig(rootDir);
  if (!loaded.ok) return { code: 2, stderr: `relay: ${loaded.error}\n` };
  const context: Context = { root: rootDir, config: loaded.config, values, positionals };
  switch (command) {
    case 'init':
      return init(context);
    case 'claim':
      return claim(context);
    case 'done':
      return done(context);
    case 'release':
      return release(context);
    case 'add':
      return add(context);
    case 'status':
      return status(context);
    case 'brief':
      return brief(context);
    default:
      return postmortem(context);
  }
}

type Values = Record<string, string | boolean | undefined>;

interface Context {
  root: string;
  config: Config;
  values: Values;
  positionals: string[];
}

const COMMON_OPTIONS = { root: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;
const AGENT = { agent: { type: 'string' } } as const;
const JSON_OPTION = { json: { type: 'boolean' } } as const;
const TTL = { 'ttl-hours': { type: 'string' } } as const;

const OPTIONS: Record<string, NonNullable<ParseArgsConfig['options']>> = {
  init: {},
  claim: { ...AGENT, ...JSON_OPTION, ...TTL, count: { type: 'string', short: 'n' }, 'steal-stale': { type: 'boolean' } },
  done: { ...AGENT, ...JSON_OPTION, output: { type: 'string' } },
  release: { ...AGENT, ...JSON_OPTION, all: { type: 'boolean' }, force: { type: 'boolean' } },
  add: { ...JSON_OPTION },
  status: { ...JSON_OPTION, ...TTL },
  brief: { budget: { type: 'string' } },
  postmortem: { ...JSON_OPTION, date: { type: 'string' }, session: { type: 'string' }, what: { type: 'string' }, fix: { type: 'string' }, prevention: { type: 'string' } },
};

const TAKES_POSITIONALS = new Set(['done', 'release', 'add', 'postmortem']);

function parseCommand(command: string, args: string[]): { values: Values; positionals: string[] } | Outcome {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...COMMON_OPTIONS, ...OPTIONS[command] },
      allowPositionals: true,
      strict: true,
    });
    if (!TAKES_POSITIONALS.has(command) && positionals.length > 0 && !values.help) {
      return usage(command, `Unexpected argument \`${positionals[0]}\`, expected options only`);
    }
    return { values: values as Values, positionals };
  } catch (error) {
    // parseArgs reports unknown options and missing values as TypeErrors with ERR_PARSE_ARGS_* codes.
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code.startsWith('ERR_PARSE_ARGS')) return usage(command, (error as Error).message.replace(/\.$/, ''));
    throw error;
  }
}

function usage(command: string, message: string): Outcome {
  const hint = command === 'relay' ? 'relay --help' : `relay ${command} --help`;
  return { code: 2, stderr: `relay: ${message}; see \`${hint}\`\n` };
}

function failure(result: OperationFailure): Outcome {
  return { code: 1, stderr: `relay: ${result.error}\n` };
}

function agentOf(context: Context, command: string): string | Outcome {
  const given = context.values.agent;
  if (typeof given !== 'string') return defaultAgentId();
  if (!isValidAgentId(given)) {
    return usage(command, `Unexpected agent id \`${given}\`, expected one word without spaces, commas, semicolons or parentheses`);
  }
  return given;
}

function ttlOf(context: Context, command: string): number | Outcome {
  const given = context.values['ttl-hours'];
  if (typeof given !== 'string') return configuredTtlHours(context.config);
  const hours = Number(given);
  if (!Number.isFinite(hours) || hours <= 0) return usage(command, `Unexpected \`--ttl-hours ${given}\`, expected a positive number of hours`);
  return hours;
}

function init(context: Context): Outcome {
  const result = initTree(context.root, context.config, { driverCommand: mergeDriverCommand(bundlePath()) });
  const lines = result.changes.map((change) => `${change}\n`).join('');
  if (!result.ok) return { code: 1, stdout: lines, stderr: `relay: ${result.error}\n` };
  return { code: 0, stdout: lines === '' ? '' : lines, stderr: lines === '' ? `relay: \`${context.root}\` is already set up; nothing to change\n` : '' };
}

/** The committed bundle to run as the merge driver; from sources (tsx) it is the built dist/relay.mjs. */
function bundlePath(): string {
  const self = fileURLToPath(import.meta.url);
  return self.endsWith('.ts') ? resolve(dirname(self), '../../dist/relay.mjs') : self;
}

function claim(context: Context): Outcome {
  const agent = agentOf(context, 'claim');
  if (typeof agent !== 'string') return agent;
  const ttlHours = ttlOf(context, 'claim');
  if (typeof ttlHours !== 'number') return ttlHours;
  const countText = typeof context.values.count === 'string' ? context.values.count : '1';
  const count = Number(countText);
  if (!/^\d+$/.test(countText) || count < 1 || count > 10_000) {
    return usage('claim', `Unexpected \`-n ${countText}\`, expected a whole number from 1 to 10000`);
  }
  const result = claimUrls(context.root, context.config, { count, agent, now: currentTime(), ttlHours, stealStale: context.values['steal-stale'] === true });
  if (!result.ok) return failure(result);
  let stderr = '';
  for (const item of result.claimed) {
    if (item.stolenFrom !== undefined) stderr += `relay: took over \`${item.url}\` from \`${item.stolenFrom}\`, whose claim was older than ${ttlHours} h\n`;
  }
  if (result.claimed.length === 0) {
    stderr += result.stale > 0
      ? `relay: nothing to claim; ${result.stale} pending URLs have claims older than ${ttlHours} h, \`relay claim --steal-stale\` takes them\n`
      : `relay: nothing to claim in \`${context.config.layout.todo}\`; every pending URL is claimed or the queue is empty\n`;
  }
  if (context.values.json) {
    const items = result.claimed.map(({ key: _key, ...item }) => item);
    return { code: 0, stdout: JSON.stringify(items) + '\n', stderr };
  }
  return { code: 0, stdout: result.claimed.map((item) => `${item.url}\n`).join(''), stderr };
}

function urlArguments(context: Context): string[] {
  const urls: string[] = [];
  for (const argument of context.positionals) {
    if (argument !== '-') {
      urls.push(argument);
      continue;
    }
    for (const raw of readFileSync(0, 'utf8').split(/\r?\n/)) {
      const line = raw.trim().replace(/^[-*+]\s+/, '');
      if (line === '' || line.startsWith('#')) continue;
      urls.push(line.split(/\s+/)[0]!);
    }
  }
  return urls;
}

function rejections(command: string, rejected: Rejection[]): string {
  return rejected.map((item) => `relay ${command}: rejected \`${item.url}\`: ${item.reason}\n`).join('');
}

function done(context: Context): Outcome {
  const agent = agentOf(context, 'done');
  if (typeof agent !== 'string') return agent;
  const output = context.values.output;
  if (typeof output === 'string' && !/^[^\s,;()]+$/.test(output)) {
    return usage('done', `Unexpected output path \`${output}\`, expected a path without spaces, commas, semicolons or parentheses`);
  }
  if (context.positionals.length === 0) return usage('done', 'Missing URLs, expected `relay done URL...` or `relay done -` with URLs on stdin');
  const urls = urlArguments(context);
  // `relay claim | relay done -` with nothing claimed is a no-op, not a mistake.
  if (urls.length === 0) return { code: 0, stderr: 'relay done: no URLs on stdin; nothing to do\n' };
  const options: Parameters<typeof completeUrls>[2] = { urls, agent, now: currentTime() };
  if (typeof output === 'string') options.output = output;
  const result = completeUrls(context.root, context.config, options);
  if (!result.ok) return failure(result);
  let stderr = '';
  for (const item of result.completed) {
    if (item.status === 'already-done') stderr += `relay done: \`${item.url}\` was already done; left as it is\n`;
    if (item.status === 'completed-not-pending') stderr += `relay done: \`${item.url}\` was not pending; recorded as done\n`;
    if (item.claimedBy !== undefined) stderr += `relay done: \`${item.url}\` was claimed by \`${item.claimedBy}\`, not \`${agent}\`\n`;
  }
  stderr += rejections('done', result.rejected);
  const code = result.rejected.length > 0 ? 1 : 0;
  if (context.values.json) {
    return { code, stdout: JSON.stringify({ completed: result.completed.map(({ key: _key, ...item }) => item), rejected: result.rejected }) + '\n', stderr };
  }
  const stdout = result.completed.filter((item) => item.status !== 'already-done').map((item) => `${item.url}\n`).join('');
  return { code, stdout, stderr };
}

function release(context: Context): Outcome {
  const agent = agentOf(context, 'release');
  if (typeof agent !== 'string') return agent;
  const all = context.values.all === true;
  if (context.positionals.length === 0 && !all) return usage('release', 'Missing URLs, expected `relay release URL...` or `relay release --all`');
  const urls = urlArguments(context);
  const result = releaseUrls(context.root, context.config, { urls, all, agent, force: context.values.force === true });
  if (!result.ok) return failure(result);
  let stderr = '';
  for (const item of result.released) {
    if (item.status === 'not-claimed') stderr += `relay release: \`${item.url}\` was not claimed; left as it is\n`;
  }
  if (all && result.released.length === 0) stderr += `relay release: \`${agent}\` holds no claims\n`;
  stderr += rejections('release', result.rejected);
  const code = result.rejected.length > 0 ? 1 : 0;
  if (context.values.json) {
    return { code, stdout: JSON.stringify({ released: result.released.map(({ key: _key, ...item }) => item), rejected: result.rejected }) + '\n', stderr };
  }
  const stdout = result.released.filter((item) => item.status === 'released').map((item) => `${item.url}\n`).join('');
  return { code, stdout, stderr };
}

function add(context: Context): Outcome {
  if (context.positionals.length === 0) return usage('add', 'Missing URLs, expected `relay add URL...` or `relay add -` with URLs on stdin');
  const urls = urlArguments(context);
  if (urls.length === 0) return { code: 0, stderr: 'relay add: no URLs on stdin; nothing to do\n' };
  const result = addUrls(context.root, context.config, { urls });
  if (!result.ok) return failure(result);
  const stderr = rejections('add', result.rejected);
  const code = result.rejected.length > 0 ? 1 : 0;
  if (context.values.json) return { code, stdout: JSON.stringify({ added: result.added, rejected: result.rejected }) + '\n', stderr };
  return { code, stdout: result.added.map((url) => `${url}\n`).join(''), stderr };
}

function status(context: Context): Outcome {
  const ttlHours = ttlOf(context, 'status');
  if (typeof ttlHours !== 'number') return ttlHours;
  const result = queueStatus(context.root, context.config, { now: currentTime(), ttlHours });
  if (!result.ok) return failure(result);
  if (context.values.json) {
    const { ok: _ok, ...data } = result;
    return { code: 0, stdout: JSON.stringify(data, null, 2) + '\n' };
  }
  return { code: 0, stdout: formatStatus(result, context.config) };
}

function formatStatus(result: QueueStatus, config: Config): string {
  const lines: string[] = [];
  if (!result.todoExists) lines.push(`no \`${config.layout.todo}\` yet; run \`relay init\``);
  lines.push(`pending  ${result.pending} (${result.claimed} claimed, ${result.unclaimed} unclaimed)`);
  lines.push(`done     ${result.done}`);
  const agents = Object.entries(result.claimsByAgent).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (agents.length > 0) lines.push(`claims   ${agents.map(([agent, count]) => `${agent} ${count}`).join(', ')}`);
  if (result.staleClaims.length > 0) {
    lines.push(`stale    ${result.staleClaims.length} claims older than ${result.ttlHours} h (\`relay claim --steal-stale\` or \`relay release --force URL\`):`);
    for (const claim of result.staleClaims.slice(0, 20)) {
      lines.push(`  ${config.layout.todo}:${claim.line}  ${claim.url}  ${claim.agent}${claim.at ? ` at ${claim.at}` : ' (no time)'}`);
    }
    if (result.staleClaims.length > 20) lines.push(`  … and ${result.staleClaims.length - 20} more (\`relay status --json\` lists all)`);
  }
  if (result.next.length > 0) lines.push(`next     ${result.next.join('\n         ')}`);
  const problems: string[] = [];
  if (result.overlap > 0) problems.push(`${result.overlap} URLs in both queues (done wins)`);
  if (result.duplicates > 0) problems.push(`${result.duplicates} duplicate lines`);
  if (result.syntaxProblems > 0) problems.push(`${result.syntaxProblems} lines that are not queue items`);
  if (problems.length > 0) lines.push(`problems ${problems.join(', ')}; run \`protocol-lint --fix\``);
  return lines.join('\n') + '\n';
}

function brief(context: Context): Outcome {
  const budgetText = typeof context.values.budget === 'string' ? context.values.budget : String(DEFAULT_BRIEF_BUDGET);
  const budget = Number(budgetText);
  if (!/^\d+$/.test(budgetText) || budget < 200) return usage('brief', `Unexpected \`--budget ${budgetText}\`, expected a whole number of characters, at least 200`);
  // The same builder as the SessionStart hook, so both say the same thing.
  const text = buildBrief(context.root, context.config, { budget });
  return { code: 0, stdout: text.endsWith('\n') ? text : `${text}\n` };
}

function postmortem(context: Context): Outcome {
  const [action, title, ...extra] = context.positionals;
  if (action !== 'new') return usage('postmortem', action === undefined ? 'Missing `new`, expected `relay postmortem new "TITLE"`' : `Unknown action \`${action}\`, expected \`new\``);
  if (title === undefined || title.trim() === '') return usage('postmortem', 'Missing a title, expected `relay postmortem new "TITLE"`');
  if (extra.length > 0) return usage('postmortem', `Unexpected argument \`${extra[0]}\`; quote a title with spaces`);
  if (/[\r\n]/.test(title)) return usage('postmortem', 'Unexpected line break in the title, expected one line');
  const date = typeof context.values.date === 'string' ? context.values.date : utcDate(currentTime());
  if (!isRealDate(date)) return usage('postmortem', `Unexpected \`--date ${date}\`, expected a real calendar day as YYYY-MM-DD`);
  const session = typeof context.values.session === 'string' ? context.values.session : process.env.CLAUDE_SESSION_ID;
  const input: Parameters<typeof createPostmortem>[2] = { title, date };
  if (session) input.session = session;
  for (const key of ['what', 'fix', 'prevention'] as const) {
    const value = context.values[key];
    if (typeof value === 'string') input[key] = value;
  }
  const result = createPostmortem(context.root, context.config, input);
  if (!result.ok) return { code: 1, stderr: `relay postmortem: ${result.error}\n` };
  const names = { what: 'What Went Wrong', fix: 'How It Was Fixed', prevention: 'Prevention' };
  const stderr = result.placeholders.length === 0
    ? ''
    : `relay postmortem: fill in ${result.placeholders.map((key) => `\`## ${names[key]}\``).join(', ')} in \`${result.path}\`; protocol-lint reports the placeholders until then\n`;
  if (context.values.json) return { code: 0, stdout: JSON.stringify({ path: result.path, placeholders: result.placeholders }) + '\n', stderr };
  return { code: 0, stdout: `${result.path}\n`, stderr };
}

function mergeDriver(args: string[]): Outcome {
  if (args[0] === '-h' || args[0] === '--help') return { code: 0, stdout: HELP['merge-driver'] };
  if (args.length !== 4) return usage('merge-driver', `Unexpected ${args.length} arguments, expected 4: \`%O %A %B %P\``);
  const [base, ours, theirs, pathname] = args as [string, string, string, string];
  const result = runMergeDriver({ base, ours, theirs, pathname }, process.cwd());
  if (!result.ok) return { code: 1, stderr: `relay merge-driver: ${result.reason}\n` };
  return { code: 0 };
}

async function main(): Promise<void> {
  let outcome: Outcome;
  try {
    outcome = await runRelay(process.argv.slice(2));
  } catch (error) {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    outcome = { code: 2, stderr: `relay: internal error, please report it: ${detail}\n` };
  }
  if (outcome.stdout) process.stdout.write(outcome.stdout);
  if (outcome.stderr) process.stderr.write(outcome.stderr);
  process.exitCode = outcome.code;
}

await main();
