/**
 * The fleet under stress, with real processes: storms of concurrent `relay claim` and
 * `relay done`, writers SIGKILLed at random points, and two git worktrees writing at once.
 * Every URL is counted.
 */
import { mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeUrl } from '../../src/protocol/url.js';
import { lockDirectory } from '../../src/state/lock.js';
import { buildRelayBundle, countBy, git, makeUrls, readQueue, runPool, runRelay, tempDir, writeQueue, type RunResult } from '../helpers/state-relay.js';

let bundle: string;
beforeAll(async () => {
  bundle = await buildRelayBundle();
});

/** How many relay processes run at once: enough to contend hard, few enough for 2 cores. */
const PARALLEL = 48;
/** Generous: the storms take seconds, but a shared 2-core machine may be busy with other work. */
const STORM_TIMEOUT_MS = 240_000;

function queueTree(urls: string[]): string {
  const root = tempDir();
  writeQueue(join(root, 'urls_todo.md'), '# Pending URLs', urls.map((url) => `- ${url}`));
  writeQueue(join(root, 'urls_done.md'), '# Completed URLs', []);
  return root;
}

/** Checks both files are well-formed: no syntax problems, no URL twice in a file. */
function expectWellFormed(root: string): { todo: ReturnType<typeof readQueue>; done: ReturnType<typeof readQueue> } {
  const todo = readQueue(join(root, 'urls_todo.md'));
  const done = readQueue(join(root, 'urls_done.md'));
  expect(todo.problems).toEqual([]);
  expect(done.problems).toEqual([]);
  expect([...countBy(todo.items.map((item) => item.key))].filter(([, count]) => count > 1)).toEqual([]);
  expect([...countBy(done.items.map((item) => item.key))].filter(([, count]) => count > 1)).toEqual([]);
  expect(readFileSync(join(root, 'urls_todo.md'), 'utf8').startsWith('# Pending URLs\n\n')).toBe(true);
  expect(readFileSync(join(root, 'urls_done.md'), 'utf8').startsWith('# Completed URLs\n\n')).toBe(true);
  return { todo, done };
}

const key = (url: string): string => (normalizeUrl(url) as { key: string }).key;

