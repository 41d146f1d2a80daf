/**
 * The shapes shared by the engine, the rules and the reporters.
 */
import type { Project } from './project.js';
import type { ProjectFile } from './project.js';

/** A rule's default level. */
export type Severity = 'error' | 'warning';

/** A fix the engine can apply: drop a line of a file (queue rules), or renumber a colliding id (layout-duplicate-id). */
export type Fix = { removeLine: number } | { renumber: true };

/** What a rule reports. */
export interface Report {
  /** Root-relative POSIX path. */
  file: string;
  line?: number;
  column?: number;
  message: string;
  fix?: Fix;
  /**
   * A lower level for this message than the rule's (a rule with two kinds of finding, like
   * `wave-inheritance`); never raises it, so a rule set to `warning` stays a warning.
   */
  severity?: 'warning';
}

/** One message in a result, ESLint-compatible plus the rule's doc URL. */
export interface LintMessage {
  /** The rule; null for a note from protocol-lint itself (a file skipped by `ignores`), as in ESLint. */
  ruleId: string | null;
  severity: 1 | 2;
  message: string;
  line: number;
  column: number;
  fixable?: boolean;
  docs?: string;
}

/** All messages of one file, ESLint-compatible. */
export interface FileResult {
  filePath: string;
  messages: LintMessage[];
  errorCount: number;
  warningCount: number;
  fixableErrorCount: number;
  fixableWarningCount: number;
}

/** What a rule sees. */
export interface RuleContext<Options = Record<string, unknown>> {
  project: Project;
  /** The files being linted (protocol files only), in path order. */
  targets: ProjectFile[];
  /** Whether every file of the root is being linted (not a subset). */
  full: boolean;
  options: Options;
  now: Date;
  /** The id of every rule in the registry, on or off (a postmortem lesson may name one as its enforcer). */
  ruleIds: ReadonlySet<string>;
  report(report: Report): void;
}

/** A documented example: files of a small tree and the exact messages the rule gives on it. */
export interface RuleExample {
  title: string;
  /** Root-relative path → content. */
  files: Record<string, string>;
  /** `path:line:column message` lines, in order; empty for an ok example. */
  messages: string[];
  /** Files written byte for byte from Latin-1 strings (one byte per character), for encoding examples. */
  latin1Files?: Record<string, string>;
  /** Extra config file keys (besides the rule's options), for examples that need them. */
  config?: Record<string, unknown>;
  /** Rule options for this example. */
  options?: Record<string, unknown>;
  /** The moment the example is linted at, when the rule depends on it. */
  now?: string;
  /** The tree after `--fix`, for fixable rules: path → expected content. */
  fixed?: Record<string, string>;
}

/** A lint rule. One file per rule under src/rules/. */
export interface Rule<Options = Record<string, unknown>> {
  id: string;
  /** One line: what it catches. */
  description: string;
  severity: Severity;
  fixable?: boolean;
  /** JSON Schema of the options object, and its defaults. */
  options?: { schema: Record<string, unknown>; defaults: Options };
  docs: {
    /** Why the rule exists and how to fix what it reports. */
    rationale: string;
    examples: RuleExample[];
  };
  check(context: RuleContext<Options>): void | Promise<void>;
}
