/**
 * The lint engine: discover → read → parse once → run rules → results → fixes.
 */
import { debug } from '../debug.js';
import { normalizeLevel, type Config, type RuleLevel } from '../protocol/config.js';
import { rules as registry } from '../rules/index.js';
import { applyFocus } from './focus.js';
import { ignoreMatcher } from './ignore-matcher.js';
import { PathFilter } from './path-filter.js';
import { loadFrontMatterSupport, Project, type ProjectFile } from './project.js';
import type { GitIndexSource } from './git-index-source.js';
import { WorkingTreeSource, type FileSource } from './sources.js';
import type { FileResult, LintMessage, Report, Rule, RuleContext } from './types.js';

/** Where the rule docs are published. */
export const DOCS_BASE = 'https://github.com/relay-protocol/relay/blob/main/docs/rules/';

/** What to lint and how. */
export interface LintOptions {
  root: string;
  config: Config;
  /** Root-relative POSIX paths of files or folders; undefined lints the whole root (or, with `source: 'index'`, the staged changes). */
  targets?: string[];
  /** Read the working tree (default) or the git index (`--staged`). */
  source?: 'worktree' | 'index' | GitIndexSource;
  fix?: boolean;
  now?: Date;
  /**
   * The previous text of each changed queue file, by path: the queues are then read only on
   * the changed lines and the lines of their URLs (focus.ts), the hook's fast path after an
   * edit. `--staged` finds HEAD's copies itself.
   */
  previous?: Map<string, string>;
  /** Rules to run instead of the registry (examples and tests). */
  rules?: Rule<any>[];
}

/** The outcome of a lint run. */
export interface LintOutcome {
  results: FileResult[];
  /** Files `--fix` rewrote. */
  fixed: string[];
  /** Files given as targets that the config's `ignores` match: skipped (the CLI says so, as ESLint does). */
  ignored: string[];
  /**
   * Folders under the root holding their own config, which this run met and left alone: each
   * is linted as its own root, whole (undefined) or on the given paths (relative to it).
   */
  nestedRoots: Map<string, string[] | undefined>;
}

interface Collected extends LintMessage {
  ruleId: string;
  file: string;
  removeLine?: number;
  renumber?: boolean;
}

/** Lints a root and returns ESLint-shaped results, one per linted file. */
export async function lint(options: LintOptions): Promise<LintOutcome> {
  const first = await runOnce(options);
  const met = { ignored: first.ignored, nestedRoots: first.nestedRoots };
  if (!options.fix) return { results: first.results, fixed: [], ...met };
  // The fixer (and the lock it takes) loads only for --fix.
  const { applyFixes, applyRenumbering } = await import('./fix.js');
  const fixed = applyFixes(first.project, first.fixes);
  if (first.renumber.size > 0) fixed.push(...applyRenumbering(first.project, [...first.renumber]));
  if (fixed.length === 0) return { results: first.results, fixed, ...met };
  const second = await runOnce({ ...options, fix: false });
  return { results: second.results, fixed, ...met };
}

async function runOnce(options: LintOptions): Promise<RunResult> {
  const { root, config } = options;
  let gitIndex: GitIndexSource | undefined;
  if (options.source === 'index') gitIndex = new (await import('./git-index-source.js')).GitIndexSource(root);
  else if (typeof options.source === 'object') gitIndex = options.source;
  const source: FileSource = gitIndex ?? new WorkingTreeSource(root, config.ignores);
  return lintProject(options, new Project(root, config, source), source, gitIndex);
}

type RunResult = {
  results: FileResult[];
  project: Project;
  fixes: Map<string, Set<number>>;
  renumber: Set<string>;
  ignored: string[];
  nestedRoots: Map<string, string[] | undefined>;
};

