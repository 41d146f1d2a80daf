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
//   worker   - plays a relay session through the relay CLI (FAKE_RELAY: a bundle of it): claims
//              the URLs its prompt lists, hands each on (`--to X` in the prompt) or marks it done,
//              or writes its discovery wave's note; closes its session record; prints a result.
//              A URL containing `fail-first` / `hang-first` fails / hangs the first time it is
//              seen (counted in FAKE_STATE), `always-fail` every time; `slow` sleeps FAKE_SLOW_MS
//              first; `api-retry` prints an api_retry event; `bad-note` writes a wave note with a
//              broken link; `auth-fail` ends with an API 401; `greedy` also claims and finishes one
//              URL it was not given. FAKE_LOG gets one line per action (the start line names RELAY_REMOTE),
//              FAKE_PROMPTS one JSON line per session with its prompt.
//   not-logged-in - Claude Code with no login: an API-error assistant message, then an error result
//   old-cli  - a Claude Code that does not know one of the options: one stderr line, exit 1
// Like the real CLI: `--version` prints a version; an `--agent` not in FAKE_AGENTS (default the
// three relay agents) ends at once with `--agent '…' not found` on stderr; pointed at
// http://127.0.0.1:1 (the dry run's probe) it prints its init event, one api_retry, and waits.
// RELAY_FAKE_X is read as FAKE_X, for runs whose sessions inherit only RELAY_* (`--env-clean`).
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

for (const [name, value] of Object.entries(process.env)) if (name.startsWith('RELAY_FAKE_')) process.env[name.slice('RELAY_'.length)] = value;
const args = process.argv.slice(2);
if (args[0] === '--version') {
  console.log('2.1.328 (Claude Code)');
  process.exit(0);
}
const agents = (process.env.FAKE_AGENTS ?? 'relay:planner,relay:writer,relay:reviewer').split(',').filter(Boolean);
const agentAsked = args.includes('--agent') ? args[args.indexOf('--agent') + 1] : undefined;
if (agentAsked !== undefined && !agents.includes(agentAsked)) {
  process.stderr.write(`--agent '${agentAsked}' not found. Available agents: claude, Explore, general-purpose, ${agents.join(', ')}\n`);
  process.exit(1);
}
const sessionId = args.includes('--session-id') ? args[args.indexOf('--session-id') + 1] : 'probe';
if (process.env.FAKE_MODE === 'old-cli') {
  // An older Claude Code that does not know an option the runner passes.
  process.stderr.write("error: unknown option '--permission-mode'\n");
  process.exit(1);
}
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
  names: Object.keys(process.env).sort(),
};
const emit = (event) => process.stdout.write(JSON.stringify(event) + '\n');
const plugins = agents.length > 0 ? [{ name: 'relay', path: '/fake/relay', source: 'relay@inline' }] : [];
emit({ type: 'system', subtype: 'init', session_id: sessionId, claude_code_version: '2.1.328', agents: ['claude', ...agents], plugins });
const text = (value, extra = {}) => emit({ type: 'assistant', message: { role: 'assistant', content: [{ type: 'text', text: value }] }, session_id: sessionId, ...extra });
if (process.env.ANTHROPIC_BASE_URL === 'http://127.0.0.1:1' && mode !== 'not-logged-in') {
  emit({ type: 'system', subtype: 'api_retry', attempt: 1, max_retries: 10, retry_delay_ms: 500, error_status: null, session_id: sessionId });
  setInterval(() => {}, 1000);
} else if (mode === 'not-logged-in') {
  text('Not logged in · Please run /login', { error: 'authentication_failed', is_api_error_message: true });
  emit({ type: 'result', subtype: 'success', is_error: true, result: 'Not logged in · Please run /login', terminal_reason: 'api_error', api_error_status: null, session_id: sessionId, total_cost_usd: 0, num_turns: 1 });
  process.exit(1);
} else text('Working on it.');

function logRecord(changed) {
  mkdirSync(join(root, 'sessions'), { recursive: true });
  const lines = [`session_id: ${sessionId}`, `agent: ${process.env.RELAY_AGENT}`, `role: ${process.env.RELAY_ROLE}`, `started: '2026-03-19T10:00:00Z'`, 'status: logged', 'briefing: []'];
  if (changed.length > 0) lines.push('changed:', ...changed.map((path) => `  - ${path}`));
  writeFileSync(join(root, 'sessions', `${sessionId}.md`), `---\n${lines.join('\n')}\n---\n# Session ${sessionId}\n`);
}

const result = (extra) => emit({ type: 'result', subtype: 'success', is_error: false, session_id: sessionId, total_cost_usd: 0.0125, num_turns: 3, ...extra });

