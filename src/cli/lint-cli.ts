/**
 * `protocol-lint [paths…]`: argument parsing, output and exit codes (0 clean, 1 problems,
 * 2 usage/config/internal failure). The only place that decides the process's exit.
 */
import { faultLine } from '../state/fault.js';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import packageJson from '../../package.json' with { type: 'json' };
import { isOwnRoot, loadConfig, resolveRoot } from '../protocol/config.js';
import { parseIsoTime } from '../protocol/dates.js';
import { printable } from '../protocol/printable.js';
import { parseLintArgs, stagedRoot } from './lint-args.js';
import { GitError } from '../lint/sources.js';
import type { FileResult } from '../lint/types.js';
import { formatClaude } from '../report/claude.js';
import { formatGithub } from '../report/github.js';
import { formatJson } from '../report/json.js';
import { formatStylish, paletteFor } from '../report/stylish.js';

const FORMATS = ['stylish', 'json', 'sarif', 'github', 'claude'] as const;
type Format = (typeof FORMATS)[number];

const HELP = `Usage: protocol-lint [options] [paths…]

Lints a relay state tree: the root (default), or the given files and folders plus the
cross-file checks they take part in. A folder holding .protocol-lint.json is linted as
its own root, under its own config. Files the config's \`ignores\` match are skipped (a
file named on the command line with a warning). Paths are reported from the root;
github and sarif report them from the repository top.

Options:
  -f, --format <name>     stylish (default), json, sarif, github, claude
      --fix               repair fixable problems (queue overlap and duplicates, colliding ids) in place
      --staged            lint what the next git commit holds (files staged in the index)
      --max-warnings <n>  exit 1 when there are more than n warnings
  -c, --config <file>     use this config file instead of <root>/.protocol-lint.json
      --root <dir>        the root of the state tree (default: found from the paths or cwd)
  -q, --quiet             report errors only
      --now <iso-time>    lint as if at this time (reproducible runs of date rules)
      --list-rules        print every rule id, its default level and description
  -v, --version           print the version
  -h, --help              print this help

Exit codes: 0 no errors, 1 errors (or too many warnings), 2 usage, config or internal failure.
Docs: https://github.com/relay-protocol/relay#readme`;

class UsageError extends Error {}

interface Group {
  root: string;
  targets?: string[];
  /**
   * Where reported paths start: the root the command line named or led to; a nested root's
   * files are reported from its parent's base (`state/urls_todo.md`).
   */
  base: string;
  /** Whether the command line named this root (`--config` applies to it; a nested root uses its own). */
  named: boolean;
}

