/**
 * The lock admits one writer, with real processes: a holder in another PID namespace (same
 * host name, as containers with host networking have), a holder paused past the stale age, a
 * long wait's notice, and what `RELAY_DEBUG=lock` says about the liveness path taken.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { lockDirectory } from '../../src/state/lock.js';
import { buildRelayBundle, makeUrls, readQueue, runRelay, tempDir, writeQueue } from '../helpers/state-relay.js';

let relay: string;
let holderScript: string;
beforeAll(async () => {
  relay = await buildRelayBundle();
  holderScript = join(tempDir('relay-lock-holder-'), 'lock-holder.mjs');
  await build({
    entryPoints: [resolve(import.meta.dirname, '../helpers/lock-holder.ts')],
    outfile: holderScript,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
});

/** Why PID namespaces cannot be made here (an unprivileged container), or undefined when they can. */
const unshareProblem = ((): string | undefined => {
  const probe = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { encoding: 'utf8' });
  if (probe.status === 0) return undefined;
  if (/Operation not permitted|EPERM/.test(probe.stderr)) return `unshare cannot make a PID namespace here (${probe.stderr.trim()})`;
  return undefined; // Any other failure is the test's to report.
})();
if (unshareProblem) console.warn(`skipping the PID namespace test: ${unshareProblem}`);

function queueTree(count = 3): string {
  const root = tempDir();
  writeQueue(join(root, 'urls_todo.md'), '# Pending URLs', makeUrls(count).map((url) => `- ${url}`));
  writeQueue(join(root, 'urls_done.md'), '# Completed URLs', []);
  return root;
}

/** A running process whose output can be awaited while it runs. */
interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Running {
  const child = spawn(command, args, { cwd, env: { ...process.env, RELAY_AGENT: '', RELAY_DEBUG: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('close', (code, signal) => done({ code, signal })));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function until(condition: () => boolean, what: string, limitMs = 60_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((wake) => setTimeout(wake, 20));
  }
}

const pause = (ms: number): Promise<void> => new Promise((wake) => setTimeout(wake, ms));

/** Starts the lock holder and resolves once it holds the lock. */
async function holdLock(root: string, mode: 'hold' | 'claim'): Promise<Running> {
  const holder = start(process.execPath, [holderScript, root, mode], root);
  await until(() => holder.stdout().includes('held\n') || holder.child.exitCode !== null, 'the holder to take the lock');
  expect(holder.stdout()).toBe('held\n');
  return holder;
}

function lockFile(root: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(lockDirectory(root), 'queue.lock'), 'utf8')) as Record<string, unknown>;
}

describe('a holder in another PID namespace on the same host', () => {
  it.skipIf(unshareProblem !== undefined)('is judged by age, not by a pid that names nothing in the waiter\'s namespace', async () => {
    const root = queueTree();
    const holder = await holdLock(root, 'hold');
    const recorded = lockFile(root);
    // The holder's pid does not exist inside the new namespace: judged by pid, the claim would break in.
    const inNamespace = ['--pid', '--fork', '--mount-proc', process.execPath, relay, 'claim', '--agent', 'other-namespace'];
    const refused = start('unshare', inNamespace, root, { RELAY_LOCK_TIMEOUT_MS: '1500', RELAY_DEBUG: 'lock' });
    expect(await refused.exited).toEqual({ code: 1, signal: null });
    expect(refused.stdout()).toBe('');
    expect(refused.stderr()).toContain(`Timed out after 1500 ms waiting for the lock`);
    expect(refused.stderr()).toMatch(new RegExp(`relay:lock .*pid ${holder.child.pid} is in PID namespace \`pid:\\[\\d+\\]\`, this process in \`pid:\\[\\d+\\]\`, so the pid cannot be judged here: judged by age`));
    expect(readQueue(join(root, 'urls_todo.md')).items.filter((item) => item.claim)).toEqual([]);
    expect(lockFile(root).token).toBe(recorded.token);
    expect(recorded).toMatchObject({
      pid: holder.child.pid,
      host: hostname(),
      pidNamespace: readlinkSync('/proc/self/ns/pid'),
      bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
    });
    expect(recorded.command).toContain('lock-holder');

    // Past the stale age it is broken like any other holder.
    const taken = start('unshare', inNamespace, root, { RELAY_LOCK_STALE_MS: '300', RELAY_DEBUG: 'lock' });
    expect(await taken.exited).toEqual({ code: 0, signal: null });
    expect(taken.stdout()).toBe('https://example.com/article-0\n');
    expect(taken.stderr()).toMatch(/relay:lock `[^`]+queue\.lock` is stale: pid \d+ is in PID namespace .* judged by age, stale after 300 ms/);

    writeFileSync(join(root, 'go'), '');
    expect(await holder.exited).toEqual({ code: 0, signal: null });
  }, 60_000);
});

describe('a holder paused past the stale age', () => {
  it('loses the lock and writes nothing when it wakes; the URL is claimed once', async () => {
    const root = queueTree();
    const paused = await holdLock(root, 'claim');
    paused.child.kill('SIGSTOP');
    let other: Awaited<ReturnType<typeof runRelay>>;
    try {
      other = await runRelay(relay, ['claim', '--agent', 'awake'], { cwd: root, env: { RELAY_LOCK_STALE_MS: '300', RELAY_DEBUG: 'lock' } });
      expect(other).toMatchObject({ code: 0, stdout: 'https://example.com/article-0\n' });
    } finally {
      writeFileSync(join(root, 'go'), '');
      paused.child.kill('SIGCONT');
    }
    expect(await paused.exited).toEqual({ code: 1, signal: null });
    expect(paused.stdout()).toBe('held\n');
    const lines = paused.stderr().split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^relay: Lost the lock `[^`]+queue\.lock` before writing `[^`]+urls_todo\.md`: .*was not written, run the command again$/);

    const claimed = readQueue(join(root, 'urls_todo.md')).items.filter((item) => item.claim);
    expect(claimed.map((item) => [item.url, item.claim!.agent])).toEqual([['https://example.com/article-0', 'awake']]);
    expect(other.stderr).toMatch(new RegExp(`relay:lock \`[^\`]+\` is stale: pid ${paused.child.pid} is alive: judged by age, stale after 300 ms`));
  }, 60_000);
});