async function lintProject(options: LintOptions, project: Project, source: FileSource, gitIndex: GitIndexSource | undefined): Promise<RunResult> {
  const { config } = options;
  const full = options.targets === undefined && gitIndex === undefined;
  if (gitIndex) await gitIndex.stagedChanges();
  let paths: string[];
  if (options.targets === undefined) {
    paths = gitIndex ? await gitIndex.stagedChanges() : await source.walk();
  } else {
    paths = [];
    for (const target of options.targets) {
      if (target === '' || target === '.') paths.push(...(await source.walk()));
      else if (source.isDirectory(target)) paths.push(...(await source.walk(target)));
      else paths.push(target);
    }
    paths = [...new Set(paths)].sort();
  }
  const selected = selectPaths(options, source, paths);
  const { ignored, nestedRoots } = selected;
  paths = selected.kept;
  // A symbolic link out of the root is kept wherever it is, so `file-unreadable` reports it.
  let targets = paths.map((path) => project.file(path)).filter((file) => file.classification.type !== 'none' || source.leavesRoot?.(file.path) !== undefined);
  // The two queue files go first, into one batch: the checks between them then parse each once.
  targets.sort((a, b) => Number(isQueue(b)) - Number(isQueue(a)));
  let previous = options.previous;
  if (gitIndex) {
    const { todo, done } = config.layout;
    const stagedQueues = targets.filter(isQueue).map((file) => file.path);
    // Both queues when one is staged (it is linted with its twin), and HEAD's copies of the staged ones: one git cat-file.
    await gitIndex.prepare([...targets.filter((file) => file.isProtocol).map((file) => file.path), ...(stagedQueues.length > 0 ? [todo, done] : [])], stagedQueues);
    // A commit's queue changes are checked like an edit: against HEAD's copies.
    if (previous === undefined && stagedQueues.length > 0) {
      const heads = stagedQueues.map((path) => [path, gitIndex.headText(path)] as const);
      const missing = heads.filter(([, text]) => text === undefined).map(([path]) => path);
      if (missing.length === 0) previous = new Map(heads as [string, string][]);
      else debug('focus', `the queues are linted whole: HEAD has no readable \`${missing.join('`, `')}\``);
    }
  }
  // A run after a change (hook, commit) lints both queues: a change in one can change the answer
  // for a line of the other. Focused, it reads them only where the change can matter.
  if (previous) {
    applyFocus(project, previous);
    const missing = [config.layout.todo, config.layout.done].filter((path) => !targets.some((file) => file.path === path) && project.file(path).text !== undefined);
    targets = [...missing.map((path) => project.file(path)), ...targets];
  }

  // Documents may carry front matter; queue files never do, so a queue-only run skips loading its parser.
  if (targets.some((file) => file.isProtocol && !isQueue(file))) await loadFrontMatterSupport();

  const collected: Collected[] = [];
  const now = options.now ?? new Date();
  const active = (options.rules ?? registry).flatMap((rule) => {
    const { level, ruleOptions } = settingFor(rule, config);
    return level === 'off' ? [] : [{ rule, severity: (level === 'error' ? 2 : 1) as 1 | 2, ruleOptions }];
  });
  // Rules run over batches of files, and each batch is released afterwards: held all at once,
  // a fleet tree's texts would be copied by every young-generation GC. Cross-file rules still
  // see the files they read through the project; a message repeated by several batches is
  // reported once.
  const kept: Collected[] = [];
  const elsewhere: Collected[] = [];
  for (let start = 0; start < Math.max(targets.length, 1); start += BATCH_SIZE) {
    const batch = targets.slice(start, start + BATCH_SIZE);
    for (const { rule, severity, ruleOptions } of active) {
      const context: RuleContext<any> = {
        project,
        targets: batch,
        full,
        options: ruleOptions,
        now,
        ruleIds,
        report(report: Report) {
          collected.push(toMessage(project, rule, severity, report));
        },
      };
      try {
        await rule.check(context);
      } catch (error) {
        // A crashing rule becomes a message, not a crashed run (as markdownlint does).
        const file = batch[0]?.path ?? config.layout.claudeMd;
        collected.push({
          file,
          ruleId: rule.id,
          severity: 2,
          message: `Rule \`${rule.id}\` failed with an internal error: ${(error as Error).message}; please report this`,
          line: 1,
          column: 1,
        });
      }
    }
    // Apply the batch's inline directives while its texts are at hand, then let them go.
    const inBatch = new Set(batch.map((file) => file.path));
    for (const message of collected.splice(0)) {
      if (!inBatch.has(message.file)) elsewhere.push(message);
      else if (!isDisabled(project, message)) kept.push(message);
    }
    if (targets.length > BATCH_SIZE) for (const file of batch) file.release();
  }
  const remaining = [...kept, ...elsewhere.filter((message) => !isDisabled(project, message))];
  return { ...collect(project, targets, remaining), ignored, nestedRoots };
}

/**
 * Drops the paths that are not this root's to lint (path-filter.ts): those the config's
 * `ignores` match, and those inside a nested root, which are handed back to be linted under
 * that root's own config. The working-tree walk skips both already; it names the nested roots.
 */
