/**
 * Claims through a git remote with real git: a local bare repository, clones made with
 * `git clone`, and relay processes racing from them (PROTOCOL §7).
 */
import { appendFileSync, chmodSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { claimRef } from '../../src/claims/records.js';
import { normalizeUrl } from '../../src/protocol/url.js';
import { loadConfig } from '../../src/protocol/config.js';
import { lint } from '../../src/lint/engine.js';
import { buildRelayBundle, countBy, git, IDENTITY, makeUrls, readQueue, runPool, runRelay, sharedOrigin, tempDir, type RunResult } from '../helpers/state-relay.js';

let bundle: string;
beforeAll(async () => {
  bundle = await buildRelayBundle();
});

function relay(cwd: string, args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return runRelay(bundle, args, { cwd, env: { ...IDENTITY, ...env } });
}

async function ok(cwd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const result = await relay(cwd, args, env);
  expect(result.code, `relay ${args.join(' ')} in ${cwd}: ${result.stderr}`).toBe(0);
  return result.stdout;
}

const lines = (text: string): string[] => text.split('\n').filter(Boolean);

/** A bare origin whose `main` holds a state tree with `count` URLs, and `clones` clones of it with `relay init` run. */
async function setup(count: number, clones: number): Promise<{ base: string; origin: string; clones: string[]; urls: string[] }> {
  const base = tempDir('relay-remote-');
  const urls = makeUrls(count);
  return { base, urls, ...(await sharedOrigin(bundle, base, urls, clones)) };
}

function remoteRefs(origin: string, prefix = 'refs/relay/claims/'): string[] {
  return lines(git(origin, ['for-each-ref', '--format=%(refname)', prefix]));
}

describe('relay claim --remote', () => {
  it('10 clones claiming at once, 105 URLs: every URL claimed exactly once, every completion on the remote after relay sync, no claim ref left, no claim commit on the branch', async () => {
    const { origin, clones, urls } = await setup(105, 10);
    const claimedBy = new Map<string, string[]>();
    let syncs = 0;
    // Clone 0 names the remote in its config instead of on the command line.
    writeFileSync(join(clones[0]!, '.protocol-lint.json'), JSON.stringify({ remote: 'origin' }) + '\n');
    const worker = async (clone: string, agent: string): Promise<void> => {
      const remote = clone === clones[0] ? [] : ['--remote', 'origin'];
      for (let round = 1; ; round++) {
        const got = lines(await ok(clone, ['claim', ...remote, '-n', '5', '--agent', agent]));
        if (got.length === 0) break;
        for (const url of got) claimedBy.set(url, [...(claimedBy.get(url) ?? []), agent]);
        await ok(clone, ['done', ...remote, '--agent', agent, ...got]);
        // Syncs while others claim: completions land on the branch and their refs go.
        if (round % 2 === 0) {
          await ok(clone, ['sync', ...remote, '--agent', agent]);
          syncs++;
        }
      }
    };
    await Promise.all(clones.map((clone, index) => worker(clone, `c${index}`)));
    expect(syncs).toBeGreaterThan(0);
    // Exactly once across all clones, none lost.
    expect([...claimedBy.keys()].sort()).toEqual([...urls].sort());
    expect([...claimedBy].filter(([, agents]) => agents.length > 1)).toEqual([]);

    // Every clone syncs at once: they race for the branch, and each retries until its work is on it.
    const first = await Promise.all(clones.map((clone) => relay(clone, ['sync', '--remote', 'origin'])));
    for (const result of first) expect(result.code, result.stderr).toBe(0);
    // A fresh clone of the remote has every completion and nothing pending.
    const fresh = join(clones[0]!, '..', 'fresh');
    git(origin, ['clone', '-q', '-b', 'main', origin, fresh]);
    expect(readQueue(join(fresh, 'urls_done.md')).items.map((item) => item.url).sort()).toEqual([...urls].sort());
    expect(readQueue(join(fresh, 'urls_todo.md')).items).toEqual([]);
    expect(remoteRefs(origin)).toEqual([]);
    // The branch holds state commits and merges only: no claim record ever landed on it.
    const subjects = lines(git(origin, ['log', '--format=%s', 'main']));
    expect(subjects.filter((subject) => /^relay (claim|done) /.test(subject))).toEqual([]);
    expect(git(origin, ['ls-tree', '-r', '--name-only', 'main'])).not.toMatch(/refs\/relay/);
    // A clone that syncs again takes in the others' work; once more is a no-op: no commit, no push.
    await ok(clones[3]!, ['sync', '--remote', 'origin']);
    expect(readQueue(join(clones[3]!, 'urls_done.md')).items).toHaveLength(urls.length);
    const head = git(clones[3]!, ['rev-parse', 'HEAD']);
    expect(await ok(clones[3]!, ['sync', '--remote', 'origin'])).toBe('origin/main was up to date\n');
    expect(git(clones[3]!, ['rev-parse', 'HEAD'])).toBe(head);
  }, 300_000);

  it('of several stealers of one stale claim exactly one wins; the loser of the claim cannot release it', async () => {
    const { clones, urls } = await setup(3, 5);
    const [owner, ...stealers] = clones as [string, ...string[]];
    const old = new Date(Date.now() - 48 * 3_600_000).toISOString();
    expect(lines(await ok(owner, ['claim', '--remote', 'origin', '-n', '3', '--agent', 'owner'], { RELAY_NOW: old }))).toEqual(urls);
    // Without --steal-stale nothing is free.
    const polite = await relay(stealers[0]!, ['claim', '--remote', 'origin', '--agent', 'polite']);
    expect(polite).toMatchObject({ code: 0, stdout: '' });
    expect(polite.stderr).toMatch(/nothing to claim through `origin`/);
    // Four stealers at once for three stale claims, one URL each.
    const results = await Promise.all(stealers.map((clone, index) => relay(clone, ['claim', '--remote', 'origin', '--steal-stale', '-n', '1', '--agent', `thief-${index}`])));
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const stolen = results.flatMap((result) => lines(result.stdout));
    expect([...countBy(stolen).values()].every((n) => n === 1)).toBe(true);
    expect(stolen.sort()).toEqual([...urls].sort());
    for (const result of results.filter((each) => each.stdout !== '')) expect(result.stderr).toMatch(/took over `.*` from `owner`/);
    // The remote's records name the winners.
    const status = JSON.parse(await ok(owner, ['status', '--remote', 'origin', '--json'])) as { remote: { claims: { url: string; agent: string; stale: boolean }[]; claimsByAgent: Record<string, number> } };
    expect(status.remote.claims.map((claim) => claim.agent).sort()).toEqual(results.map((result, index) => (result.stdout ? `thief-${index}` : undefined)).filter(Boolean).sort());
    expect(status.remote.claims.every((claim) => !claim.stale)).toBe(true);
    // The old owner's claim is gone on the remote: releasing it is refused, its local line kept.
    const release = await relay(owner, ['release', '--remote', 'origin', '--agent', 'owner', urls[0]!]);
    expect(release.code).toBe(1);
    expect(release.stderr).toMatch(/claimed on remote `origin` by `thief-\d`, not `owner`/);
    // A claim asked again by the old owner gives up the lines it lost, with a note.
    const again = await relay(owner, ['claim', '--remote', 'origin', '-n', '3', '--agent', 'owner']);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/is claimed on remote `origin` by `thief-\d`; released here/);
    expect(readQueue(join(owner, 'urls_todo.md')).items.filter((item) => item.claim?.agent === 'owner')).toEqual([]);
  }, 60_000);

  it('a server hook that refuses refs/relay/: one line, exit 1, one push, nothing half done', async () => {
    const { origin, clones } = await setup(5, 1);
    const clone = clones[0]!;
    // The host check passes before the hook and leaves nothing behind.
    const healthy = await relay(clone, ['sync', '--check', '--remote', 'origin']);
    expect(healthy.code, healthy.stdout + healthy.stderr).toBe(0);
    expect(lines(healthy.stdout)).toEqual([
      expect.stringMatching(/^ok {6}create a ref under refs\/relay\/: created `refs\/relay\/probe\/[0-9a-f]+`$/),
      expect.stringMatching(/^ok {6}refuse a second create \(the lease is a compare-and-swap\): rejected as expected/),
      'ok      delete it (claims are released by deleting their ref): deleted',
      '`origin` can hold relay\'s claims',
    ]);
    expect(remoteRefs(origin, 'refs/relay/')).toEqual([]);
    const hook = join(origin, 'hooks', 'pre-receive');
    writeFileSync(hook, '#!/bin/sh\necho run >> hook-runs\nwhile read old new ref; do case "$ref" in refs/relay/*) echo "custom refs are not allowed here" >&2; exit 1;; esac; done\nexit 0\n');
    chmodSync(hook, 0o755);
    const claim = await relay(clone, ['claim', '--remote', 'origin', '-n', '2', '--agent', 'alice']);
    expect(claim.code).toBe(1);
    expect(claim.stdout).toBe('');
    expect(lines(claim.stderr)).toHaveLength(1);
    expect(claim.stderr).toMatch(/^relay: The remote `origin` refused `refs\/relay\/claims\/[0-9a-f]{64}` \(claim of https:\/\/example\.com\/article-\d\): pre-receive hook declined \(remote: custom refs are not allowed here\); it must accept refs under `refs\/relay\/`/);
    expect(readFileSync(join(origin, 'hook-runs'), 'utf8')).toBe('run\n');
    const check = await relay(clone, ['sync', '--check', '--remote', 'origin']);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/^problem create a ref under refs\/relay\/: refused: pre-receive hook declined \(remote: custom refs are not allowed here\)\n`origin` cannot hold relay's claims/);
    expect(readQueue(join(clone, 'urls_todo.md')).items.filter((item) => item.claim)).toEqual([]);
    const made = await relay(clone, ['new', 'findings', '--remote', 'origin']);
    expect(made.code).toBe(1);
    expect(lines(made.stderr)).toHaveLength(1);
    expect(made.stderr).toMatch(/refused `refs\/relay\/ids\/findings\/1`/);
    expect(existsSync(join(clone, 'review', 'findings-001.md'))).toBe(false);
    // An update hook that refuses the branch: sync says so once and keeps the commit.
    writeFileSync(hook, '#!/bin/sh\nexit 0\n');
    writeFileSync(join(origin, 'hooks', 'update'), '#!/bin/sh\ncase "$1" in refs/heads/*) echo "main is protected" >&2; exit 1;; esac\nexit 0\n');
    chmodSync(join(origin, 'hooks', 'update'), 0o755);
    await ok(clone, ['done', '--agent', 'alice', 'https://example.com/article-0']);
    const sync = await relay(clone, ['sync', '--remote', 'origin']);
    expect(sync.code).toBe(1);
    expect(lines(sync.stderr)).toHaveLength(1);
    expect(sync.stderr).toMatch(/refused the push of `main`: hook declined \(remote: main is protected\); the commits are kept here/);
    expect(git(clone, ['log', '-1', '--format=%s'])).toMatch(/^relay sync: state of /);
    // An unknown remote and a missing one are one line too.
    const unknown = await relay(clone, ['claim', '--remote', 'nowhere']);
    expect(unknown).toMatchObject({ code: 1 });
    expect(unknown.stderr).toMatch(/^relay: Unknown remote `nowhere`, expected one of `git remote` \(`origin`\)/);
    appendFileSync(join(clone, '.git', 'config'), '[remote "gone"]\n\turl = /nonexistent/repo.git\n');
    const gone = await relay(clone, ['claim', '--remote', 'gone']);
    expect(gone.code).toBe(1);
    expect(lines(gone.stderr)).toHaveLength(1);
    expect(gone.stderr).toMatch(/Cannot read the refs of remote `gone`/);
  }, 60_000);

  it('relay handoff --remote moves the claim on the remote too: the reviewer gets it back as its own', async () => {
    const { clones, urls } = await setup(2, 1);
    const clone = clones[0]!;
    expect(await ok(clone, ['claim', '--remote', 'origin', '-n', '2', '--agent', 'writer-1'])).toBeTruthy();
    await ok(clone, ['handoff', '--remote', 'origin', '--agent', 'writer-1', '--to', 'reviewer-1', urls[0]!]);
    const held = JSON.parse(await ok(clone, ['claim', '--remote', 'origin', '--agent', 'reviewer-1', '--json'])) as { url: string; held?: boolean }[];
    expect(held).toEqual([expect.objectContaining({ url: urls[0], held: true })]);
    const status = JSON.parse(await ok(clone, ['status', '--remote', 'origin', '--json'])) as { remote: { claimsByAgent: Record<string, number> } };
    expect(status.remote.claimsByAgent).toEqual({ 'writer-1': 1, 'reviewer-1': 1 });
    // The reviewer finishes, the writer gives its other URL back: after a sync nothing is left on the remote.
    await ok(clone, ['done', '--remote', 'origin', '--agent', 'reviewer-1', urls[0]!]);
    expect(await ok(clone, ['release', '--remote', 'origin', '--agent', 'writer-1', urls[1]!])).toBe(`${urls[1]}\n`);
    await ok(clone, ['sync', '--remote', 'origin']);
    const after = JSON.parse(await ok(clone, ['status', '--remote', 'origin', '--json'])) as { remote: { claims: unknown[] } };
    expect(after.remote.claims).toEqual([]);
  }, 60_000);

  it('relay new --remote: 10 clones asking at once, twice each, get 20 different numbers', async () => {
    const { origin, clones } = await setup(0, 10);
    const tasks = clones.flatMap((clone, index) => [0, 1].map((k) => () => relay(clone, ['new', 'findings', '--remote', 'origin', '--agent', `c${index}-${k}`])));
    const results = await runPool(tasks, 20);
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const paths = results.map((result) => result.stdout.trim());
    expect(new Set(paths).size).toBe(20);
    expect(paths.map((path) => Number(/findings-(\d+)\.md$/.exec(path)![1])).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
    expect(remoteRefs(origin, 'refs/relay/ids/findings/')).toHaveLength(20);
  }, 120_000);
});

describe('what a remote holds is data', () => {
  it('relay new --remote: two clones with the same agent, host and second still get distinct numbers (records carry a nonce; "up to date" is no win)', async () => {
    const { origin, clones } = await setup(0, 2);
    const env = { RELAY_NOW: '2026-03-19T10:00:00Z' };
    const tasks = clones.flatMap((clone) => Array.from({ length: 10 }, () => () => relay(clone, ['new', 'findings', '--remote', 'origin', '--agent', 'same'], env)));
    const results = await runPool(tasks, 20);
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const numbers = results.map((result) => Number(/findings-(\d+)\.md$/.exec(result.stdout.trim())![1]));
    expect([...countBy(numbers.map(String)).entries()].filter(([, n]) => n > 1)).toEqual([]);
    expect(remoteRefs(origin, 'refs/relay/ids/findings/')).toHaveLength(20);
  }, 120_000);

  it('hostile refs on the remote: an id that is not a plain number, a record under another URL\'s hash, escape sequences and a huge field', async () => {
    const { origin, clones, urls } = await setup(3, 1);
    const clone = clones[0]!;
    const key = (url: string): string => (normalizeUrl(url) as { key: string }).key;
    const record = (message: string): string => git(origin, ['commit-tree', '4b825dc642cb6eb9a060e54bf8d69288fbee4904', '-m', message]).trim();
    git(origin, ['update-ref', 'refs/relay/ids/task/1e21', record('relay id task 1e21')]);
    git(origin, ['update-ref', claimRef(key(urls[1]!)), record(`relay claim ${urls[0]}\n\nurl: ${urls[0]}\nagent: mallory\nat: 2026-03-19T10:00:00Z`)]);
    git(origin, ['update-ref', claimRef(key(urls[0]!)), record(`relay claim ${urls[0]}\n\nurl: ${urls[0]}\nagent: eve\u001b]0;pwned\u0007\u001b[2J\nhost: h\u001b[31m\nat: 2026-03-19T10:00:00Z`)]);
    // A 6 MB agent field, written from a stream: listed as foreign, never loaded, never printed.
    const huge = spawnSync('git', ['hash-object', '-t', 'commit', '-w', '--stdin'], {
      cwd: origin,
      input: `tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor a <a@b> 0 +0000\ncommitter a <a@b> 0 +0000\n\nrelay claim ${urls[2]}\n\nurl: ${urls[2]}\nagent: ${'x'.repeat(6 * 1024 * 1024)}\nat: 2026-03-19T10:00:00Z\n`,
      encoding: 'utf8',
    });
    git(origin, ['update-ref', claimRef(key(urls[2]!)), huge.stdout.trim()]);
    expect(await ok(clone, ['new', 'task', '--remote', 'origin'])).toBe('plan/task-001.md\n');
    const text = await relay(clone, ['status', '--remote', 'origin', '--ttl-hours', '1000000']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(text.stdout.length).toBeLessThan(4000);
    expect(text.stdout).toMatch(/claims eve\]0;pwned\[2J 1/);
    expect(text.stdout).toMatch(/foreign 2 refs under refs\/relay\/claims\/ skipped/);
    const json = JSON.parse(await ok(clone, ['status', '--remote', 'origin', '--json'])) as { remote: { accepted: number; foreign: string[]; claimsByAgent: Record<string, number>; claims: { agent: string; host: string }[] } };
    expect(json.remote.accepted).toBe(1);
    expect(json.remote.foreign.sort()).toEqual([claimRef(key(urls[1]!)), claimRef(key(urls[2]!))].sort());
    expect(json.remote.claimsByAgent).toEqual({ 'eve]0;pwned[2J': 1 });
    expect(json.remote.claims).toEqual([expect.objectContaining({ agent: 'eve]0;pwned[2J', host: 'h[31m' })]);
  }, 60_000);

  it('relay sync prunes refs only from the remote\'s default branch: a completion synced on another branch stays until it lands on main', async () => {
    const { origin, clones, urls } = await setup(2, 1);
    const clone = clones[0]!;
    git(clone, ['switch', '-q', '-c', 'feature']);
    // Through a remote the claim is picked at random among the first free URLs.
    const claimed = (await ok(clone, ['claim', '--remote', 'origin', '--agent', 'f'])).trim();
    expect(urls).toContain(claimed);
    await ok(clone, ['done', '--remote', 'origin', '--agent', 'f', claimed]);
    await ok(clone, ['sync', '--remote', 'origin']);
    expect(remoteRefs(origin)).toHaveLength(1);
    expect(lines(git(clone, ['for-each-ref', '--format=%(refname)', 'refs/relay/claims/']))).toHaveLength(1);
    git(clone, ['switch', '-q', 'main']);
    git(clone, ['-c', 'user.name=T', '-c', 'user.email=t@example.com', 'merge', '-q', '--no-edit', 'feature']);
    await ok(clone, ['sync', '--remote', 'origin']);
    expect(remoteRefs(origin)).toEqual([]);
    expect(lines(git(clone, ['for-each-ref', '--format=%(refname)', 'refs/relay/claims/']))).toEqual([]);
  }, 60_000);
});

describe('relay sync', () => {
  it('renumbers this side\'s new findings and tasks that collide with incoming ones, links rewritten, then merges', async () => {
    const { clones } = await setup(2, 2);
    const [alice, bob] = clones as [string, string];
    expect(await ok(alice, ['new', 'findings', '--agent', 'alice', '--local'])).toBe('review/findings-001.md\n');
    expect(await ok(alice, ['new', 'task', '--title', 'Alice task'])).toBe('plan/task-001.md\n');
    await ok(alice, ['sync', '--remote', 'origin']);
    expect(await ok(bob, ['new', 'findings', '--agent', 'bob'])).toBe('review/findings-001.md\n');
    expect(await ok(bob, ['new', 'task', '--title', 'Bob task'])).toBe('plan/task-001.md\n');
    writeFileSync(join(bob, 'plan', 'task-002.md'), '---\nid: task-002\nstatus: todo\ndepends_on: [task-001]\n---\n# Task 002: next\n\nSee [the findings](../review/findings-001.md) and [task one](task-001.md).\n');
    const out = await ok(bob, ['sync', '--remote', 'origin']);
    // Bob's task-001 moves above both sides' highest task number (his own task-002 included); his findings to 002.
    expect(out).toMatch(/renumbered plan\/task-001\.md -> plan\/task-003\.md/);
    expect(out).toMatch(/renumbered review\/findings-001\.md -> review\/findings-002\.md/);
    expect(readFileSync(join(bob, 'review', 'findings-001.md'), 'utf8')).toMatch(/alice/);
    expect(readFileSync(join(bob, 'review', 'findings-002.md'), 'utf8')).toMatch(/bob/);
    expect(readFileSync(join(bob, 'plan', 'task-001.md'), 'utf8')).toMatch(/Alice task/);
    expect(readFileSync(join(bob, 'plan', 'task-003.md'), 'utf8')).toMatch(/id: task-003[\s\S]*Bob task/);
    const next = readFileSync(join(bob, 'plan', 'task-002.md'), 'utf8');
    expect(next).toContain('[the findings](../review/findings-002.md)');
    expect(next).toContain('[task one](task-003.md)');
    expect(next).toContain('depends_on: [task-003]');
    expect(git(bob, ['status', '--porcelain'])).toBe('');
    // Alice takes it in with no conflict.
    await ok(alice, ['sync', '--remote', 'origin']);
    expect(readdirSync(join(alice, 'review')).filter((name) => name.startsWith('findings-')).sort()).toEqual(['findings-001.md', 'findings-002.md']);
  }, 60_000);

  it('the old `git pull && git push` double claim is now visible: the merge keeps both claims and the linter reports it', async () => {
    const { clones, urls } = await setup(3, 2);
    const [alice, bob] = clones as [string, string];
    expect(await ok(alice, ['claim', '--agent', 'alice'])).toBe(`${urls[0]}\n`);
    git(alice, ['commit', '-q', '-am', 'alice claims']);
    git(alice, ['push', '-q', 'origin', 'main']);
    expect(await ok(bob, ['claim', '--agent', 'bob'])).toBe(`${urls[0]}\n`);
    git(bob, ['commit', '-q', '-am', 'bob claims']);
    git(bob, ['-c', 'user.name=T', '-c', 'user.email=t@example.com', 'pull', '-q', '--no-rebase', '--no-edit', 'origin', 'main']);
    const line = readQueue(join(bob, 'urls_todo.md')).items.find((item) => item.url === urls[0])!;
    expect(line.claim?.agent).toBe('bob');
    expect(line.notes).toEqual([expect.stringMatching(/^also claimed by alice at \d{4}-/)]);
    const loaded = loadConfig(bob);
    if (!loaded.ok) throw new Error(loaded.error);
    const outcome = await lint({ root: bob, config: loaded.config });
    const messages = outcome.results.flatMap((result) => result.messages.map((message) => ({ ...message, file: result.filePath })));
    expect(messages.filter((message) => message.ruleId === 'queue-claim-conflict')).toEqual([
      expect.objectContaining({ file: 'urls_todo.md', severity: 2, message: expect.stringMatching(/^Unexpected second claim of `https:\/\/example\.com\/article-0` by `alice`/) }),
    ]);
    // Releasing settles it: the claim and the note go.
    await ok(bob, ['release', '--agent', 'bob', urls[0]!]);
    const released = readQueue(join(bob, 'urls_todo.md')).items.find((item) => item.url === urls[0])!;
    expect(released.claim).toBeUndefined();
    expect(released.notes).toEqual([]);
  }, 60_000);
});