describe('a storm of concurrent writers', () => {
  it('104 concurrent `relay claim` processes over 3000 URLs claim each URL exactly once, then 104 `relay done` complete them all', async () => {
    const urls = makeUrls(3000);
    const root = queueTree(urls);
    const agents = Array.from({ length: 104 }, (_, index) => `agent-${index}`);
    // 104 × 29 asks for more than there is: the last claim must come back short.
    const claims = await runPool(
      agents.map((agent) => () => runRelay(bundle, ['claim', '-n', '29', '--agent', agent, '--json'], { cwd: root })),
      PARALLEL,
    );
    for (const result of claims) expect(result).toMatchObject({ code: 0, signal: null });
    const claimedBy = new Map<string, string[]>();
    claims.forEach((result, index) => {
      const items = JSON.parse(result.stdout) as { url: string; agent: string }[];
      claimedBy.set(agents[index]!, items.map((item) => item.url));
    });
    const printed = [...claimedBy.values()].flat();
    expect(printed).toHaveLength(3000);
    expect(new Set(printed).size).toBe(3000);
    expect(new Set(printed)).toEqual(new Set(urls));
    expect(claims.map((result) => (JSON.parse(result.stdout) as unknown[]).length).sort((a, b) => a - b)[0]).toBe(3000 - 103 * 29);

    const { todo } = expectWellFormed(root);
    expect(todo.items).toHaveLength(3000);
    // What each process printed is what the file says it holds.
    for (const item of todo.items) expect(claimedBy.get(item.claim!.agent)).toContain(item.url);

    const dones = await runPool(
      agents.filter((agent) => claimedBy.get(agent)!.length > 0).map((agent) => () => runRelay(bundle, ['done', '--agent', agent, '--output', `review/${agent}.mdx`, '-'], { cwd: root, input: claimedBy.get(agent)!.join('\n') })),
      PARALLEL,
    );
    expect(dones).toHaveLength(104);
    for (const result of dones) expect(result).toMatchObject({ code: 0, signal: null, stderr: '' });
    const after = expectWellFormed(root);
    expect(after.todo.items).toEqual([]);
    expect(after.done.items).toHaveLength(3000);
    expect(new Set(after.done.items.map((item) => item.url))).toEqual(new Set(urls));
    for (const item of after.done.items) {
      expect(item.completed).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(claimedBy.get(item.by!)).toContain(item.url);
      expect(item.output).toBe(`review/${item.by}.mdx`);
    }
    // No temp files or locks are left behind.
    expect(readdirSync(root).sort()).toEqual(['.relay', 'urls_done.md', 'urls_todo.md']);
    expect(readdirSync(join(root, '.relay'))).toEqual(['.gitignore']);
  }, STORM_TIMEOUT_MS);

  it('writers SIGKILLed at random points lose nothing, leave well-formed files, and later claims still work', async () => {
    const urls = makeUrls(1500, 'https://example.com/kill-');
    const root = queueTree(urls.slice(0, 1200));
    const added = urls.slice(1200);
    // A holder killed while it held the lock: the lock names a pid that is gone.
    const holder = await runRelay(bundle, ['--help'], { cwd: root });
    mkdirSync(lockDirectory(root), { recursive: true });
    writeFileSync(
      join(lockDirectory(root), 'queue.lock'),
      JSON.stringify({
        pid: holder.pid,
        host: hostname(),
        // Where the pid means something; without these the pid cannot be judged, only the lock's age.
        pidNamespace: readlinkSync('/proc/self/ns/pid'),
        bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
        token: 'killed',
        acquiredAt: new Date().toISOString(),
      }),
    );

    // A mix of claims, completions and additions; most are killed at a random moment.
    const tasks: (() => Promise<RunResult & { kind: string; agent: string; urls: string[] }>)[] = [];
    let seed = 12345;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let index = 0; index < 45; index++) {
      const agent = `killer-${index}`;
      const kind = ['claim', 'done', 'add'][index % 3]!;
      const batch = kind === 'done' ? urls.slice(index * 12, index * 12 + 12) : kind === 'add' ? added.slice((index % 30) * 10, (index % 30) * 10 + 10) : [];
      const args = kind === 'claim' ? ['claim', '-n', '10', '--agent', agent] : kind === 'done' ? ['done', '--agent', agent, ...batch] : ['add', ...batch];
      const killAfterMs = random() < 0.7 ? 50 + Math.floor(random() * 450) : undefined;
      tasks.push(async () => ({ ...(await runRelay(bundle, args, { cwd: root, ...(killAfterMs === undefined ? {} : { killAfterMs }) })), kind, agent, urls: batch }));
    }
    const results = await runPool(tasks, PARALLEL);
    const killed = results.filter((result) => result.signal === 'SIGKILL').length;
    expect(killed).toBeGreaterThan(10);
    for (const result of results) if (result.signal === null) expect(result.code, result.stderr).toBeLessThanOrEqual(1);

    const { todo, done } = expectWellFormed(root);
    const doneKeys = new Set(done.items.map((item) => item.key));
    const everything = new Set([...todo.items, ...done.items].map((item) => item.key));
    // Nothing lost: every original URL is in one file or the other (a kill between the two
    // writes of `done` may leave one in both; done wins).
    for (const url of urls.slice(0, 1200)) expect(everything.has(key(url))).toBe(true);
    // Whatever a surviving process reported is on file.
    for (const result of results) {
      if (result.signal !== null || result.code !== 0) continue;
      if (result.kind === 'done') for (const url of result.urls) expect(doneKeys.has(key(url))).toBe(true);
      if (result.kind === 'add') for (const url of result.stdout.split('\n').filter(Boolean)) expect(everything.has(key(url))).toBe(true);
      if (result.kind === 'claim') {
        for (const url of result.stdout.split('\n').filter(Boolean)) {
          const item = todo.items.find((candidate) => candidate.key === key(url));
          // Claimed and still pending, or completed since by a `done` of the same URL.
          if (item) expect(item.claim?.agent).toBe(result.agent);
          else expect(doneKeys.has(key(url))).toBe(true);
        }
      }
    }

    // Later claims work: drain the queue; every pending, unclaimed, not-done URL comes out once.
    const open = new Set(todo.items.filter((item) => !item.claim && !doneKeys.has(item.key)).map((item) => item.url));
    const drains = await runPool(
      Array.from({ length: 8 }, (_, index) => () => runRelay(bundle, ['claim', '-n', '300', '--agent', `drain-${index}`], { cwd: root })),
      PARALLEL,
    );
    for (const result of drains) expect(result).toMatchObject({ code: 0, signal: null });
    const drained = drains.flatMap((result) => result.stdout.split('\n').filter(Boolean));
    expect(drained.length).toBe(open.size);
    expect(new Set(drained)).toEqual(open);
    expectWellFormed(root);
    // Killed writers' temp files are swept by later writers.
    expect(readdirSync(root).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  }, STORM_TIMEOUT_MS);
});

