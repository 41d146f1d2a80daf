/**
 * `relay doctor`: checks the wiring a repository needs for relay (the merge driver, the
 * `.gitattributes` lines, the pre-commit hook, CLAUDE.md's Session Protocol section, Node,
 * the ledger folder, an installed plugin's version) and repairs the safe parts with
 * src/state/init.ts's own functions, so `doctor --fix` and `relay init` never disagree.
 */
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { Config } from '../protocol/config.js';
import { readRegularFile } from '../protocol/regular-file.js';
import { isInsideWorkTree, runGit } from './git.js';
import {
  ensureFolder,
  ensureMergeAttributes,
  ensureSessionProtocol,
  hasSessionProtocolSection,
  InitRefusal,
  keyFileText,
  MERGE_DRIVER_NAME,
  missingMergeAttributes,
  registerMergeDriver,
} from './init.js';

/** One check's outcome: `ok`, or what is wrong and the command that fixes it. */
export interface Check {
  id: 'git' | 'merge-driver' | 'gitattributes' | 'pre-commit' | 'claude-md' | 'node' | 'ledger' | 'plugin';
  ok: boolean;
  message: string;
  /** The command (or edit) that fixes a finding. */
  fix?: string;
  /** Whether `relay doctor --fix` applies the fix. */
  fixable?: boolean;
}

/** What the checks need beyond the root and config. */
export interface DoctorOptions {
  /** This relay's version (package.json). */
  version: string;
  /** package.json's `engines.node` range, e.g. `>=20`. */
  nodeRange: string;
  /** The running Node's version, without the `v`. */
  nodeVersion: string;
  /** The merge driver command `--fix` registers: this checkout's bundle. */
  driverCommand: string;
  env: NodeJS.ProcessEnv;
}

/** Runs every check on `root`. */
export function diagnose(root: string, config: Config, options: DoctorOptions): Check[] {
  const checks: Check[] = [];
  const inGit = isInsideWorkTree(root);
  if (inGit) {
    checks.push(checkMergeDriver(root));
  } else {
    checks.push({ id: 'git', ok: false, message: `\`${root}\` is not inside a git work tree, expected one (the merge driver and the pre-commit hook live in git)`, fix: 'git init' });
  }
  checks.push(checkAttributes(root, config));
  if (inGit) checks.push(checkPreCommit(root, options.env));
  checks.push(checkClaudeMd(root, config), checkNode(options), checkLedger(root, config), checkPlugin(options));
  return checks;
}

/** Applies the safe fixes for `checks`' findings; returns each change made. */
export function applyFixes(root: string, config: Config, checks: Check[], options: DoctorOptions): { changes: string[]; errors: string[] } {
  const changes: string[] = [];
  const errors: string[] = [];
  for (const check of checks) {
    if (check.ok || !check.fixable) continue;
    try {
      changes.push(...applyFix(root, config, check, options, errors));
    } catch (error) {
      // A key file or folder that turned out to be a link out of the tree, a FIFO or a device.
      if (!(error instanceof InitRefusal)) throw error;
      errors.push(error.message);
    }
  }
  return { changes, errors };
}

/** Applies the safe fix of one finding; returns the changes, and adds a failure to `errors`. */
function applyFix(root: string, config: Config, check: Check, options: DoctorOptions, errors: string[]): string[] {
  if (check.id === 'merge-driver') {
    const result = registerMergeDriver(root, options.driverCommand);
    if (!result.ok) errors.push(result.error);
    return result.changes;
  }
  if (check.id === 'gitattributes') return ensureMergeAttributes(root, config);
  if (check.id === 'claude-md') return ensureSessionProtocol(root, config);
  if (check.id === 'ledger') return ensureFolder(root, config.layout.sessions);
  return [];
}

const DRIVER_KEY = `merge.${MERGE_DRIVER_NAME}.driver`;

