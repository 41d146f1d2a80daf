/**
 * PostToolUse and PostToolUseFailure hook: lints the protocol files a tool call just changed
 * and hands problems back to Claude with file, line, rule id and how to fix; silent when they
 * are clean. Claude Code fires PostToolUseFailure instead of PostToolUse for a Bash command
 * that exits non-zero, and such a command may well have changed files (a script that appended
 * a line and then failed), so both events run this; the output names the event it answers.
 *
 * - Write, Edit, MultiEdit: the file in `tool_input.file_path`. After a change of a queue file
 *   only the changed lines (and the lines of either queue holding their URLs) are checked
 *   (src/lint/focus.ts), against the text before the edit: rebuilt from an Edit's own
 *   strings, else the last linted snapshot (queue-snapshot.ts), else the file is linted whole.
 * - Bash: the protocol files whose mtime moved while the command ran (see bash-changes.ts).
 *
 * Errors block (`decision: "block"`: the reason reaches Claude at once); warnings alone come
 * as `additionalContext`. Every protocol file changed is remembered for the Stop hook.
 */
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { debug } from '../debug.js';
import type { FileResult } from '../lint/types.js';
import { classifyPath, type Layout } from '../protocol/layout.js';
import { nonRegularReason, readDocument } from '../protocol/regular-file.js';
import { MAX_QUEUE_BYTES } from '../protocol/queue.js';
import { MTIME_SLACK_MS, protocolFilesChangedSince } from './bash-changes.js';
import { runHook, stringField, type HookInput, type HookOutcome } from './hook-io.js';
import { ownershipProblem } from './ownership.js';
import { readSnapshot, saveSnapshot } from './queue-snapshot.js';
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

  // Queue files are checked only where they changed, against their text before the change.
  const queues = changed.filter((path) => isQueue(path, tree!.config.layout));
  const texts = new Map(queues.map((path) => [path, readText(tree!.root, path)]));
  const previous = new Map<string, string>();
  for (const path of queues) {
    const text = texts.get(path);
    const before = text === undefined ? undefined : ((editInput && queues.length === 1 ? beforeEdit(text, editInput) : undefined) ?? readSnapshot(tree.root, path));
    if (before !== undefined) previous.set(path, before);
  }
  let results: FileResult[] = [];
  let report = '';
  // A change that left a queue as it was checks nothing there.
  const targets = changed.filter((path) => !(previous.has(path) && previous.get(path) === texts.get(path)));
  if (targets.length > 0) {
    // The engine and reporter load only when there is something to lint.
    const [{ lint }, { formatClaude }] = await Promise.all([import('../lint/engine.js'), import('../report/claude.js')]);
    const focused = queues.length > 0 && previous.size === queues.length;
    if (queues.length > 0 && !focused) debug('focus', 'the queues are linted whole: no text from before the change (a first change in this session)');
    ({ results } = await lint({ root: tree.root, config: tree.config, targets, ...(focused ? { previous } : {}) }));
    report = formatClaude(results);
  }
  for (const [path, text] of texts) if (text !== undefined) saveSnapshot(tree.root, path, text);
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

/** A queue's text; undefined when it cannot be read, leaves the root or is too big (the lint then says why). */
function readText(root: string, path: string): string | undefined {
  try {
    const read = readDocument(root, path, MAX_QUEUE_BYTES);
    return read?.ok ? read.bytes.toString('utf8') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The text before an Edit or MultiEdit, rebuilt from the event's own strings: each edit undone
 * from the last, where its `new_string` occurs exactly once; undefined when that is not sure.
 */
function beforeEdit(text: string, toolInput: Record<string, unknown>): string | undefined {
  const edits = Array.isArray(toolInput.edits) ? (toolInput.edits as Array<Record<string, unknown>>) : [toolInput];
  let current = text;
  for (const edit of [...edits].reverse()) {
    const { old_string: before, new_string: after } = edit ?? {};
    if (typeof before !== 'string' || typeof after !== 'string' || after === '' || edit?.replace_all === true) return undefined;
    const at = current.indexOf(after);
    if (at === -1 || current.indexOf(after, at + 1) !== -1) return undefined;
    current = current.slice(0, at) + before + current.slice(at + after.length);
  }
  return current;
}

await runHook('PostToolUse', postToolUse);
