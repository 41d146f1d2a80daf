/**
 * PostToolUse and PostToolUseFailure hook: lints the protocol files a tool call just changed
 * and hands problems back to Claude with file, line, rule id and how to fix; silent when they
 * are clean. Claude Code fires PostToolUseFailure instead of PostToolUse for a Bash command
 * that exits non-zero, and such a command may well have changed files (a script that appended
 * a line and then failed), so both events run this; the output names the event it answers.
 *
 * - Write, Edit, MultiEdit: the file in `tool_input.file_path`. After an Edit of a queue
 *   file only the edited lines (and the lines of either queue that could be the same URL)
 *   are checked, so a 50,000-item queue costs a few substring searches.
 * - Bash: the protocol files whose mtime moved while the command ran (see bash-changes.ts).
 *
 * Errors block (`decision: "block"`: the reason reaches Claude at once); warnings alone come
 * as `additionalContext`. Every protocol file changed is remembered for the Stop hook.
 */
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { debug } from '../debug.js';
import { loadHookLint } from './load-hook-lint.js';
import type { FileResult } from '../lint/types.js';
import { countNewlines, FileSource, linesAt } from '../protocol/byte-source.js';
import { classifyPath, type Layout } from '../protocol/layout.js';
import { nonRegularReason } from '../protocol/regular-file.js';
import { MTIME_SLACK_MS, protocolFilesChangedSince } from './bash-changes.js';
import { runHook, stringField, type HookInput, type HookOutcome } from './hook-io.js';
import { ownershipProblem } from './ownership.js';
import { copyQueue } from './queue-snapshot.js';
import { SessionMemory } from './session-memory.js';
import { openPendingRecord } from './session-record.js';
import { findStateTree, ownFiles, type StateTree } from './state-tree.js';

const FILE_TOOLS = new Set(['Write', 'Edit', 'MultiEdit']);
/** Without `duration_ms`, a Bash command is assumed to have run within this window. */
const DEFAULT_BASH_WINDOW_MS = 60_000;

async function postToolUse(input: HookInput): Promise<HookOutcome> {
  const event = stringField(input.hook_event_name) === 'PostToolUseFailure' ? 'PostToolUseFailure' : 'PostToolUse';
  const tool = stringField(input.tool_name);
  const toolInput = (input.tool_input ?? {}) as Record<string, unknown>;
  const cwd = stringField(input.cwd) ?? process.cwd();
  let tree: StateTree | undefined;
  let changed: string[] = [];
  let editInput: Record<string, unknown> | undefined;

  if (tool !== undefined && FILE_TOOLS.has(tool)) {
    const filePath = stringField(toolInput.file_path);
    if (filePath === undefined) return quiet(`${event} ${tool}: the event has no tool_input.file_path`);
    const absolute = isAbsolute(filePath) ? filePath : resolve(cwd, filePath);
    tree = findStateTree(dirname(absolute));
    if (!tree) return quiet(`${event} ${tool}: \`${filePath}\` is in no relay state tree`);
    const rel = relative(tree.root, absolute);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return quiet(`${event} ${tool}: \`${filePath}\` is outside the root \`${tree.root}\``);
    const posixRel = rel.split(sep).join('/');
    if (classifyPath(posixRel, tree.config.layout).type === 'none') return quiet(`${event} ${tool}: \`${posixRel}\` is not a protocol file`);
    changed = [posixRel];
    if (tool !== 'Write' && isQueue(posixRel, tree.config.layout)) editInput = toolInput;
  } else if (tool === 'Bash') {
    tree = findStateTree(cwd);
    if (!tree) return quiet(`${event} Bash: \`${cwd}\` is in no relay state tree`);
    const duration = typeof input.duration_ms === 'number' && input.duration_ms >= 0 ? input.duration_ms : DEFAULT_BASH_WINDOW_MS;
    const since = Date.now() - duration - MTIME_SLACK_MS;
    changed = protocolFilesChangedSince(tree.root, tree.config.layout, since, stringField(toolInput.command) ?? '', cwd);
  } else {
    return quiet(`${event}: tool \`${tool ?? '(none)'}\` is not one relay checks`);
  }
  changed = await ownFiles(tree, changed, event);
  if (changed.length === 0) return quiet(`${event} ${tool}: no protocol file changed`);

  const sessionId = stringField(input.session_id);
  const memory = SessionMemory.open(sessionId);
  if (memory !== undefined && sessionId !== undefined) {
    memory.recordTouched(tree.root, changed);
    await openPendingRecord(memory, tree.root, tree.config, sessionId);
  }

  // A FIFO or a device is never read (a FIFO blocks, /dev/zero never ends): such files are
  // named as skipped. A queue is linted with its twin, so a bad twin skips both queues.
  const skipped = new Map<string, string>();
  for (const path of changed) {
    const why = nonRegularReason(join(tree.root, path));
    if (why !== undefined) skipped.set(path, why);
  }
  if (changed.some((path) => isQueue(path, tree!.config.layout))) {
    const { todo, done } = tree.config.layout;
    const twinProblem = [todo, done].map((path) => skipped.get(path) ?? nonRegularReason(join(tree!.root, path))).find((why) => why !== undefined);
    if (twinProblem !== undefined) for (const path of changed) if (isQueue(path, tree.config.layout) && !skipped.has(path)) skipped.set(path, twinProblem);
  }
  for (const [path, why] of skipped) debug('hook', `${event}: skipped \`${path}\`: ${why}`);
  changed = changed.filter((path) => !skipped.has(path));
  const skippedText = [...skipped].map(
    ([path, why]) => `relay: skipped \`${path}\` without reading it: ${why}. State files must be regular files; replace it with one`,
  );

  const agentType = stringField(input.agent_type);
  const ownership = tool === 'Bash' ? [] : changed.flatMap((path) => {
    const classification = classifyPath(path, tree!.config.layout);
    const problem = ownershipProblem(agentType, path, classification.type === 'protocol' ? classification.kind : undefined);
    return problem ? [problem] : [];
  });

  // Queue files are checked only on the lines the change added (and their twins): from the
  // Edit's own text, else from the last linted copy; without either, the whole file. Each is
  // copied first, and the copy is what gets compared, linted and kept as the next snapshot.
  const queues = changed.filter((path) => isQueue(path, tree!.config.layout));
  const copies = new Map(queues.map((path) => [path, copyQueue(tree!.root, path)]));
  let results: FileResult[] = [];
  let report = '';
  try {
    const editLines = editInput && queues.length === 1 ? editedLines(copies.get(queues[0]!)?.path, editInput) : undefined;
    let focus: Record<string, number[]> | undefined = {};
    for (const path of queues) {
      const lines = editLines ?? copies.get(path)?.lines;
      if (lines === undefined) {
        focus = undefined;
        break;
      }
      focus[path] = lines;
    }
    const targets = changed.filter((path) => !(focus && focus[path]?.length === 0));
    if (targets.length > 0) {
      // The engine and reporter load only when there is something to lint.
      const { lint, formatClaude } = await loadHookLint();
      const queueFocus = focus && Object.keys(focus).length > 0 ? Object.fromEntries(Object.entries(focus).filter(([path]) => targets.includes(path))) : undefined;
      const copyPaths = new Map(queues.flatMap((path) => (copies.get(path) ? [[path, copies.get(path)!.path] as [string, string]] : [])));
      ({ results } = await lint({ root: tree.root, config: tree.config, targets, copies: copyPaths, ...(queueFocus && Object.keys(queueFocus).length > 0 ? { focus: queueFocus } : {}) }));
      report = formatClaude(results);
    }
    for (const copy of copies.values()) copy?.keep();
  } finally {
    for (const copy of copies.values()) copy?.discard();
  }
  const errors = results.reduce((sum, result) => sum + result.errorCount, 0);
  const text = [report, ...ownership.map((problem) => `relay: ${problem}`), ...skippedText].filter(Boolean).join('\n');
  if (text === '') return quiet(`${event} ${tool}: ${changed.join(', ')} clean`);
  // PostToolUseFailure takes the same answer as PostToolUse: `decision: "block"` hands the
  // reason to Claude, `additionalContext` adds it as a reminder (docs/plugin.md).
  if (errors > 0 || ownership.length > 0) return { stdout: JSON.stringify({ decision: 'block', reason: text }) };
  return { stdout: JSON.stringify({ hookSpecificOutput: { hookEventName: event, additionalContext: text } }) };
}