describe('two git worktrees of one repository', () => {
  it('share one lock in the git common dir, and the claims, while claiming at once', async () => {
    const repo = tempDir();
    git(repo, ['init', '-q']);
    writeQueue(join(repo, 'urls_todo.md'), '# Pending URLs', makeUrls(400).map((url) => `- ${url}`));
    writeQueue(join(repo, 'urls_done.md'), '# Completed URLs', []);
    git(repo, ['add', '.']);
    git(repo, ['commit', '-q', '-m', 'queue']);
    const second = join(tempDir(), 'second');
    git(repo, ['worktree', 'add', '-q', second]);
    const lockDir = join(git(repo, ['rev-parse', '--path-format=absolute', '--git-common-dir']).trim(), 'relay');

    // A live holder in the common dir blocks both worktrees.
    mkdirSync(lockDir, { recursive: true });
    writeFileSync(join(lockDir, 'queue.lock'), JSON.stringify({ pid: process.pid, host: hostname(), token: 'test', acquiredAt: new Date().toISOString() }));
    for (const cwd of [repo, second]) {
      const blocked = await runRelay(bundle, ['claim', '--agent', 'w'], { cwd, env: { RELAY_LOCK_TIMEOUT_MS: '200' } });
      expect(blocked.code).toBe(1);
      expect(blocked.stderr).toContain(`waiting for the lock \`${join(lockDir, 'queue.lock')}\` held by pid ${process.pid}`);
    }
    rmSync(join(lockDir, 'queue.lock'));

    const tasks = Array.from({ length: 16 }, (_, index) => () =>
      runRelay(bundle, ['claim', '-n', '30', '--agent', `wt-${index}`], { cwd: index % 2 === 0 ? repo : second }),
    );
    const results = await runPool(tasks, PARALLEL);
    for (const result of results) expect(result).toMatchObject({ code: 0, signal: null });
    // 16 x 30 asked for 400 URLs: every URL is claimed once across both worktrees (the claim refs are shared).
    const all = results.flatMap((result) => result.stdout.split('\n').filter(Boolean));
    expect(all).toHaveLength(400);
    expect(new Set(all).size).toBe(400);
    for (const [cwd, parity] of [[repo, 0], [second, 1]] as const) {
      const printed = results.filter((_, index) => index % 2 === parity).flatMap((result) => result.stdout.split('\n').filter(Boolean));
      const { todo } = expectWellFormed(cwd);
      expect(todo.items.filter((item) => item.claim).map((item) => item.url).sort()).toEqual([...printed].sort());
    }
    expect(readdirSync(lockDir)).toEqual([]);
    expect(readdirSync(repo)).not.toContain('.relay');
    expect(readdirSync(second)).not.toContain('.relay');
  }, STORM_TIMEOUT_MS);
});
