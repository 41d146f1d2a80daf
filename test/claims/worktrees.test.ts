/**
 * Worktrees share claims, completions and ids through the repository's own refs (PROTOCOL §5,
 * version 3), with real git: `git worktree add`, real relay processes racing from several
 * worktrees, merges through the relay merge driver, and hostile refs written with git itself.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readClaimRefs } from '../../src/claims/view.js';
import { buildBrief } from '../../src/brief/brief.js';
import { lint } from '../../src/lint/engine.js';
import { loadConfig } from '../../src/protocol/config.js';
import { buildRelayBundle, countBy, git, IDENTITY, makeUrls, readQueue, runPool, runRelay, tempDir, type RunResult } from '../helpers/state-relay.js';

let bundle: string;
beforeAll(async () => {
  bundle = await buildRelayBundle();
});

function relay(cwd: string, args: string[], input?: string, env: Record<string, string> = {}): Promise<RunResult> {
  return runRelay(bundle, args, { cwd, input, env: { ...IDENTITY, ...env } });
}

async function ok(cwd: string, args: string[], input?: string): Promise<string> {
  const result = await relay(cwd, args, input);
  expect(result.code, `relay ${args.join(' ')} in ${cwd}: ${result.stderr}`).toBe(0);
  return result.stdout;
}

const lines = (text: string): string[] => text.split('\n').filter(Boolean);

/** A repository `main` with `urls` queued and committed on `main`, and `count` more worktrees of it on their own branches. */
async function repository(urls: string[], count: number, options: { commit?: boolean } = {}): Promise<{ base: string; main: string; worktrees: string[] }> {
  const base = tempDir('relay-worktrees-');
  const main = join(base, 'main');
  git(base, ['init', '-q', '-b', 'main', main]);
  await ok(main, ['init']);
  if (urls.length > 0) await ok(main, ['add', '-'], urls.join('\n'));
  const worktrees: string[] = [];
  if (options.commit === false) return { base, main, worktrees };
  git(main, ['add', '-A']);
  git(main, ['commit', '-q', '-m', 'seed the queue']);
  for (let index = 0; index < count; index++) {
    const worktree = join(base, `wt-${index}`);
    git(main, ['worktree', 'add', '-q', '-b', `wt-${index}`, worktree]);
    worktrees.push(worktree);
  }
  return { base, main, worktrees };
}

function claimRefs(cwd: string): string[] {
  return lines(git(cwd, ['for-each-ref', '--format=%(refname) %(contents:subject)', 'refs/relay/claims/']));
}

async function lintMessages(root: string): Promise<{ ruleId: string | null; severity: number; message: string; line: number }[]> {
  const loaded = loadConfig(root);
  if (!loaded.ok) throw new Error(loaded.error);
  const outcome = await lint({ root, config: loaded.config });
  return outcome.results.flatMap((result) => result.messages);
}

describe('every reader of the queue sees every worktree', () => {
  it('the briefing, relay status and their counts agree in each worktree, and never offer a URL claimed or done in another as free', async () => {
    const urls = makeUrls(4, 'https://example.com/');
    const { main, worktrees } = await repository(urls, 1);
    await ok(main, ['claim', '--agent', 'A']);
    await ok(main, ['done', urls[1]!, '--agent', 'A']);
    const other = worktrees[0]!;
    const status = JSON.parse(await ok(other, ['status', '--json'])) as { pending: number; claimed: number; unclaimed: number; done: number; next: string[]; claimsByAgent: Record<string, number> };
    expect(status).toMatchObject({ pending: 3, claimed: 1, unclaimed: 2, done: 1, claimsByAgent: { A: 1 } });
    expect(status.next).toEqual([urls[2], urls[3]]);
    const loaded = loadConfig(other);
    if (!loaded.ok) throw new Error(loaded.error);
    const brief = buildBrief(other, loaded.config);
    expect(brief).toContain('3 pending (1 claimed, 2 free)');
    expect(brief).toContain('1 done');
    const offered = brief.slice(brief.indexOf('Next free items'));
    expect(offered).not.toContain(`- ${urls[0]}\n`);
    expect(offered).not.toContain(`- ${urls[1]}\n`);
    expect(offered).toContain(`- ${urls[2]}\n`);
  });
});