if (process.env.ANTHROPIC_BASE_URL === 'http://127.0.0.1:1') {
  // the probe waits above until it is killed
} else if (mode === 'worker') {
  await worker();
} else if (mode === 'hang') {
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

/** The worker mode: one relay session's work through the relay CLI. */
async function worker() {
  const prompt = args[args.indexOf('-p') + 1] ?? '';
  const urls = prompt.split('\n').filter((line) => line.startsWith('- http')).map((line) => line.slice(2).trim());
  const handOnTo = /--to (\S+?)`/.exec(prompt)?.[1];
  const wave = Number(/discovery wave (\d+)/.exec(prompt)?.[1] ?? 0);
  const agent = process.env.RELAY_AGENT;
  const env = { ...process.env, CLAUDE_CODE_SESSION_ID: sessionId };
  const relay = (...relayArgs) => execFileSync(process.execPath, [process.env.FAKE_RELAY, ...relayArgs], { cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const log = (line) => process.env.FAKE_LOG && appendFileSync(process.env.FAKE_LOG, `${line}\n`);
  const seen = (url) => {
    const dir = process.env.FAKE_STATE;
    if (!dir) return 0;
    mkdirSync(dir, { recursive: true });
    const file = join(dir, Buffer.from(url).toString('hex').slice(-60));
    const count = existsSync(file) ? Number(readFileSync(file, 'utf8')) : 0;
    writeFileSync(file, String(count + 1));
    return count;
  };
  const counts = new Map(urls.map((url) => [url, seen(`${process.env.RELAY_ROLE}:${url}`)]));
  if (process.env.FAKE_PROMPTS) appendFileSync(process.env.FAKE_PROMPTS, JSON.stringify({ agent, wave, prompt }) + '\n');
  relay('session', 'start', '--session', sessionId, '--role', process.env.RELAY_ROLE, '--run', process.env.RELAY_RUN);
  log(`start ${process.env.RELAY_ROLE} ${agent} ${sessionId} ${process.pid} ${urls.join(' ')}${wave ? ` wave ${wave}` : ''}${process.env.RELAY_REMOTE ? ` remote ${process.env.RELAY_REMOTE}` : ''}`);
  if (urls.some((url) => url.includes('slow')) || process.env.FAKE_SLOW_ALL) await new Promise((resolve) => setTimeout(resolve, Number(process.env.FAKE_SLOW_MS ?? 1500)));
  if (urls.some((url) => url.includes('api-retry'))) emit({ type: 'system', subtype: 'api_retry', attempt: 1, max_retries: 10, retry_delay_ms: 500, error_status: 529, session_id: sessionId });
  const greedy = urls.some((url) => url.includes('greedy'));
  const claimed = urls.length > 0 ? relay('claim', '-n', String(urls.length + (greedy ? 1 : 0))).trim().split('\n').filter(Boolean) : [];
  if (claimed.slice(0, urls.length).join(' ') !== urls.join(' ')) log(`MISMATCH ${agent} claimed ${claimed.join(' ')} expected ${urls.join(' ')}`);
  if (greedy) urls.push(...claimed.slice(urls.length));
  if (urls.some((url) => url.includes('auth-fail'))) {
    log(`auth ${agent}`);
    result({ is_error: true, terminal_reason: 'api_error', api_error_status: 401, total_cost_usd: 0, num_turns: 1 });
    process.exitCode = 1;
    return;
  }
  const failing = urls.some((url) => url.includes('always-fail') || (url.includes('fail-first') && counts.get(url) === 0));
  if (failing) {
    log(`fail ${agent}`);
    result({ is_error: true, terminal_reason: 'api_error', api_error_status: 400, total_cost_usd: 0.001, num_turns: 1 });
    process.exitCode = 1;
    return;
  }
  if (urls.some((url) => url.includes('hang-first') && counts.get(url) === 0)) {
    log(`hang ${agent}`);
    setInterval(() => {}, 1000);
    return;
  }
  for (const url of urls) {
    if (handOnTo) relay('handoff', url, '--to', handOnTo);
    else relay('done', url);
    log(`${handOnTo ? `handoff ${handOnTo}` : 'done'} ${agent} ${url}`);
  }
  if (wave > 0) {
    const folder = join(root, 'discovery', `wave-${wave}`);
    mkdirSync(folder, { recursive: true });
    // It links the wave-(N−1) notes its prompt told it to read.
    const before = prompt.split('\n').map((line) => /^- `discovery\/(wave-\d+\/[^`]+\.md)`$/.exec(line)?.[1]).filter(Boolean);
    const links = before.map((path) => `- [${path}](../${path})`).join('\n');
    const broken = (process.env.FAKE_BAD_WAVE && Number(process.env.FAKE_BAD_WAVE) === wave) ? '\n- [missing](../nowhere.md)' : '';
    writeFileSync(join(folder, `${agent}.md`), `# Wave ${wave} note by ${agent}\n\nWave ${wave} found one more lead. It is below.\n\n${links}${broken}\n`);
    log(`note ${agent} wave ${wave}`);
  }
  relay('session', 'end', '--session', sessionId);
  result({ total_cost_usd: 0.01, num_turns: 4 });
}
