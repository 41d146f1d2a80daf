import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBrief } from '../../src/brief/brief.js';
import { commands, commandSynopsis, relayHelp } from '../../src/cli/commands/index.js';
import { defaultConfig } from '../../src/protocol/config.js';
import { buildRelayBundle, git, makeUrls, runRelay, tempDir } from '../helpers/state-relay.js';

const REPO = resolve(import.meta.dirname, '../..');

let bundle: string;
beforeAll(async () => {
  bundle = await buildRelayBundle();
});

const env = { RELAY_NOW: '2026-03-20T12:00:00Z' };

describe('relay CLI', () => {
  it('prints help with exit 0 and reports usage errors with exit 2', async () => {
    const root = tempDir();
    expect(await runRelay(bundle, ['--help'], { cwd: root })).toMatchObject({ code: 0, stderr: '' });
    expect((await runRelay(bundle, ['claim', '--help'], { cwd: root })).stdout).toContain('Usage: relay claim');
    expect(await runRelay(bundle, ['bogus'], { cwd: root })).toMatchObject({ code: 2, stdout: '' });
    expect(await runRelay(bundle, [], { cwd: root })).toMatchObject({ code: 2, stderr: 'relay: Missing a command; see `relay --help`\n' });
    expect(await runRelay(bundle, ['claim', '-n', 'x'], { cwd: root })).toMatchObject({
      code: 2,
      stderr: 'relay: Unexpected `-n x`, expected a whole number from 1 to 10000; see `relay claim --help`\n',
    });
    expect(await runRelay(bundle, ['claim', '--agent', 'a,b'], { cwd: root })).toMatchObject({ code: 2 });
    expect(await runRelay(bundle, ['status', 'extra'], { cwd: root })).toMatchObject({ code: 2 });
    expect(await runRelay(bundle, ['merge-driver', 'a'], { cwd: root })).toMatchObject({ code: 2 });
  });

  it('init creates the tree once, keeps an existing CLAUDE.md, and registers the driver in git', async () => {
    const root = tempDir();
    git(root, ['init', '-q']);
    writeFileSync(join(root, 'CLAUDE.md'), '# My project\n\nKeep this.\n');
    writeFileSync(join(root, '.gitattributes'), '*.png binary\n');
    const first = await runRelay(bundle, ['init'], { cwd: root });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('added a Session Protocol section to `CLAUDE.md`');
    expect(readFileSync(join(root, 'CLAUDE.md'), 'utf8')).toMatch(/^# My project\n\nKeep this.\n\n## Session Protocol\n/);
    expect(readFileSync(join(root, '.gitattributes'), 'utf8')).toBe('*.png binary\nurls_todo.md merge=relay-queue\nurls_done.md merge=relay-queue\n');
    expect(readFileSync(join(root, 'urls_todo.md'), 'utf8')).toBe('# Pending URLs\n\n');
    expect(readFileSync(join(root, 'urls_done.md'), 'utf8')).toBe('# Completed URLs\n\n');
    expect(execFileSync('git', ['config', '--local', 'merge.relay-queue.driver'], { cwd: root, encoding: 'utf8' })).toBe(`node ${bundle} merge-driver %O %A %B %P\n`);
    const second = await runRelay(bundle, ['init'], { cwd: root });
    expect(second).toMatchObject({ code: 0, stdout: '' });
    expect(second.stderr).toContain('already set up');
  });

  it('claim: nothing to claim is exit 0 with a note; a missing queue is exit 1', async () => {
    const root = tempDir();
    expect(await runRelay(bundle, ['claim'], { cwd: root })).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'relay: Unexpected missing `urls_todo.md`, expected the pending queue; run `relay init`\n',
    });
    await runRelay(bundle, ['init'], { cwd: root });
    expect(await runRelay(bundle, ['claim', '--json'], { cwd: root })).toMatchObject({ code: 0, stdout: '[]\n' });
    expect((await runRelay(bundle, ['claim'], { cwd: root })).stderr).toContain('nothing to claim');
  });

  it('add, claim, done, release and status work together, with the agent from RELAY_AGENT', async () => {
    const root = tempDir();
    await runRelay(bundle, ['init'], { cwd: root });
    const added = await runRelay(bundle, ['add', '-'], { cwd: root, input: '# seed\n- https://example.com/a\nhttps://example.com/b\n\nhttps://example.com/c\n' });
    expect(added).toMatchObject({ code: 0, stdout: 'https://example.com/a\nhttps://example.com/b\nhttps://example.com/c\n' });
    const again = await runRelay(bundle, ['add', 'https://EXAMPLE.com/a', 'https://example.com/d'], { cwd: root });
    expect(again).toMatchObject({ code: 1, stdout: 'https://example.com/d\n', stderr: 'relay add: rejected `https://EXAMPLE.com/a`: already pending in `urls_todo.md`\n' });
    const claimed = await runRelay(bundle, ['claim', '-n', '2'], { cwd: root, env: { ...env, RELAY_AGENT: 'writer-7' } });
    expect(claimed.stdout).toBe('https://example.com/a\nhttps://example.com/b\n');
    const done = await runRelay(bundle, ['done', 'https://example.com/a', '--output', 'review/draft-001.mdx', '--json'], { cwd: root, env: { ...env, RELAY_AGENT: 'writer-7' } });
    expect(JSON.parse(done.stdout)).toEqual({ completed: [{ url: 'https://example.com/a', status: 'completed' }], rejected: [] });
    expect(await runRelay(bundle, ['release', 'https://example.com/b', '--agent', 'other'], { cwd: root })).toMatchObject({ code: 1 });
    expect(await runRelay(bundle, ['release', '--all', '--agent', 'writer-7'], { cwd: root })).toMatchObject({ code: 0, stdout: 'https://example.com/b\n' });
    expect(readFileSync(join(root, 'urls_todo.md'), 'utf8')).toBe('# Pending URLs\n\n- https://example.com/b\n- https://example.com/c\n- https://example.com/d\n');
    expect(readFileSync(join(root, 'urls_done.md'), 'utf8')).toBe('# Completed URLs\n\n- https://example.com/a (completed 2026-03-20, by writer-7, output review/draft-001.mdx)\n');
    const status = await runRelay(bundle, ['status', '--json'], { cwd: root, env });
    expect(JSON.parse(status.stdout)).toMatchObject({ pending: 3, claimed: 0, unclaimed: 3, done: 1, next: ['https://example.com/b', 'https://example.com/c', 'https://example.com/d'] });
    expect((await runRelay(bundle, ['status'], { cwd: root, env })).stdout).toBe(
      'pending  3 (0 claimed, 3 unclaimed)\ndone     1\nnext     https://example.com/b\n         https://example.com/c\n         https://example.com/d\n',
    );
  });

  it('status lists claims one agent per line, the 20 with most, and says how many more', async () => {
    const root = tempDir();
    await runRelay(bundle, ['init'], { cwd: root });
    // 100 agents: agent-N holds N % 7 + 1 claims, so the order is by count, then by name.
    const claims = Array.from({ length: 100 }, (_, agent) => Array.from({ length: (agent % 7) + 1 }, (_, index) => `- https://example.com/${agent}/${index} (claimed by agent-${agent} at 2026-03-20T11:00:00Z)`)).flat();
    writeFileSync(join(root, 'urls_todo.md'), `# Pending URLs\n\n${claims.join('\n')}\n`);
    const lines = (await runRelay(bundle, ['status'], { cwd: root, env })).stdout.split('\n');
    const first = lines.findIndex((line) => line.startsWith('claims '));
    const sevens = ['agent-13', 'agent-20', 'agent-27', 'agent-34', 'agent-41', 'agent-48', 'agent-55', 'agent-6', 'agent-62', 'agent-69', 'agent-76', 'agent-83', 'agent-90', 'agent-97'];
    const sixes = ['agent-12', 'agent-19', 'agent-26', 'agent-33', 'agent-40', 'agent-47'];
    expect(lines.slice(first, first + 21)).toEqual([
      'claims   agent-13 7',
      ...sevens.slice(1).map((agent) => `         ${agent} 7`),
      ...sixes.map((agent) => `         ${agent} 6`),
      '         … 80 more agents (`relay status --json` lists all)',
    ]);
    expect(lines.slice(first + 21)).toEqual(['']);
    const json = JSON.parse((await runRelay(bundle, ['status', '--json'], { cwd: root, env })).stdout) as { claimsByAgent: Record<string, number> };
    expect(Object.keys(json.claimsByAgent)).toHaveLength(100);
    expect(json.claimsByAgent['agent-99']).toBe(2);
  });

  it('brief prints the same briefing as the SessionStart builder', async () => {
    const root = tempDir();
    await runRelay(bundle, ['init'], { cwd: root });
    await runRelay(bundle, ['add', 'https://example.com/a'], { cwd: root });
    const result = await runRelay(bundle, ['brief', '--budget', '3000'], { cwd: root });
    expect(result.code).toBe(0);
    const expected = buildBrief(root, defaultConfig(), { budget: 3000 });
    expect(result.stdout).toBe(expected.endsWith('\n') ? expected : `${expected}\n`);
  });

  it('postmortem new writes the template, marks unfilled sections, and never overwrites', async () => {
    const root = tempDir();
    const args = ['postmortem', 'new', 'Failed API Integration!', '--date', '2026-03-15', '--session', 's-1', '--what', 'The API changed.'];
    const first = await runRelay(bundle, args, { cwd: root });
    expect(first).toMatchObject({ code: 0, stdout: 'postmortems/2026-03-15-failed-api-integration.md\n' });
    expect(first.stderr).toContain('fill in `## How It Was Fixed`, `## Prevention`');
    expect(readFileSync(join(root, 'postmortems/2026-03-15-failed-api-integration.md'), 'utf8')).toBe(
      '# Postmortem: Failed API Integration!\n\n**Date**: 2026-03-15\n**Session ID**: s-1\n\n## What Went Wrong\n\nThe API changed.\n\n## How It Was Fixed\n\n[Description of the fix]\n\n## Prevention\n\n[Prevention steps]\n',
    );
    expect(await runRelay(bundle, args, { cwd: root })).toMatchObject({ code: 1 });
    expect(await runRelay(bundle, ['postmortem', 'new', 'x', '--date', '2026-02-30'], { cwd: root })).toMatchObject({ code: 2 });
  });
});