describe('worktrees share claims', () => {
  it('the issue transcript: three worktrees claiming one after another get three different URLs', async () => {
    const urls = makeUrls(3, 'https://example.com/');
    const { main, worktrees } = await repository(urls, 2);
    expect(await ok(main, ['claim', '--agent', 'A'])).toBe(`${urls[0]}\n`);
    expect(await ok(worktrees[0]!, ['claim', '--agent', 'B'])).toBe(`${urls[1]}\n`);
    expect(await ok(worktrees[1]!, ['claim', '--agent', 'C'])).toBe(`${urls[2]}\n`);
    const nothing = await relay(worktrees[1]!, ['claim', '--agent', 'D']);
    expect(nothing).toMatchObject({ code: 0, stdout: '' });
    expect(nothing.stderr).toMatch(/nothing to claim/);
    // Each worktree's queue file shows its own claim; the refs, shared, hold all three.
    expect(readQueue(join(worktrees[0]!, 'urls_todo.md')).items.filter((item) => item.claim).map((item) => item.claim!.agent)).toEqual(['B']);
    expect(claimRefs(main)).toHaveLength(3);
    const view = readClaimRefs(worktrees[1]!)!;
    expect([...view.claimed.values()].map((claim) => claim.agent).sort()).toEqual(['A', 'B', 'C']);
    // A held claim comes back to its agent in its worktree, and only there.
    expect(await ok(worktrees[0]!, ['claim', '--agent', 'B'])).toBe(`${urls[1]}\n`);
  });

  it('done, release and handoff in one worktree are seen in the others before any merge', async () => {
    const urls = makeUrls(3);
    const { main, worktrees } = await repository(urls, 1);
    const [other] = worktrees as [string];
    expect(await ok(main, ['claim', '-n', '3', '--agent', 'writer'])).toBe(urls.map((url) => `${url}\n`).join(''));
    await ok(main, ['done', '--agent', 'writer', urls[0]!]);
    // The completion record keeps article-0 from being claimed in the other worktree, where it is still pending.
    expect(claimRefs(main).find((line) => line.includes(urls[0]!))).toMatch(/ relay done /);
    await ok(main, ['release', '--agent', 'writer', urls[1]!]);
    expect(await ok(other, ['claim', '-n', '3', '--agent', 'other'])).toBe(`${urls[1]}\n`);
    // A handoff moves the ref: every worktree sees the reviewer holding it, and the reviewer gets it back as its own.
    await ok(main, ['handoff', '--agent', 'writer', '--to', 'reviewer', urls[2]!]);
    expect([...readClaimRefs(other)!.claimed.values()].map((claim) => claim.agent).sort()).toEqual(['other', 'reviewer']);
    const held = JSON.parse(await ok(main, ['claim', '--agent', 'reviewer', '--json'])) as { url: string; held?: boolean }[];
    expect(held).toEqual([expect.objectContaining({ url: urls[2], held: true })]);
    // Releasing another worktree's claim is refused without --force, and the completion even more so.
    const refused = await relay(other, ['release', '--agent', 'other', urls[0]!, urls[2]!]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/completed by `writer` and waiting to land on the default branch/);
    expect(refused.stderr).toMatch(/claimed by `reviewer`, not `other`/);
  });

  it('relay new: worktrees asking at once get distinct numbers, above what any of them has', async () => {
    const { main, worktrees } = await repository([], 3);
    writeFileSync(join(worktrees[2]!, 'review', 'findings-007.md'), '# Findings 007: made by hand\n');
    const places = [main, ...worktrees];
    const results = await runPool(
      places.flatMap((place, index) => [0, 1, 2, 3].map((k) => () => relay(place, ['new', 'findings', '--agent', `w${index}-${k}`]))),
      8,
    );
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const numbers = results.map((result) => Number(/findings-(\d+)\.md$/.exec(result.stdout.trim())![1]));
    expect(new Set(numbers).size).toBe(16);
    // The hand-made 007 counts where it is; nothing below it is lost, nothing is taken twice.
    expect(Math.max(...numbers)).toBeLessThanOrEqual(24);
    expect(lines(git(main, ['for-each-ref', '--format=%(refname)', 'refs/relay/ids/findings/']))).toHaveLength(16);
  }, 120_000);

  it('100 claimers at once over 4 worktrees get 100 different URLs, each written in its own worktree', async () => {
    const urls = makeUrls(120);
    const { main, worktrees } = await repository(urls, 3);
    const places = [main, ...worktrees];
    const results = await runPool(
      Array.from({ length: 100 }, (_, index) => () => relay(places[index % 4]!, ['claim', '--agent', `agent-${index}`])),
      25,
    );
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const claimed = results.map((result) => result.stdout.trim());
    expect(claimed.every((url) => urls.includes(url))).toBe(true);
    expect([...countBy(claimed).values()].filter((n) => n > 1)).toEqual([]);
    // What each process printed is what its worktree's file says it holds, and the refs agree.
    results.forEach((result, index) => {
      const item = readQueue(join(places[index % 4]!, 'urls_todo.md')).items.find((each) => each.url === result.stdout.trim())!;
      expect(item.claim?.agent).toBe(`agent-${index}`);
    });
    const view = readClaimRefs(main)!;
    expect(view.claimed.size).toBe(100);
  }, 180_000);

  it('a repository with no commit yet shares claims and ids too; outside git nothing of it runs', async () => {
    const urls = makeUrls(2);
    const { main } = await repository(urls, 0, { commit: false });
    expect(spawnSync('git', ['rev-parse', '--verify', 'HEAD'], { cwd: main }).status).not.toBe(0);
    expect(await ok(main, ['claim', '--agent', 'a'])).toBe(`${urls[0]}\n`);
    expect(await ok(main, ['claim', '--agent', 'b'])).toBe(`${urls[1]}\n`);
    await ok(main, ['done', '--agent', 'a', urls[0]!]);
    expect(await ok(main, ['new', 'task'])).toBe('plan/task-001.md\n');
    expect(claimRefs(main).map((line) => line.split(' ')[1])).toEqual(['relay', 'relay']);
    expect(readClaimRefs(main)).toMatchObject({ claimed: new Map([[expect.any(String), expect.objectContaining({ agent: 'b' })]]), foreign: 0 });

    const plain = tempDir('relay-no-git-');
    await ok(plain, ['init']);
    await ok(plain, ['add', ...urls]);
    expect(await ok(plain, ['claim', '--agent', 'a'])).toBe(`${urls[0]}\n`);
    expect(await ok(plain, ['new', 'findings'])).toBe('review/findings-001.md\n');
    expect(existsSync(join(plain, '.git'))).toBe(false);
    expect(readClaimRefs(plain)).toBeUndefined();
  });
});