function selectPaths(options: LintOptions, source: FileSource, paths: string[]) {
  const filter = new PathFilter(options.root, ignoreMatcher(options.config.ignores));
  const given = new Set(options.targets ?? []);
  const kept: string[] = [];
  const ignored: string[] = [];
  const nestedRoots = new Map<string, string[] | undefined>();
  for (const folder of source instanceof WorkingTreeSource ? source.nestedRoots : []) {
    debug('config', `\`${folder}/\` holds its own config: linted as its own root, not under \`${options.root}\``);
    nestedRoots.set(folder, undefined);
  }
  for (const path of paths) {
    // The top's `ignores` judge a nested root as a whole folder, never the files in it.
    const nested = filter.nestedRootOf(path);
    if (nested !== undefined && !filter.isIgnored(nested)) {
      debug('config', `\`${path}\` belongs to the nested root \`${nested}/\`: linted under its own config`);
      // A path given by name is linted by name there; one met in a walk or a commit, with its whole root.
      const inside = path.slice(nested.length + 1);
      const known = nestedRoots.get(nested);
      if (!nestedRoots.has(nested)) nestedRoots.set(nested, given.has(path) ? [inside] : undefined);
      else if (known !== undefined) {
        if (given.has(path)) known.push(inside);
        else nestedRoots.set(nested, undefined);
      }
      continue;
    }
    if (nested !== undefined || filter.isIgnored(path)) {
      debug('config', `\`${path}\` matches the config's \`ignores\`: skipped`);
      if (given.has(path)) ignored.push(path);
      continue;
    }
    kept.push(path);
  }
  return { kept, ignored, nestedRoots };
}

/** Files per batch: large enough to amortise cross-file work, small enough to stay in the young generation. */
const BATCH_SIZE = 256;

/** The registry's ids, for rules that check a name against them. */
const ruleIds: ReadonlySet<string> = new Set(registry.map((rule) => rule.id));

function isQueue(file: ProjectFile): boolean {
  return file.kind === 'todo' || file.kind === 'done';
}

function isDisabled(project: Project, message: Collected): boolean {
  const file = project.file(message.file);
  return file.text !== undefined && file.directives.isDisabled(message.ruleId, message.line);
}

function settingFor(rule: Rule<any>, config: Config): { level: RuleLevel; ruleOptions: Record<string, unknown> } {
  const setting = config.rules[rule.id];
  const defaults = rule.options?.defaults ?? {};
  if (setting === undefined) return { level: rule.severity, ruleOptions: defaults };
  if (Array.isArray(setting)) return { level: normalizeLevel(setting[0]), ruleOptions: { ...defaults, ...setting[1] } };
  return { level: normalizeLevel(setting), ruleOptions: defaults };
}

function toMessage(project: Project, rule: Rule<any>, severity: 1 | 2, report: Report): Collected {
  const file = project.file(report.file);
  // Positions are clamped to the file, so a rule's off-by-one never yields an impossible location.
  const lineCount = file.text === undefined ? Number.POSITIVE_INFINITY : file.lineCount;
  const line = Math.min(Math.max(1, Math.floor(report.line ?? 1)), lineCount);
  const column = Math.max(1, Math.floor(report.column ?? 1));
  const level = report.severity === 'warning' ? 1 : severity;
  const message: Collected = { file: report.file, ruleId: rule.id, severity: level, message: report.message, line, column, docs: DOCS_BASE + rule.id + '.md' };
  if (report.fix && rule.fixable) {
    message.fixable = true;
    if ('removeLine' in report.fix) message.removeLine = report.fix.removeLine;
    else message.renumber = true;
  }
  return message;
}

function collect(project: Project, targets: ProjectFile[], collected: Collected[]) {
  const byFile = new Map<string, Collected[]>();
  for (const target of targets) byFile.set(target.path, []);
  const fixes = new Map<string, Set<number>>();
  const renumber = new Set<string>();
  const seen = new Set<string>();
  for (const message of collected) {
    const key = `${message.file}\0${message.line}\0${message.column}\0${message.ruleId}\0${message.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    let list = byFile.get(message.file);
    if (!list) byFile.set(message.file, (list = []));
    list.push(message);
    if (message.removeLine !== undefined) {
      let lines = fixes.get(message.file);
      if (!lines) fixes.set(message.file, (lines = new Set()));
      lines.add(message.removeLine);
    }
    if (message.renumber) renumber.add(message.file);
  }
  const results: FileResult[] = [];
  for (const [filePath, messages] of [...byFile].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    messages.sort((a, b) => a.line - b.line || a.column - b.column || (a.ruleId < b.ruleId ? -1 : 1));
    const clean: LintMessage[] = messages.map(({ file: _file, removeLine: _removeLine, renumber: _renumber, ...message }) => message);
    results.push({
      filePath,
      messages: clean,
      errorCount: clean.filter((message) => message.severity === 2).length,
      warningCount: clean.filter((message) => message.severity === 1).length,
      fixableErrorCount: clean.filter((message) => message.severity === 2 && message.fixable).length,
      fixableWarningCount: clean.filter((message) => message.severity === 1 && message.fixable).length,
    });
  }
  return { results, project, fixes, renumber };
}