describe('relay CLI: the command table', () => {
  it('prints `relay --help`, `relay <command> --help` and `relay help <command>` from the table', async () => {
    const root = tempDir();
    expect(await runRelay(bundle, ['--help'], { cwd: root })).toMatchObject({ code: 0, stdout: relayHelp(), stderr: '' });
    for (const command of commands) {
      expect(relayHelp()).toContain(`  ${commandSynopsis(command)} `);
      expect(await runRelay(bundle, [command.name, '--help'], { cwd: root })).toMatchObject({ code: 0, stdout: command.help, stderr: '' });
      expect((await runRelay(bundle, ['help', command.name], { cwd: root })).stdout).toBe(command.help);
    }
  });

  it('generates the command sections of docs/relay-cli.md and the README list from the table', () => {
    const docs = readFileSync(join(REPO, 'docs/relay-cli.md'), 'utf8');
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const region = docs.slice(docs.indexOf('<!-- commands:start -->'), docs.indexOf('<!-- commands:end -->'));
    for (const command of commands) {
      expect(region).toContain(`### \`relay ${commandSynopsis(command)}\``);
      expect(region).toContain(command.help.trimEnd());
      expect(readme).toContain(`- \`relay ${commandSynopsis(command)}\`: ${command.summary}\n`);
    }
  });

  it('prints the version of package.json, which the plugin manifest carries too', async () => {
    const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    expect(await runRelay(bundle, ['--version'], { cwd: tempDir() })).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect(JSON.parse(readFileSync(join(REPO, 'plugin/.claude-plugin/plugin.json'), 'utf8')).version).toBe(version);
  });

  it('`relay done -` and `relay release -` read the URLs from stdin', async () => {
    const root = tempDir();
    await runRelay(bundle, ['init'], { cwd: root });
    await runRelay(bundle, ['add', '-'], { cwd: root, input: 'https://example.com/a\nhttps://example.com/b?x=1&y=2\nhttps://example.com/c\n' });
    const agent = { ...env, RELAY_AGENT: 'writer-1' };
    expect((await runRelay(bundle, ['claim', '-n', '3'], { cwd: root, env: agent })).code).toBe(0);
    // A URL with a character a shell would act on (`&`), passed without quoting it.
    const released = await runRelay(bundle, ['release', '-'], { cwd: root, env: agent, input: '# give back\n- https://example.com/b?x=1&y=2\n\n' });
    expect(released).toMatchObject({ code: 0, stdout: 'https://example.com/b?x=1&y=2\n', stderr: '' });
    const done = await runRelay(bundle, ['done', '-', '--output', 'review/draft-001.mdx'], { cwd: root, env: agent, input: 'https://example.com/a\r\nhttps://example.com/c\n' });
    expect(done).toMatchObject({ code: 0, stdout: 'https://example.com/a\nhttps://example.com/c\n', stderr: '' });
    expect(readFileSync(join(root, 'urls_todo.md'), 'utf8')).toBe('# Pending URLs\n\n- https://example.com/b?x=1&y=2\n');
    expect(readFileSync(join(root, 'urls_done.md'), 'utf8')).toBe(
      '# Completed URLs\n\n- https://example.com/a (completed 2026-03-20, by writer-1, output review/draft-001.mdx)\n- https://example.com/c (completed 2026-03-20, by writer-1, output review/draft-001.mdx)\n',
    );
    expect(await runRelay(bundle, ['release', '-'], { cwd: root, env: agent, input: '' })).toMatchObject({ code: 0, stdout: '', stderr: 'relay release: no URLs on stdin; nothing to do\n' });
  });
});