function checkMergeDriver(root: string): Check {
  const fix = 'relay doctor --fix';
  const current = runGit(['config', '--get', DRIVER_KEY], root);
  if (!current.ok || current.stdout.trim() === '') {
    return { id: 'merge-driver', ok: false, message: `No git config \`${DRIVER_KEY}\`, expected the relay merge driver registered (the queue files conflict in merges without it)`, fix, fixable: true };
  }
  const command = current.stdout.trim();
  const bundle = driverBundle(command);
  if (bundle === undefined) {
    return { id: 'merge-driver', ok: false, message: `Unexpected \`${DRIVER_KEY}\` \`${command}\`, expected \`node BUNDLE merge-driver %O %A %B %P\``, fix, fixable: true };
  }
  if (!existsSync(bundle)) {
    return { id: 'merge-driver', ok: false, message: `The merge driver runs \`${bundle}\`, which does not exist (moved checkout?), expected an existing relay bundle`, fix, fixable: true };
  }
  return { id: 'merge-driver', ok: true, message: `merge driver \`${MERGE_DRIVER_NAME}\` runs \`${bundle}\`` };
}

/** The bundle path in a driver command `node BUNDLE merge-driver …`, unquoted, or undefined for another shape. */
export function driverBundle(command: string): string | undefined {
  const match = /^node\s+('(?:[^']|'\\'')*'|[^\s'"]+)\s+merge-driver\b/.exec(command);
  if (match === null) return undefined;
  const word = match[1]!;
  return word.startsWith("'") ? word.slice(1, -1).replace(/'\\''/g, "'") : word;
}

function checkAttributes(root: string, config: Config): Check {
  let missing: string[];
  try {
    missing = missingMergeAttributes(root, config);
  } catch (error) {
    if (!(error instanceof InitRefusal)) throw error;
    return { id: 'gitattributes', ok: false, message: error.message, fix: 'replace `.gitattributes` with a regular file of the repository', fixable: false };
  }
  if (missing.length === 0) return { id: 'gitattributes', ok: true, message: `\`.gitattributes\` routes the queue files to \`merge=${MERGE_DRIVER_NAME}\`` };
  const lines = missing.map((path) => `\`${path} merge=${MERGE_DRIVER_NAME}\``).join(' and ');
  return { id: 'gitattributes', ok: false, message: `\`.gitattributes\` lacks ${lines}, expected the queue files routed to the merge driver`, fix: 'relay doctor --fix', fixable: true };
}

const HOOK_FIX = 'add `.git/hooks/pre-commit` running `protocol-lint --staged` (README, "Install", shows it and the husky and pre-commit framework set-ups)';

function checkPreCommit(root: string, env: NodeJS.ProcessEnv): Check {
  const hooksPath = runGit(['rev-parse', '--git-path', 'hooks'], root);
  const hooksDir = hooksPath.ok ? resolve(root, hooksPath.stdout.trim()) : join(root, '.git', 'hooks');
  const gitHook = join(hooksDir, 'pre-commit');
  const framework = join(root, '.pre-commit-config.yaml');
  if (existsSync(framework) && readText(framework).includes('protocol-lint')) {
    if (!existsSync(gitHook)) {
      return { id: 'pre-commit', ok: false, message: `\`.pre-commit-config.yaml\` runs protocol-lint but no \`${gitHook}\` is installed, expected the pre-commit framework's hook`, fix: 'pre-commit install' };
    }
    return { id: 'pre-commit', ok: true, message: 'the pre-commit framework runs protocol-lint (`.pre-commit-config.yaml`)' };
  }
  const husky = join(root, '.husky', 'pre-commit');
  if (existsSync(husky)) {
    // husky 9 points `core.hooksPath` at `.husky/_`, whose hooks run the ones in `.husky/`.
    if (!/(^|[\\/])\.husky([\\/]_)?$/.test(hooksDir)) {
      return { id: 'pre-commit', ok: false, message: '`.husky/pre-commit` exists but git\'s `core.hooksPath` is not `.husky/_`, expected husky installed', fix: 'npx husky' };
    }
    return hookCalls(root, '.husky/pre-commit', readText(husky), env);
  }
  if (existsSync(gitHook)) {
    if (!isExecutable(gitHook)) {
      return { id: 'pre-commit', ok: false, message: `\`${gitHook}\` is not executable, expected git to be able to run it`, fix: `chmod +x '${gitHook}'` };
    }
    return hookCalls(root, gitHook, readText(gitHook), env);
  }
  return { id: 'pre-commit', ok: false, message: 'No pre-commit hook found (git hook, `.husky/pre-commit` or `.pre-commit-config.yaml`), expected one running protocol-lint', fix: HOOK_FIX };
}

/** Whether a hook's text runs protocol-lint (directly or through lint-staged) that can be found. */
function hookCalls(root: string, name: string, text: string, env: NodeJS.ProcessEnv): Check {
  let via = '';
  let body = text;
  if (!text.includes('protocol-lint') && /\blint-staged\b/.test(text)) {
    body = lintStagedConfig(root);
    via = ' through lint-staged';
  }
  const words = [...body.matchAll(/[^\s'"`=:,;{}[\]()]*protocol-lint(?![\w-])/g)].map((match) => match[0]);
  if (words.length === 0) {
    return { id: 'pre-commit', ok: false, message: `\`${name}\`${via} does not run protocol-lint, expected \`protocol-lint --staged\``, fix: HOOK_FIX };
  }
  // A hook may try several (`node_modules/.bin/protocol-lint`, else the one on the PATH): one that runs is enough.
  const problems = words.map((word) => ({ word, problem: unreachable(root, word, env) }));
  const first = problems[0]!;
  if (problems.every((each) => each.problem !== undefined)) {
    return { id: 'pre-commit', ok: false, message: `\`${name}\`${via} runs \`${first.word}\`, ${first.problem}`, fix: '`npm install -D relay-protocol`, or install it globally (README, "Install")' };
  }
  return { id: 'pre-commit', ok: true, message: `\`${name}\`${via} runs protocol-lint` };
}

/** Why `word` (a path or a bare `protocol-lint`) cannot be run from a hook, or undefined when it can. */
function unreachable(root: string, word: string, env: NodeJS.ProcessEnv): string | undefined {
  // A variable (`$GITHUB_ACTION_PATH/...`, `$(git rev-parse …)/...`) cannot be resolved here.
  if (word.includes('$')) return undefined;
  if (word.includes('/')) {
    const path = isAbsolute(word) ? word : resolve(root, word);
    return existsSync(path) ? undefined : `which does not exist, expected an existing protocol-lint`;
  }
  if (existsSync(join(root, 'node_modules', '.bin', 'protocol-lint'))) return undefined;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && isExecutable(join(dir, 'protocol-lint'))) return undefined;
  }
  return 'which is neither in `node_modules/.bin` nor on the `PATH`, expected protocol-lint installed';
}

/** The text of lint-staged's configuration (package.json's `lint-staged` or a `.lintstagedrc*` file). */
function lintStagedConfig(root: string): string {
  const texts: string[] = [];
  try {
    const pkg = JSON.parse(readText(join(root, 'package.json'))) as { 'lint-staged'?: unknown };
    if (pkg['lint-staged'] !== undefined) texts.push(JSON.stringify(pkg['lint-staged']));
  } catch {
    // No package.json, or one that is not JSON: no lint-staged configuration there.
  }
  for (const name of readdirSync(root)) {
    if (name.startsWith('.lintstagedrc') || name.startsWith('lint-staged.config')) texts.push(readText(join(root, name)));
  }
  return texts.join('\n');
}

function checkClaudeMd(root: string, config: Config): Check {
  const path = join(root, config.layout.claudeMd);
  const fix = 'relay doctor --fix';
  if (!existsSync(path)) return { id: 'claude-md', ok: false, message: `No \`${config.layout.claudeMd}\`, expected one with a Session Protocol section`, fix, fixable: true };
  let text: string | undefined;
  try {
    text = keyFileText(root, config.layout.claudeMd);
  } catch (error) {
    if (!(error instanceof InitRefusal)) throw error;
    return { id: 'claude-md', ok: false, message: error.message, fix: `replace \`${config.layout.claudeMd}\` with a regular file of the repository`, fixable: false };
  }
  if (!hasSessionProtocolSection(text ?? '')) {
    return { id: 'claude-md', ok: false, message: `\`${config.layout.claudeMd}\` has no Session Protocol section, expected \`## Session Protocol\``, fix, fixable: true };
  }
  return { id: 'claude-md', ok: true, message: `\`${config.layout.claudeMd}\` has a Session Protocol section` };
}

function checkNode(options: DoctorOptions): Check {
  const minimum = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(options.nodeRange.trim());
  if (minimum === null) return { id: 'node', ok: true, message: `Node ${options.nodeVersion} (engines \`${options.nodeRange}\` not checked)` };
  const have = options.nodeVersion.split('.').map(Number);
  const want = [Number(minimum[1]), Number(minimum[2] ?? 0), Number(minimum[3] ?? 0)];
  const index = want.findIndex((part, i) => (have[i] ?? 0) !== part);
  const enough = index === -1 || (have[index] ?? 0) > want[index]!;
  if (!enough) {
    return { id: 'node', ok: false, message: `Node \`${options.nodeVersion}\`, expected \`${options.nodeRange}\``, fix: `install Node ${want[0]} or later (e.g. \`nvm install ${want[0]}\`)` };
  }
  return { id: 'node', ok: true, message: `Node ${options.nodeVersion} satisfies \`${options.nodeRange}\`` };
}

function checkLedger(root: string, config: Config): Check {
  const folder = config.layout.sessions;
  if (existsSync(join(root, folder))) return { id: 'ledger', ok: true, message: `the session ledger \`${folder}/\` exists` };
  return { id: 'ledger', ok: false, message: `No session ledger \`${folder}/\`, expected the folder the SessionStart hook records sessions in`, fix: 'relay doctor --fix', fixable: true };
}

/** An installed copy of the plugin: its id (`relay@marketplace`) and version. */
interface InstalledPlugin {
  id: string;
  version: string;
}

function checkPlugin(options: DoctorOptions): Check {
  const installed = installedPlugins(options.env);
  if (installed.length === 0) return { id: 'plugin', ok: true, message: 'no installed relay plugin (nothing to compare)' };
  const other = installed.filter((plugin) => plugin.version !== options.version);
  if (other.length === 0) return { id: 'plugin', ok: true, message: `installed plugin ${installed.map((plugin) => `\`${plugin.id}\``).join(', ')} is version ${options.version}, as this checkout` };
  const first = other[0]!;
  return {
    id: 'plugin',
    ok: false,
    message: `Installed plugin \`${first.id}\` is version \`${first.version}\`, expected this checkout's \`${options.version}\``,
    fix: `claude plugin marketplace update ${first.id.slice('relay@'.length)} && claude plugin update ${first.id}`,
  };
}

/** The relay plugins Claude Code has installed (`installed_plugins.json`, else the cache folders). */
function installedPlugins(env: NodeJS.ProcessEnv): InstalledPlugin[] {
  const configDir = env.CLAUDE_CONFIG_DIR ?? join(env.HOME ?? homedir(), '.claude');
  const pluginsDir = env.CLAUDE_CODE_PLUGIN_CACHE_DIR ?? join(configDir, 'plugins');
  const found: InstalledPlugin[] = [];
  try {
    const records = (JSON.parse(readText(join(pluginsDir, 'installed_plugins.json'))) as { plugins?: Record<string, unknown> }).plugins ?? {};
    for (const [id, value] of Object.entries(records)) {
      if (!id.startsWith('relay@')) continue;
      // Version 2 of the file keeps a list of installs per plugin (one per scope); version 1 one object.
      for (const entry of (Array.isArray(value) ? value : [value]) as { version?: string; installPath?: string }[]) {
        const version = manifestVersion(entry.installPath) ?? entry.version;
        if (version !== undefined) found.push({ id, version });
      }
    }
    return found;
  } catch {
    // No readable installed_plugins.json: look at the cache folders instead.
  }
  const cache = join(pluginsDir, 'cache');
  for (const marketplace of safeList(cache)) {
    for (const version of safeList(join(cache, marketplace, 'relay'))) {
      const dir = join(cache, marketplace, 'relay', version);
      if (existsSync(join(dir, '.orphaned_at'))) continue;
      found.push({ id: `relay@${marketplace}`, version: manifestVersion(dir) ?? version });
    }
  }
  return found;
}

function manifestVersion(dir: string | undefined): string | undefined {
  if (dir === undefined) return undefined;
  try {
    const version = (JSON.parse(readText(join(dir, '.claude-plugin', 'plugin.json'))) as { version?: unknown }).version;
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** A regular file's text, or '' when it is missing, unreadable or not a regular file (a FIFO is never read). */
function readText(path: string): string {
  try {
    return readRegularFile(path)?.toString('utf8') ?? '';
  } catch {
    return '';
  }
}

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