/** An empty outcome, saying why under `RELAY_DEBUG=hook`. */
function quiet(why: string): HookOutcome {
  debug('hook', why);
  return {};
}

function isQueue(path: string, layout: Layout): boolean {
  return path === layout.todo || path === layout.done;
}

/**
 * The 1-based lines an Edit or MultiEdit left its new text on, found by searching the file's
 * bytes for each `new_string` (in chunks: a queue is never read whole); undefined when the
 * event has no text or any cannot be found (the snapshot, or else the whole file, decides then).
 */
function editedLines(path: string | undefined, toolInput: Record<string, unknown>): number[] | undefined {
  if (path === undefined) return undefined;
  const edits = Array.isArray(toolInput.edits) ? (toolInput.edits as Array<Record<string, unknown>>) : [toolInput];
  if (edits.some((edit) => typeof edit?.new_string !== 'string')) return undefined;
  let source: FileSource | undefined;
  try {
    source = FileSource.open(path);
  } catch {
    return undefined;
  }
  if (!source) return undefined;
  try {
    const lines = new Set<number>();
    for (const edit of edits) {
      const added = edit.new_string as string;
      if (added === '') continue;
      const found = added.includes('\n') ? searchWhole(source, added, lines) : searchChunks(source, Buffer.from(added, 'utf8'), lines);
      if (!found) return undefined;
    }
    return lines.size === 0 ? undefined : [...lines].sort((a, b) => a - b);
  } finally {
    source.close();
  }
}

/** Adds the line of every match of a one-line text; chunks end at line ends, so no match is cut. */
function searchChunks(source: FileSource, needle: Buffer, lines: Set<number>): boolean {
  const offsets: number[] = [];
  source.forEachChunk((chunk, base) => {
    for (let offset = chunk.indexOf(needle); offset !== -1; offset = chunk.indexOf(needle, offset + 1)) offsets.push(base + offset);
    return true;
  });
  for (const line of linesAt(source, offsets)) lines.add(line);
  return offsets.length > 0;
}

/** Adds the lines every match of a text spanning lines covers (rare for a queue: read it whole). */
function searchWhole(source: FileSource, added: string, lines: Set<number>): boolean {
  const bytes = source.readAll();
  let found = false;
  // Matches come in order, so line numbers are counted on from the previous one.
  let line = 1;
  let counted = 0;
  for (let offset = bytes.indexOf(added); offset !== -1; offset = bytes.indexOf(added, offset + 1)) {
    found = true;
    line += countNewlines(bytes, counted, offset);
    counted = offset;
    const last = line + countNewlines(added);
    for (let at = line; at <= last; at++) lines.add(at);
  }
  return found;
}

await runHook('PostToolUse', postToolUse);