describe('relay CLI: faults', () => {
  it('reports a file where a folder should be as one line, exit 1', async () => {
    const root = tempDir();
    writeFileSync(join(root, 'file'), '');
    writeFileSync(join(root, '.protocol-lint.json'), JSON.stringify({ layout: { plan: 'file/plan', postmortems: 'file/postmortems' } }));
    expect(await runRelay(bundle, ['init'], { cwd: root })).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `relay init: not a directory: \`${join(root, 'file', 'plan')}\`\n`,
    });
    expect(await runRelay(bundle, ['postmortem', 'new', 'Lost work'], { cwd: root })).toMatchObject({
      code: 1,
      stderr: 'relay postmortem: Unexpected file at `file`, expected a folder; move it away\n',
    });
    // A `--root` under a file does not exist: a usage error, before anything is tried.
    expect(await runRelay(bundle, ['--root', join(root, 'file', 'tree'), 'init'], { cwd: root })).toMatchObject({ code: 2, stdout: '' });
  });

  it('reports permission denied as one line, exit 1', async () => {
    const root = tempDir();
    chmodSync(root, 0o555);
    let result;
    if (process.getuid?.() === 0) {
      // Root writes anywhere; run as an unprivileged user, from a copy of the bundle it can read.
      const copy = tempDir();
      chmodSync(copy, 0o755);
      copyFileSync(bundle, join(copy, 'relay.mjs'));
      const run = spawnSync(process.execPath, [join(copy, 'relay.mjs'), 'init'], { cwd: root, encoding: 'utf8', uid: 65534, gid: 65534 });
      result = { code: run.status, stdout: run.stdout, stderr: run.stderr };
    } else {
      result = await runRelay(bundle, ['init'], { cwd: root });
    }
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: `relay init: permission denied: \`${join(root, 'plan')}\`\n` });
  });

  it('stops quietly when its reader stops reading', async () => {
    const root = tempDir();
    await runRelay(bundle, ['init'], { cwd: root });
    await runRelay(bundle, ['add', '-'], { cwd: root, input: makeUrls(5000).join('\n') });
    // Enough URLs that the output outgrows a pipe's buffer; the reader closes after the first chunk.
    const result = await new Promise<{ code: number | null; stderr: string }>((resolvePromise) => {
      const child = spawn(process.execPath, [bundle, 'claim', '-n', '5000'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.stdout.once('data', () => child.stdout.destroy());
      child.on('close', (code) => resolvePromise({ code, stderr }));
    });
    expect(result).toEqual({ code: 0, stderr: '' });
    // The claims it could not deliver were released (test/state/faults.test.ts counts them).
    expect((readFileSync(join(root, 'urls_todo.md'), 'utf8').match(/claimed by/g) ?? []).length).toBeLessThan(5000);
  });

  it('calls anything else an internal error, exit 2, with the stack only under RELAY_DEBUG', async () => {
    const root = tempDir();
    await runRelay(bundle, ['init'], { cwd: root });
    // A folder where the lock file goes: reading the holder fails in a way relay does not expect.
    mkdirSync(join(root, '.relay', 'queue.lock'), { recursive: true });
    const plain = await runRelay(bundle, ['add', 'https://example.com/a'], { cwd: root });
    expect(plain).toMatchObject({ code: 2, stdout: '', stderr: 'relay: internal error: EISDIR: illegal operation on a directory, read\n' });
    const debugged = await runRelay(bundle, ['add', 'https://example.com/a'], { cwd: root, env: { RELAY_DEBUG: 'lock' } });
    expect(debugged.code).toBe(2);
    expect(debugged.stderr).toMatch(/^relay: internal error: EISDIR: illegal operation on a directory, read\nError: EISDIR[^\n]*\n\s+at /);
  });
});