/** The files one root's run reported, with the root they are relative to. */
interface RootResults {
  root: string;
  base: string;
  results: FileResult[];
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

/** Groups the path arguments by the root each belongs to. */
function groupByRoot(paths: string[], rootOption: string | undefined): Group[] {
  if (paths.length === 0) {
    const root = rootOption ? resolve(rootOption) : resolveRoot(process.cwd());
    return [{ root, base: root, named: true }];
  }
  const groups = new Map<string, Group>();
  for (const path of paths) {
    const absolute = resolve(path);
    if (!existsSync(absolute)) throw new UsageError(`No such file or folder: \`${path}\``);
    const isDirectory = statSync(absolute).isDirectory();
    const root = rootOption ? resolve(rootOption) : isDirectory && isOwnRoot(absolute) ? absolute : resolveRoot(isDirectory ? absolute : resolve(absolute, '..'));
    const inside = relative(root, absolute);
    if (inside.startsWith('..') || resolve(root, inside) !== absolute) throw new UsageError(`\`${path}\` is outside the root \`${root}\``);
    let group = groups.get(root);
    if (!group) groups.set(root, (group = { root, targets: [], base: root, named: true }));
    if (inside === '') group.targets = undefined;
    else if (group.targets) group.targets.push(toPosix(inside));
  }
  return [...groups.values()];
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseLintArgs(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  if (values.version) {
    process.stdout.write(packageJson.version + '\n');
    return 0;
  }
  if (values['list-rules']) {
    const { rules } = await import('../rules/index.js');
    for (const rule of rules) process.stdout.write(`${rule.id.padEnd(26)} ${rule.severity.padEnd(8)} ${rule.fixable ? 'fixable ' : '        '}${rule.description}\n`);
    return 0;
  }
  const format = values.format as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`Unknown format \`${values.format}\`, expected one of ${FORMATS.join(', ')}`);
  let maxWarnings = Number.POSITIVE_INFINITY;
  if (values['max-warnings'] !== undefined) {
    maxWarnings = Number(values['max-warnings']);
    if (!Number.isInteger(maxWarnings) || maxWarnings < 0) throw new UsageError(`\`--max-warnings\` takes a whole number, not \`${values['max-warnings']}\``);
  }
  let now: Date | undefined;
  if (values.now !== undefined) {
    now = parseIsoTime(values.now);
    if (now === undefined) throw new UsageError(`Unexpected \`--now ${printable(values.now)}\`, expected a real ISO 8601 time like \`2026-03-19T10:00:00Z\``);
  }
  if (values.staged && values.fix) throw new UsageError('`--fix` cannot be combined with `--staged`: it would rewrite the working tree, not the commit');

  // A mistyped `--root` is a mistake to report, not an empty tree to pass.
  if (values.root !== undefined && !isFolder(resolve(values.root))) throw new UsageError(`Unexpected \`--root ${values.root}\`, expected an existing folder`);
  let groups: Group[];
  if (values.staged) {
    const root = stagedRoot(values.root);
    const targets = positionals.length > 0 ? positionals.map((path) => toPosix(relative(root, resolve(path)))) : undefined;
    groups = [{ root, targets, base: root, named: true }];
  } else {
    groups = groupByRoot(positionals, values.root);
  }

  // Nested roots a run meets are queued behind it and linted under their own config.
  const pick = values.quiet ? onlyErrors : (result: FileResult) => result;
  const linted: RootResults[] = [];
  const seen = new Set<string>();
  for (let index = 0; index < groups.length; index++) {
    const group = groups[index]!;
    if (seen.has(group.root)) continue;
    seen.add(group.root);
    const loaded = loadConfig(group.root, group.named ? values.config : undefined);
    if (!loaded.ok) {
      process.stderr.write(`protocol-lint: invalid configuration\n${loaded.error}\n`);
      return 2;
    }
    const source = values.staged ? 'index' : 'worktree';
    const { lint } = await import('../lint/engine.js');
    const outcome = await lint({ root: group.root, config: loaded.config, targets: group.targets, source, fix: values.fix, now });
    const fromBase = toPosix(relative(group.base, group.root));
    for (const path of outcome.fixed) process.stderr.write(`protocol-lint: fixed ${fromBase === '' ? path : `${fromBase}/${path}`}\n`);
    linted.push({ root: group.root, base: group.base, results: [...outcome.results, ...outcome.ignored.map(ignoredResult)].map(pick) });
    for (const [folder, targets] of outcome.nestedRoots) groups.push({ root: join(group.root, folder), targets, base: group.base, named: false });
  }
  const results = linted.flatMap((each) => each.results);

  const output = await render(format, linted);
  if (output !== '') process.stdout.write(output + '\n');
  const errors = results.reduce((sum, result) => sum + result.errorCount, 0);
  const warnings = results.reduce((sum, result) => sum + result.warningCount, 0);
  if (errors > 0) return 1;
  if (warnings > maxWarnings) {
    process.stderr.write(`protocol-lint: ${warnings} warnings, more than --max-warnings ${maxWarnings}\n`);
    return 1;
  }
  return 0;
}

function onlyErrors(result: FileResult): FileResult {
  const messages = result.messages.filter((message) => message.severity === 2);
  return { ...result, messages, warningCount: 0, fixableWarningCount: 0 };
}

/**
 * A file given by name that the config's `ignores` match: skipped with a warning, as ESLint
 * does ("File ignored because of a matching ignore pattern"), so a name typed on purpose is
 * never dropped without a word.
 */
function ignoredResult(filePath: string): FileResult {
  const message = 'File ignored because it matches a pattern in `ignores` of the config; remove the pattern to lint it';
  return { filePath, messages: [{ ruleId: null, severity: 1, message, line: 1, column: 1 }], errorCount: 0, warningCount: 1, fixableErrorCount: 0, fixableWarningCount: 0 };
}

/**
 * The results with paths relative to `from(root results)`: the run's base for people and
 * tools (stylish, json, claude), the repository top for GitHub and SARIF, whose paths must
 * name the file in the repository.
 */
function relativeTo(linted: RootResults[], from: (each: RootResults) => string): FileResult[] {
  return linted.flatMap((each) => {
    const prefix = toPosix(relative(from(each), each.root));
    return prefix === '' ? each.results : each.results.map((result) => ({ ...result, filePath: `${prefix}/${result.filePath}` }));
  });
}

async function render(format: Format, linted: RootResults[]): Promise<string> {
  const fromBase = () => relativeTo(linted, (each) => each.base);
  const fromRepository = () => relativeTo(linted, (each) => repositoryTop(each.base) ?? each.base);
  switch (format) {
    case 'json':
      return formatJson(fromBase());
    case 'sarif':
      // SARIF lists every rule: it loads the registry, which other formats do not need.
      return (await import('../report/sarif.js')).formatSarif(fromRepository(), packageJson.version);
    case 'github':
      return formatGithub(fromRepository());
    case 'claude':
      return formatClaude(fromBase());
    default:
      return formatStylish(fromBase(), paletteFor(process.stdout));
  }
}

/** The top of the git work tree holding a folder (the nearest folder with `.git`), or undefined outside git. */
function repositoryTop(folder: string): string | undefined {
  for (let dir = resolve(folder); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Runs protocol-lint and sets the exit code. */
export function run(argv: string[]): Promise<void> {
  // A reader that stops early (`protocol-lint | head`) is not an error worth a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
  return main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      // One line, like relay's: every failure is one line on stderr (PROTOCOL §10), and what the
      // command line or a file name brought in cannot start another (a CI log reads lines as commands).
      if (error instanceof UsageError) {
        process.stderr.write(`protocol-lint: ${printable(error.message)}; see \`protocol-lint --help\`\n`);
      } else if (error instanceof GitError) {
        process.stderr.write(`protocol-lint: ${printable(error.message)}\n`);
      } else if (faultLine(error, process.cwd()) !== undefined) {
        // Permission denied, a read-only or full disk, a read-only file --fix will not replace.
        process.stderr.write(`protocol-lint: ${printable(faultLine(error, process.cwd())!)}\n`);
        process.exitCode = 1;
        return;
      } else {
        process.stderr.write(`protocol-lint: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
      }
      process.exitCode = 2;
    },
  );
}