describe('merging worktree branches back', () => {
  it('three worktrees with claims, done items and findings merge into main one after another: every URL done once, every findings file kept under its own number, the tree lints clean, and the refs go once landed', async () => {
    const urls = makeUrls(9);
    const { main, worktrees } = await repository(urls, 3);
    const done: string[] = [];
    await Promise.all(
      worktrees.map(async (worktree, index) => {
        const agent = `session-${index}`;
        const got = lines(await ok(worktree, ['claim', '-n', '3', '--agent', agent]));
        // Two done, one left claimed; a findings log each.
        await ok(worktree, ['done', '--agent', agent, got[0]!, got[1]!]);
        done.push(got[0]!, got[1]!);
        const findings = (await ok(worktree, ['new', 'findings', '--agent', agent])).trim();
        writeFileSync(join(worktree, findings), `# Findings: ${agent}\n\n## Done\n- two URLs\n\n## Found\n- nothing new\n\n## Open\n- one URL still claimed\n`);
        git(worktree, ['add', '-A']);
        git(worktree, ['commit', '-q', '-m', `${agent}: work`]);
      }),
    );
    // Before the merges, the pending copies of URLs done elsewhere are warnings only; no claim conflicts.
    const before = await lintMessages(main);
    expect(before.filter((message) => message.severity === 2)).toEqual([]);
    expect(before.filter((message) => message.ruleId === 'queue-claim-conflict')).toHaveLength(6);
    for (const [index] of worktrees.entries()) {
      const merged = spawnSync('git', ['merge', '-q', '--no-edit', `wt-${index}`], { cwd: main, encoding: 'utf8', env: { ...process.env, ...IDENTITY } });
      expect(merged.status, merged.stdout + merged.stderr).toBe(0);
    }
    const doneItems = readQueue(join(main, 'urls_done.md')).items.map((item) => item.url);
    expect(doneItems.sort()).toEqual([...done].sort());
    expect(new Set(doneItems).size).toBe(6);
    const pending = readQueue(join(main, 'urls_todo.md')).items;
    expect(pending).toHaveLength(3);
    expect(pending.every((item) => item.claim !== undefined)).toBe(true);
    expect(readdirSync(join(main, 'review')).filter((name) => name.startsWith('findings-')).sort()).toEqual(['findings-001.md', 'findings-002.md', 'findings-003.md']);
    expect(await lintMessages(main)).toEqual([]);
    // The completions landed on main: the next relay command that meets them prunes their refs; the claims stay.
    expect(claimRefs(main)).toHaveLength(9);
    await ok(main, ['claim', '--agent', 'late']);
    expect(claimRefs(main).map((line) => line.split(' ')[2])).toEqual(['claim', 'claim', 'claim']);
  }, 120_000);

  it('a completion stays while only an unmerged branch holds it: the URL is not claimed again', async () => {
    const urls = makeUrls(1);
    const { main, worktrees } = await repository(urls, 1);
    await ok(worktrees[0]!, ['claim', '--agent', 'w']);
    await ok(worktrees[0]!, ['done', '--agent', 'w', urls[0]!]);
    git(worktrees[0]!, ['commit', '-q', '-am', 'done, never merged']);
    // main moves on without the branch: its done list lacks the URL, so nothing is pruned.
    writeFileSync(join(main, 'notes.txt'), 'other work\n');
    git(main, ['add', 'notes.txt']);
    git(main, ['commit', '-q', '-m', 'other work']);
    const again = await relay(main, ['claim', '--agent', 'm']);
    expect(again).toMatchObject({ code: 0, stdout: '' });
    expect(claimRefs(main)).toEqual([expect.stringMatching(/ relay done /)]);
  });
});

