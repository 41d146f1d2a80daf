/**
 * Stop hook: the gate at the end of a turn. A session that changed protocol files is held
 * back once when those files have lint errors, or when it wrote no findings log ("log
 * this"). Never when `stop_hook_active` (Claude is already continuing because of a Stop
 * hook), never for a session that changed nothing, and never twice for the same reason.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { debug } from '../debug.js';
import { CONFIG_FILE, loadConfig } from '../protocol/config.js';
import { classifyPath } from '../protocol/layout.js';
import { sessionPath } from '../ledger/session-names.js';
import { nonRegularReason } from '../protocol/regular-file.js';
import { runHook, stringField, type HookInput, type HookOutcome } from './hook-io.js';
import { SessionMemory } from './session-memory.js';
import { ownFiles } from './state-tree.js';

async function stop(input: HookInput): Promise<HookOutcome> {
  if (input.stop_hook_active === true) return quiet('Stop: stop_hook_active, Claude is already continuing for a Stop hook');
  const memory = SessionMemory.open(stringField(input.session_id));
  if (!memory) return quiet('Stop: no session memory, nothing known to check');
  const record = memory.read();
  // The session's own ledger record is written by the hooks and by `relay session end`: a
  // change to it alone is not work that needs a log.
  const sessionId = stringField(input.session_id);
  for (const [root, paths] of record.touched) {
    // loadConfig reads the config by name: never a FIFO (checked again, and reported, below).
    const loaded = sessionId === undefined || nonRegularReason(join(root, CONFIG_FILE)) !== undefined ? undefined : loadConfig(root);
    if (loaded?.ok && sessionId !== undefined) paths.delete(sessionPath(loaded.config, sessionId));
    if (paths.size === 0) record.touched.delete(root);
  }
  if (record.touched.size === 0) return quiet('Stop: the session changed no protocol file');

  const reasons: string[] = [];
  const signature = createHash('sha256');
  for (const [root, paths] of [...record.touched].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const configProblem = nonRegularReason(join(root, CONFIG_FILE));
    if (configProblem !== undefined) {
      debug('hook', `Stop: skipped \`${root}\`: ${configProblem}`);
      reasons.push(`relay: skipped checking \`${root}\`: ${configProblem}. Replace it with a regular file`);
      signature.update(`${root}\0${configProblem}\n`);
      continue;
    }
    const loaded = loadConfig(root);
    if (!loaded.ok) {
      debug('hook', `Stop: skipped \`${root}\`: ${loaded.error}`);
      continue;
    }
    const { config } = loaded;
    // The config may have changed since the files were remembered: it decides now.
    const sorted = await ownFiles({ root, config }, [...paths].sort(), 'Stop');
    if (sorted.length === 0) continue;
    const logged = sorted.some((path) => {
      const classification = classifyPath(path, config.layout);
      return classification.type === 'protocol' && classification.kind === 'findings';
    });
    // Never read a FIFO or a device (it blocks or never ends); a queue is linted with its
    // twin, so a bad twin skips both queues. What was skipped is named in the reason.
    const skipped = new Map<string, string>();
    const isQueue = (path: string) => path === config.layout.todo || path === config.layout.done;
    const queueProblem = [config.layout.todo, config.layout.done].map((path) => nonRegularReason(join(root, path))).find((why) => why !== undefined);
    for (const path of sorted) {
      const why = nonRegularReason(join(root, path)) ?? (isQueue(path) ? queueProblem : undefined);
      if (why !== undefined) skipped.set(path, why);
    }
    for (const [path, why] of skipped) {
      debug('hook', `Stop: skipped \`${path}\`: ${why}`);
      reasons.push(`relay: skipped \`${path}\` without reading it: ${why}. State files must be regular files; replace it with one`);
    }
    const existing = sorted.filter((path) => !skipped.has(path) && existsSync(join(root, path)));
    let errorText = '';
    let errors = 0;
    if (existing.length > 0) {
      // The engine and reporter load only when there is something to lint.
      const [{ lint }, { formatClaude }] = await Promise.all([import('../lint/engine.js'), import('../report/claude.js')]);
      const { results } = await lint({ root, config, targets: existing });
      // Only errors hold a session back; warnings were already shown after each write.
      const errorResults = results
        .map((result) => ({ ...result, messages: result.messages.filter((message) => message.severity === 2), warningCount: 0 }))
        .filter((result) => result.messages.length > 0);
      errors = errorResults.reduce((sum, result) => sum + result.messages.length, 0);
      errorText = formatClaude(errorResults);
    }
    const shown = sorted.slice(0, 8).map((path) => `\`${path}\``).join(', ') + (sorted.length > 8 ? `, … ${sorted.length - 8} more` : '');
    if (!logged) {
      reasons.push(
        `This session changed relay state files (${shown}) but wrote no findings log. Run /relay:log-this: create the log with \`relay new findings\` and write it, move finished URLs with \`relay done 'URL' --output FILE\` (each URL in single quotes), run \`protocol-lint\` until it is clean, then close the session's record with \`relay session end --findings PATH\`.`,
      );
    }
    if (errors > 0) reasons.push(errorText);
    signature.update(`${root}\0${sorted.join('\0')}\0${logged}\0${errors}\0${errorText}\0${[...skipped.keys()].join('\0')}\n`);
  }
  if (reasons.length === 0) return quiet('Stop: the changed files are clean and a findings log was written');
  const key = signature.digest('hex').slice(0, 32);
  if (record.blocked.has(key)) return quiet('Stop: already asked once for this state');
  memory.recordBlocked(key);
  const reason = `relay: before you stop —\n${reasons.join('\n')}\n(The relay Stop gate asks once for each state; if you cannot do this now, say why and stop.)`;
  return { stdout: JSON.stringify({ decision: 'block', reason }) };
}

/** An empty outcome, saying why under `RELAY_DEBUG=hook`. */
function quiet(why: string): HookOutcome {
  debug('hook', why);
  return {};
}

await runHook('Stop', stop);
