import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseQueue } from '../../src/protocol/queue.js';
import { mergeQueueTexts } from '../../src/state/merge-driver.js';
import { buildRelayBundle, countBy, git, makeUrls, readQueue, runRelay, tempDir } from '../helpers/state-relay.js';

/** The linter bundle that `npm test`'s global setup builds. */
const REPO = resolve(import.meta.dirname, '../..');
const TODO = '# Pending URLs\n\n';
const DONE = '# Completed URLs\n\n';
const lines = (...items: string[]): string => items.map((item) => `${item}\n`).join('');

describe('mergeQueueTexts', () => {
  it('urls_todo.md: keeps additions from both sides, drops items either side removed, takes the side that changed a line', () => {
    const base = TODO + lines('- https://example.com/a', '- https://example.com/b', '- https://example.com/c', '- https://example.com/d');
    const ours = TODO + lines('- https://example.com/b', '- https://example.com/c (claimed by w1 at 2026-03-20T10:00:00Z)', '- https://example.com/d', '- https://example.com/ours');
    const theirs = TODO + lines('- https://example.com/a', '- https://example.com/b (claimed by w2 at 2026-03-20T11:00:00Z)', '- https://example.com/c (claimed by w3 at 2026-03-20T11:00:00Z)', '- https://example.com/theirs', '- https://example.com/ours (claimed by w4 at 2026-03-20T11:00:00Z)');
    expect(mergeQueueTexts({ base, ours, theirs, kind: 'todo' })).toBe(
      TODO +
        lines(
          '- https://example.com/b (claimed by w2 at 2026-03-20T11:00:00Z)',
          // Both claimed c for different agents: ours holds it, theirs' claim stays visible (rule queue-claim-conflict).
          '- https://example.com/c (claimed by w1 at 2026-03-20T10:00:00Z, also claimed by w3 at 2026-03-20T11:00:00Z)',
          '- https://example.com/ours (claimed by w4 at 2026-03-20T11:00:00Z)',
          '- https://example.com/theirs',
        ),
    );
    // a was removed by ours and d by theirs. A URL done in either side's urls_done.md goes too: done wins.
    const withDone = mergeQueueTexts({ base, ours, theirs, kind: 'todo', doneElsewhere: new Set(['https://example.com/ours', 'https://example.com/theirs']) });
    expect(withDone).toBe(TODO + lines('- https://example.com/b (claimed by w2 at 2026-03-20T11:00:00Z)', '- https://example.com/c (claimed by w1 at 2026-03-20T10:00:00Z, also claimed by w3 at 2026-03-20T11:00:00Z)'));
  });

  it('never drops a claim silently: a release loses to a claim, the same agent twice is one claim, a note is not written twice', () => {
    const base = TODO + lines('- https://example.com/a (claimed by w1 at 2026-03-20T10:00:00Z)', '- https://example.com/b', '- https://example.com/c (note)');
    // Ours released a (and annotated it); theirs stole it. Both claimed b for w5. Ours noted c; theirs claimed it.
    const ours = TODO + lines('- https://example.com/a (checked)', '- https://example.com/b (claimed by w5 at 2026-03-20T12:00:00Z)', '- https://example.com/c (note; more)');
    const theirs = TODO + lines('- https://example.com/a (claimed by w2 at 2026-03-21T10:00:00Z)', '- https://example.com/b (claimed by w5 at 2026-03-20T12:30:00Z)', '- https://example.com/c (note; claimed by w6 at 2026-03-21T10:00:00Z)');
    const merged = mergeQueueTexts({ base, ours, theirs, kind: 'todo' });
    expect(merged).toBe(
      TODO + lines('- https://example.com/a (checked, claimed by w2 at 2026-03-21T10:00:00Z)', '- https://example.com/b (claimed by w5 at 2026-03-20T12:00:00Z)', '- https://example.com/c (note, more, claimed by w6 at 2026-03-21T10:00:00Z)'),
    );
    // Merging the same again (ours now carries theirs' note) changes nothing.
    const noted = TODO + lines('- https://example.com/a (claimed by w1 at 2026-03-20T10:00:00Z; also claimed by w2 at 2026-03-21T10:00:00Z)');
    const again = mergeQueueTexts({ base: TODO + lines('- https://example.com/a'), ours: noted, theirs: TODO + lines('- https://example.com/a (claimed by w2 at 2026-03-21T10:00:00Z)'), kind: 'todo' });
    expect(again).toBe(noted);
  });

  it('urls_done.md: union of completions, a removal loses to an edit, one line per URL', () => {
    const base = DONE + lines('- https://example.com/a (completed 2026-03-18)', '- https://example.com/b (completed 2026-03-18)', '- https://example.com/c (completed 2026-03-18)');
    const ours = DONE + lines('- https://example.com/a (completed 2026-03-18)', '- https://example.com/c (completed 2026-03-18)', '- https://example.com/x (completed 2026-03-20, by w1)', '- https://example.com/both (completed 2026-03-20, by w1)');
    const theirs = DONE + lines('- https://example.com/b (completed 2026-03-18, by w9)', '- https://example.com/c (completed 2026-03-18)', '- https://example.com/y (completed 2026-03-20, by w2)', '- https://example.com/both (completed 2026-03-19, by w2)');
    expect(mergeQueueTexts({ base, ours, theirs, kind: 'done' })).toBe(
      DONE +
        lines(
          '- https://example.com/c (completed 2026-03-18)',
          '- https://example.com/x (completed 2026-03-20, by w1)',
          '- https://example.com/both (completed 2026-03-20, by w1)',
          '- https://example.com/b (completed 2026-03-18, by w9)',
          '- https://example.com/y (completed 2026-03-20, by w2)',
        ),
    );
  });

  it('keeps our non-item lines and adds theirs, CRLF and all', () => {
    const base = '# Pending URLs\r\n\r\n- https://example.com/a\r\n\r\n<!-- end -->\r\n';
    const ours = '# Pending URLs (ours)\r\n\r\n- https://example.com/a\r\n- https://example.com/b\r\n\r\n<!-- end -->\r\n';
    const theirs = '# Pending URLs (theirs)\r\n\r\nBatch two:\r\n- https://example.com/a\r\n- https://example.com/c\r\n\r\n<!-- end -->\r\n';
    const merged = mergeQueueTexts({ base, ours, theirs, kind: 'todo' });
    expect(merged).toBe('# Pending URLs (ours)\r\n\r\n- https://example.com/a\r\n- https://example.com/b\r\n# Pending URLs (theirs)\r\nBatch two:\r\n- https://example.com/c\r\n\r\n<!-- end -->\r\n');
    expect(parseQueue(merged).problems).toEqual([]);
  });
});