describe('a long wait', () => {
  it('says once on stderr who holds the lock', async () => {
    const root = queueTree();
    const holder = await holdLock(root, 'hold');
    const waiter = start(process.execPath, [relay, 'claim', '--agent', 'patient'], root);
    try {
      await until(() => waiter.stderr().includes('waiting for the lock'), 'the notice');
      // Longer than the notice's 5 s again: a repeated notice would be here by now.
      await pause(6_000);
    } finally {
      writeFileSync(join(root, 'go'), '');
    }
    expect(await waiter.exited).toEqual({ code: 0, signal: null });
    expect(waiter.stdout()).toBe('https://example.com/article-0\n');
    const lines = waiter.stderr().split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^relay: waiting for the lock \`[^\`]+queue\\.lock\` held by pid ${holder.child.pid} on \`${hostname()}\` \\(\`lock-holder [^\`]+ hold\`\\) since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z; pid ${holder.child.pid} is alive: judged by age, stale after 300000 ms`),
    );
    expect(await holder.exited).toEqual({ code: 0, signal: null });
  }, 60_000);
});

describe('RELAY_DEBUG=lock', () => {
  function writeLock(root: string, content: Record<string, unknown>): void {
    mkdirSync(lockDirectory(root), { recursive: true });
    writeFileSync(join(lockDirectory(root), 'queue.lock'), JSON.stringify({ host: hostname(), token: 't', acquiredAt: new Date().toISOString(), ...content }));
  }

  it('says a holder whose pid is gone in this namespace was broken at once', async () => {
    const root = queueTree();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeLock(root, { pid: Number(dead.stdout), pidNamespace: readlinkSync('/proc/self/ns/pid'), bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() });
    const result = await runRelay(relay, ['claim', '--agent', 'a'], { cwd: root, env: { RELAY_DEBUG: 'lock' } });
    expect(result).toMatchObject({ code: 0, stdout: 'https://example.com/article-0\n' });
    expect(result.stderr).toContain(`is stale: pid ${dead.stdout} is gone from this PID namespace`);
  });

  it('says a holder from before this boot was broken at once, and judges one without a namespace by age', async () => {
    const root = queueTree();
    writeLock(root, { pid: process.pid, pidNamespace: readlinkSync('/proc/self/ns/pid'), bootId: 'another-boot' });
    const old = new Date(Date.now() - 10 * 365 * 86_400_000);
    const { utimesSync } = await import('node:fs');
    utimesSync(join(lockDirectory(root), 'queue.lock'), old, old);
    const rebooted = await runRelay(relay, ['claim', '--agent', 'a'], { cwd: root, env: { RELAY_DEBUG: 'lock' } });
    expect(rebooted).toMatchObject({ code: 0, stdout: 'https://example.com/article-0\n' });
    expect(rebooted.stderr).toContain('is stale: it was taken before this machine last booted (boot id `another-boot`');

    // A lock from a relay that did not record its namespace: its pid proves nothing, even a dead one.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeLock(root, { pid: Number(dead.stdout) });
    const waited = await runRelay(relay, ['claim', '--agent', 'b'], { cwd: root, env: { RELAY_DEBUG: 'lock', RELAY_LOCK_TIMEOUT_MS: '300' } });
    expect(waited.code).toBe(1);
    expect(waited.stderr).toContain(`waiting for \``);
    expect(waited.stderr).toContain(`pid ${dead.stdout}'s PID namespace was not recorded, so the pid cannot be judged here: judged by age, stale after 300000 ms`);
    expect(waited.stderr).toContain('Timed out after 300 ms');
  });
});