describe('the lint sees the refs', () => {
  it('queue-claim-conflict: a claim line whose ref names another agent, a claimed or pending line the refs hold as completed; no ref, no message', async () => {
    const urls = makeUrls(4);
    const { main, worktrees } = await repository(urls, 1);
    const [other] = worktrees as [string];
    await ok(other, ['claim', '-n', '2', '--agent', 'bob']);
    await ok(other, ['done', '--agent', 'bob', urls[1]!]);
    // In main, by hand: article-0 claimed by alice (bob's ref), article-1 claimed by carol (done elsewhere), article-3 claimed by dave (no ref).
    const todo = readFileSync(join(main, 'urls_todo.md'), 'utf8')
      .replace(`- ${urls[0]}\n`, `- ${urls[0]} (claimed by alice at 2026-03-19T10:00:00Z)\n`)
      .replace(`- ${urls[1]}\n`, `- ${urls[1]} (claimed by carol at 2026-03-19T10:00:00Z)\n`)
      .replace(`- ${urls[3]}\n`, `- ${urls[3]} (claimed by dave at 2026-03-19T10:00:00Z)\n`);
    writeFileSync(join(main, 'urls_todo.md'), todo);
    const conflicts = (await lintMessages(main)).filter((message) => message.ruleId === 'queue-claim-conflict');
    expect(conflicts.map(({ severity, message }) => ({ severity, message }))).toEqual([
      { severity: 2, message: `Unexpected claim of \`${urls[0]}\` by \`alice\` while its claim ref names \`bob\` (another worktree holds it, or took it over), expected one claimant; \`relay claim --agent alice\` gives it up here` },
      {
        severity: 2,
        message: `Unexpected pending \`${urls[1]}\` claimed by \`carol\`: another worktree completed it (its ref holds the completion until that branch lands on the default branch), expected it done; \`relay claim --agent carol\` gives it up here`,
      },
    ]);
    // A handoff writes the line, then the ref: a line newer than its ref (the new holder's, in between) is not a conflict.
    const later = new Date(Date.now() + 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    writeFileSync(join(main, 'urls_todo.md'), todo.replace(`- ${urls[0]} (claimed by alice at 2026-03-19T10:00:00Z)`, `- ${urls[0]} (claimed by reviewer at ${later})`));
    expect((await lintMessages(main)).filter((message) => message.ruleId === 'queue-claim-conflict' && message.message.includes(urls[0]!))).toEqual([]);
    // Within the second the claim was made (times are whole seconds), the same.
    const refAt = readClaimRefs(main)!.claimed.get(urls[0]!)!.at!;
    writeFileSync(join(main, 'urls_todo.md'), todo.replace(`- ${urls[0]} (claimed by alice at 2026-03-19T10:00:00Z)`, `- ${urls[0]} (claimed by reviewer at ${refAt})`));
    expect((await lintMessages(main)).filter((message) => message.ruleId === 'queue-claim-conflict' && message.message.includes(urls[0]!))).toEqual([]);
    writeFileSync(join(main, 'urls_todo.md'), todo);
    // carol gives hers up as the message says (and takes article-2); unclaimed, article-1 is a warning only.
    await ok(main, ['claim', '--agent', 'carol', '-n', '1']);
    const after = (await lintMessages(main)).filter((message) => message.ruleId === 'queue-claim-conflict');
    expect(after).toEqual([
      expect.objectContaining({ severity: 2, message: expect.stringContaining(`Unexpected claim of \`${urls[0]}\` by \`alice\``) }),
      expect.objectContaining({ severity: 1, message: expect.stringContaining(`Unexpected pending \`${urls[1]}\`: another worktree completed it`) }),
    ]);
  });
});

describe('hostile refs here', () => {
  it('an id ref that is not a plain number is skipped; a record under another URL\'s hash, one with escape sequences, and a huge one are foreign or clean', async () => {
    const urls = makeUrls(2);
    const { main } = await repository(urls, 0);
    const record = (message: string): string => git(main, ['commit-tree', '4b825dc642cb6eb9a060e54bf8d69288fbee4904', '-m', message]).trim();
    const planted = record('relay id task 1e21');
    git(main, ['update-ref', 'refs/relay/ids/task/1e21', planted]);
    git(main, ['update-ref', 'refs/relay/ids/task/-5', planted]);
    expect(await ok(main, ['new', 'task'])).toBe('plan/task-001.md\n');
    expect(await ok(main, ['new', 'task'])).toBe('plan/task-002.md\n');
    // A claim of article-0 filed under article-1's hash holds nothing: article-1 is still claimed by whoever creates its ref.
    const { claimRef } = await import('../../src/claims/records.js');
    const { normalizeUrl } = await import('../../src/protocol/url.js');
    const key = (url: string): string => (normalizeUrl(url) as { key: string }).key;
    git(main, ['update-ref', claimRef(key(urls[1]!)), record(`relay claim ${urls[0]}\n\nurl: ${urls[0]}\nagent: mallory\nat: 2026-03-19T10:00:00Z`)]);
    // An escape sequence in the agent, under its own URL's hash: kept as a claim, the sequence stripped.
    git(main, ['update-ref', claimRef(key(urls[0]!)), record(`relay claim ${urls[0]}\n\nurl: ${urls[0]}\nagent: eve\u001b]0;pwned\u0007\u001b[2J\nat: 2026-03-19T10:00:00Z`)]);
    // A record far over the bound, made from a stream: never loaded.
    const huge = spawnSync('git', ['hash-object', '-t', 'commit', '-w', '--stdin'], {
      cwd: main,
      input: `tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor a <a@b> 0 +0000\ncommitter a <a@b> 0 +0000\n\nrelay claim https://example.com/huge\n\nurl: https://example.com/huge\nagent: ${'x'.repeat(8 * 1024 * 1024)}\n`,
      encoding: 'utf8',
    });
    git(main, ['update-ref', claimRef(key('https://example.com/huge')), huge.stdout.trim()]);
    const view = readClaimRefs(main)!;
    expect(view.foreign).toBe(2);
    expect([...view.claimed.values()]).toEqual([{ agent: 'eve]0;pwned[2J', at: '2026-03-19T10:00:00Z' }]);
    // A hook's lint asks for the few URLs it lints: only their records are read.
    expect(readClaimRefs(main, [key(urls[0]!)])).toEqual({ claimed: new Map([[key(urls[0]!), { agent: 'eve]0;pwned[2J', at: '2026-03-19T10:00:00Z' }]]), completed: new Set(), foreign: 0 });
  });
});