describe('two clones merged through git with the driver', () => {
  let bundle: string;
  beforeAll(async () => {
    bundle = await buildRelayBundle();
  });

  /** A bare origin seeded by `relay init` with `count` URLs, and two clones set up with `relay init`. */
  async function setup(count: number): Promise<{ alice: string; bob: string; urls: string[] }> {
    const base = tempDir('relay-clones-');
    const seed = join(base, 'seed');
    git(base, ['init', '-q', '--bare', 'origin.git']);
    git(base, ['clone', '-q', 'origin.git', seed]);
    git(seed, ['checkout', '-q', '-b', 'main']);
    expect((await runRelay(bundle, ['init'], { cwd: seed })).code).toBe(0);
    const urls = makeUrls(count);
    expect(await runRelay(bundle, ['add', '-'], { cwd: seed, input: urls.join('\n') })).toMatchObject({ code: 0 });
    git(seed, ['add', '-A']);
    git(seed, ['commit', '-q', '-m', 'seed the queue']);
    git(seed, ['push', '-q', 'origin', 'main']);
    const alice = join(base, 'alice');
    const bob = join(base, 'bob');
    for (const clone of [alice, bob]) {
      git(base, ['clone', '-q', '-b', 'main', 'origin.git', clone]);
      // git config is not cloned: each clone registers the driver (idempotent for the rest).
      const init = await runRelay(bundle, ['init'], { cwd: clone });
      expect(init).toMatchObject({ code: 0, stdout: 'set git config `merge.relay-queue.name`\nset git config `merge.relay-queue.driver`\n' });
      expect(git(clone, ['status', '--porcelain'])).toBe('');
    }
    return { alice, bob, urls };
  }

  async function relay(cwd: string, args: string[], input?: string): Promise<string> {
    const result = await runRelay(bundle, args, { cwd, ...(input === undefined ? {} : { input }) });
    expect(result.code, result.stderr).toBe(0);
    return result.stdout;
  }

  function commit(cwd: string, message: string): void {
    git(cwd, ['add', '-A']);
    git(cwd, ['commit', '-q', '-m', message]);
  }

  function expectCleanQueues(cwd: string): { todo: ReturnType<typeof readQueue>; done: ReturnType<typeof readQueue> } {
    const todo = readQueue(join(cwd, 'urls_todo.md'));
    const done = readQueue(join(cwd, 'urls_done.md'));
    for (const file of ['urls_todo.md', 'urls_done.md']) expect(readFileSync(join(cwd, file), 'utf8')).not.toMatch(/^(<{7}|={7}|>{7})/m);
    expect(todo.problems).toEqual([]);
    expect(done.problems).toEqual([]);
    expect([...countBy(todo.items.map((item) => item.key))].filter(([, n]) => n > 1)).toEqual([]);
    expect([...countBy(done.items.map((item) => item.key))].filter(([, n]) => n > 1)).toEqual([]);
    const doneKeys = new Set(done.items.map((item) => item.key));
    expect(todo.items.filter((item) => doneKeys.has(item.key)).map((item) => item.url)).toEqual([]);
    for (const item of done.items) expect(item.completed).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    return { todo, done };
  }

  it('merge claims, completions and additions from both clones with no conflict and no loss', async () => {
    const { alice, bob, urls } = await setup(300);
    // Alice claims 40 and finishes the first 20; she adds 5 URLs.
    const aliceClaims = (await relay(alice, ['claim', '-n', '40', '--agent', 'alice'])).split('\n').filter(Boolean);
    expect(aliceClaims).toEqual(urls.slice(0, 40));
    await relay(alice, ['done', '--agent', 'alice', '--output', 'review/a.mdx', '-'], aliceClaims.slice(0, 20).join('\n'));
    // Done here without ever being pending, while Bob adds it as new work: done must win.
    await relay(alice, ['done', '--agent', 'alice', 'https://example.com/done-here-new-there']);
    const aliceAdds = makeUrls(5, 'https://example.com/alice-');
    await relay(alice, ['add', ...aliceAdds, 'https://example.com/both-added']);
    commit(alice, 'alice works');
    git(alice, ['push', '-q', 'origin', 'main']);

    // Bob, not yet pulled, claims 10 (the same first URLs Alice took), finishes 30 others,
    // finishes one Alice finished too, and adds his own URLs.
    const bobClaims = (await relay(bob, ['claim', '-n', '10', '--agent', 'bob'])).split('\n').filter(Boolean);
    expect(bobClaims).toEqual(urls.slice(0, 10));
    await relay(bob, ['done', '--agent', 'bob', '-'], [...urls.slice(100, 130), urls[15]!].join('\n'));
    const bobAdds = makeUrls(5, 'https://example.com/bob-');
    await relay(bob, ['add', ...bobAdds, 'https://example.com/both-added', 'https://example.com/done-here-new-there']);
    commit(bob, 'bob works');

    // A real `git pull` (a merge) runs the driver for both queue files.
    git(bob, ['pull', '-q', '--no-rebase', '--no-edit', 'origin', 'main']);
    expect(git(bob, ['status', '--porcelain'])).toBe('');
    expect(git(bob, ['log', '-1', '--format=%p']).trim().split(' ')).toHaveLength(2);
    const { todo, done } = expectCleanQueues(bob);

    const doneUrls = new Set(done.items.map((item) => item.url));
    const expectedDone = new Set([...urls.slice(0, 20), ...urls.slice(100, 130), 'https://example.com/done-here-new-there']);
    expect(doneUrls).toEqual(expectedDone);
    // Every URL is accounted for exactly once across the two files.
    const everything = [...todo.items, ...done.items].map((item) => item.url).sort();
    expect(everything).toEqual([...urls, ...aliceAdds, ...bobAdds, 'https://example.com/both-added', 'https://example.com/done-here-new-there'].sort());
    // Alice's open claims survive; Bob's claims on URLs Alice finished are gone with them.
    const claims = new Map(todo.items.filter((item) => item.claim).map((item) => [item.url, item.claim!.agent]));
    expect(claims).toEqual(new Map(urls.slice(20, 40).map((url) => [url, 'alice'])));
    // Alice's completion of a URL Bob also finished stays on record, once.
    expect(done.items.filter((item) => item.url === urls[15])).toHaveLength(1);

    // The real linter agrees: the merged tree has no errors (the queue rules included).
    const lint = spawnSync(process.execPath, [join(REPO, 'dist/protocol-lint.mjs'), '--format', 'json'], { cwd: bob, encoding: 'utf8' });
    expect(lint.status, lint.stdout + lint.stderr).toBe(0);

    // Alice pulls Bob's merge: a fast-forward, and the same files.
    git(bob, ['push', '-q', 'origin', 'main']);
    git(alice, ['pull', '-q', '--no-rebase', 'origin', 'main']);
    expect(readFileSync(join(alice, 'urls_todo.md'), 'utf8')).toBe(readFileSync(join(bob, 'urls_todo.md'), 'utf8'));
  }, 120_000);

  it('merge through `git pull --rebase` too, and without the driver git would conflict', async () => {
    const { alice, bob, urls } = await setup(50);
    await relay(alice, ['done', '--agent', 'alice', urls[0]!, urls[1]!]);
    await relay(alice, ['claim', '-n', '3', '--agent', 'alice']);
    commit(alice, 'alice');
    git(alice, ['push', '-q', 'origin', 'main']);
    await relay(bob, ['done', '--agent', 'bob', urls[2]!, urls[3]!]);
    await relay(bob, ['add', 'https://example.com/bob-new']);
    commit(bob, 'bob');

    // Without the driver (a plain text merge) the same histories conflict: the test can fail.
    const plain = join(tempDir(), 'plain');
    git(bob, ['clone', '-q', bob, plain]);
    git(plain, ['fetch', '-q', alice, 'main:alice']);
    let conflicted = false;
    try {
      git(plain, ['-c', 'user.name=T', '-c', 'user.email=t@example.com', 'merge', '-q', '--no-edit', 'alice']);
    } catch {
      conflicted = true;
    }
    expect(conflicted).toBe(true);

    git(bob, ['pull', '-q', '--rebase', 'origin', 'main']);
    expect(git(bob, ['status', '--porcelain'])).toBe('');
    const { todo, done } = expectCleanQueues(bob);
    expect(new Set(done.items.map((item) => item.url))).toEqual(new Set(urls.slice(0, 4)));
    // Alice claimed 2, 3 and 4; Bob finished 2 and 3: only her claim on 4 is left.
    expect(todo.items.filter((item) => item.claim).map((item) => item.url)).toEqual([urls[4]]);
    expect(todo.items.map((item) => item.url).sort()).toEqual([...urls.slice(4), 'https://example.com/bob-new'].sort());
  }, 120_000);

  it('exits 1 for binary input so git marks a conflict', async () => {
    const dir = tempDir();
    // git calls the driver in a work tree, with its temporary files there (others are refused).
    git(dir, ['init', '-q']);
    for (const name of ['base', 'ours', 'theirs']) writeFileSync(join(dir, name), name === 'theirs' ? Buffer.from([0x2d, 0x00, 0xff]) : TODO);
    const result = await runRelay(bundle, ['merge-driver', 'base', 'ours', 'theirs', 'urls_todo.md'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('relay merge-driver: Unexpected binary or non-UTF-8 theirs version of `urls_todo.md`, expected queue text; resolve the conflict by hand\n');
    expect(readFileSync(join(dir, 'ours'), 'utf8')).toBe(TODO);
    expect(existsSync(join(dir, '.relay'))).toBe(false);
  });
});
