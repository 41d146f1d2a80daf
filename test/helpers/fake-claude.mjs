#!/usr/bin/env node
// A stand-in for the `claude` binary in the runner's tests: a real process that prints a
// stream-json session the way Claude Code does, chosen by FAKE_MODE, so process groups,
// signals and orphans are tested for real. It records how it was started in FAKE_REPORT.
//   success  - claims nothing, logs its session record, prints a successful result
//   error    - prints a result with `is_error: true` (an API error exits 1 with subtype success)
//   badlint  - like success, but appends a line that is not a queue item to urls_todo.md
//   hang     - ignores SIGINT and SIGTERM, leaves a tool child in its group and an orphan in a
//              group of its own carrying CLAUDE_CODE_SESSION_ID, and never ends by itself
//   interrupt - hangs until SIGINT, then prints `error_during_execution` and exits 0
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const sessionId = args[args.indexOf('--session-id') + 1];
const mode = process.env.FAKE_MODE ?? 'success';
const root = process.cwd();
const stat = readFileSync('/proc/self/stat', 'utf8');
const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
const report = {
  args,
  pid: process.pid,
  pgid: Number(fields[2]),
  stdin: readlinkSync('/proc/self/fd/0'),
  env: { RELAY_RUN: process.env.RELAY_RUN, RELAY_AGENT: process.env.RELAY_AGENT, RELAY_ROLE: process.env.RELAY_ROLE },
};
const emit = (event) => process.stdout.write(JSON.stringify(event) + '\n');
emit({ type: 'system', subtype: 'init', session_id: sessionId });

function logRecord(changed) {
  mkdirSync(join(root, 'sessions'), { recursive: true });
  const lines = [`session_id: ${sessionId}`, `agent: ${process.env.RELAY_AGENT}`, `role: ${process.env.RELAY_ROLE}`, `started: '2026-03-19T10:00:00Z'`, 'status: logged', 'briefing: []'];
  if (changed.length > 0) lines.push('changed:', ...changed.map((path) => `  - ${path}`));
  writeFileSync(join(root, 'sessions', `${sessionId}.md`), `---\n${lines.join('\n')}\n---\n# Session ${sessionId}\n`);
}

const result = (extra) => emit({ type: 'result', subtype: 'success', is_error: false, session_id: sessionId, total_cost_usd: 0.0125, num_turns: 3, ...extra });

if (mode === 'hang') {
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  const keep = 'setInterval(() => {}, 1000)';
  const inGroup = spawn(process.execPath, ['-e', keep], { stdio: 'ignore' });
  const orphan = spawn(process.execPath, ['-e', keep], { stdio: 'ignore', detached: true, env: { ...process.env, CLAUDE_CODE_SESSION_ID: sessionId } });
  report.children = { inGroup: inGroup.pid, orphan: orphan.pid };
  writeFileSync(process.env.FAKE_REPORT, JSON.stringify(report));
  setInterval(() => {}, 1000);
} else if (mode === 'interrupt') {
  process.on('SIGINT', () => {
    result({ subtype: 'error_during_execution', is_error: true, terminal_reason: 'aborted_tools' });
    process.exit(0);
  });
  writeFileSync(process.env.FAKE_REPORT, JSON.stringify(report));
  setInterval(() => {}, 1000);
} else {
  writeFileSync(process.env.FAKE_REPORT, JSON.stringify(report));
  if (mode === 'error') {
    result({ is_error: true, terminal_reason: 'api_error', api_error_status: 400, total_cost_usd: 0, num_turns: 1 });
    process.exitCode = 1;
  } else {
    if (mode === 'badlint') appendFileSync(join(root, 'urls_todo.md'), '- not a url\n');
    logRecord(mode === 'badlint' ? ['urls_todo.md'] : []);
    result({});
  }
}
