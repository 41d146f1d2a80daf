/**
 * Ordinary faults are one line, not a crash (issue 10, PROTOCOL §10): a full disk, a closed
 * pipe, read-only files, trees and file systems, lock folders and queue files this user may
 * not use. Real faults: a small tmpfs filled to the last page, a reader that closes, chmod and
 * a read-only remount, and an unprivileged user (uid 65534) where root would write anyway.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { paletteFor } from '../../src/report/stylish.js';
import { runBin } from '../helpers/run.js';
import { buildRelayBundle, makeUrls, runRelay, tempDir } from '../helpers/state-relay.js';

let bundle: string;
beforeAll(async () => {
  bundle = await buildRelayBundle();
});

const isRoot = process.getuid?.() === 0;

/** A fresh 256 KiB tmpfs, unmounted and removed when the test is done, or undefined (with the reason on stderr) where mounting is not permitted. */
function smallDisk(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'relay-disk-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dir], { encoding: 'utf8' });
  onTestFinished(() => {
    if (mounted.status === 0) spawnSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  if (mounted.status !== 0) {
    process.stderr.write(`skipped: cannot mount a tmpfs here (${mounted.stderr.trim()})\n`);
    return undefined;
  }
  chmodSync(dir, 0o777);
  return dir;
}

/** Fills the disk holding `dir` to the last byte. */
function fill(dir: string): void {
  const page = Buffer.alloc(4096);
  for (let index = 0; ; index++) {
    try {
      writeFileSync(join(dir, `filler-${index}`), page);
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
      return;
    }
  }
}

/** Runs the relay bundle as uid 65534 (from a copy it can read), or as this user when not root. */
function relayAsNobody(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const copy = tempDir();
  chmodSync(copy, 0o755);
  copyFileSync(bundle, join(copy, 'relay.mjs'));
  const run = spawnSync(process.execPath, [join(copy, 'relay.mjs'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, RELAY_AGENT: '' }, ...(isRoot ? { uid: 65534, gid: 65534 } : {}) });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

async function seeded(root: string, count: number): Promise<void> {
  expect((await runRelay(bundle, ['init'], { cwd: root })).code).toBe(0);
  expect((await runRelay(bundle, ['add', '-'], { cwd: root, input: makeUrls(count).join('\n') })).code).toBe(0);
}

const read = (root: string, name: string): string => readFileSync(join(root, name), 'utf8');

describe('a full disk', () => {
  it('relay done: both queues stay as they were, one line, exit 1', async () => {
    const disk = smallDisk();
    if (!disk) return;
    await seeded(disk, 400);
    const [url] = makeUrls(1);
    // Room for the new urls_done.md but not for the new urls_todo.md: the old order wrote done, then failed.
    writeFileSync(join(disk, 'spacer'), Buffer.alloc(8192));
    fill(disk);
    rmSync(join(disk, 'spacer'));
    const before = { todo: read(disk, 'urls_todo.md'), done: read(disk, 'urls_done.md') };
    const result = await runRelay(bundle, ['done', url!], { cwd: disk });
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: `relay done: no space left on device: \`${join(disk, 'urls_todo.md')}\`\n` });
    expect({ todo: read(disk, 'urls_todo.md'), done: read(disk, 'urls_done.md') }).toEqual(before);
  });

  it('claim, add, release and protocol-lint --fix: one line, exit 1, nothing changed', async () => {
    const disk = smallDisk();
    if (!disk) return;
    await seeded(disk, 400);
    const urls = makeUrls(400);
    expect((await runRelay(bundle, ['claim', '--agent', 'a'], { cwd: disk })).code).toBe(0);
    // An overlap --fix would remove: the last URL is done too.
    writeFileSync(join(disk, 'urls_done.md'), `# Completed URLs\n\n- ${urls[399]} (completed 2026-03-19, by a)\n`);
    fill(disk);
    const before = { todo: read(disk, 'urls_todo.md'), done: read(disk, 'urls_done.md') };
    for (const args of [['claim'], ['add', 'https://example.com/new/1'], ['release', '--agent', 'a', urls[0]!]]) {
      const result = await runRelay(bundle, args, { cwd: disk });
      // The lock file or a queue file's replacement, whichever finds the disk full first.
      expect(result, args.join(' ')).toMatchObject({ code: 1, stdout: '' });
      expect(result.stderr).toMatch(new RegExp(`^relay ${args[0]}: no space left on device(: \`[^\`\n]+\`)?\n$`));
    }
    const lint = runBin('protocol-lint', ['--fix', disk], { cwd: disk });
    expect(lint.status).toBe(1);
    expect(lint.stderr).toMatch(/^protocol-lint: no space left on device(: `[^`\n]+`)?\n$/);
    expect({ todo: read(disk, 'urls_todo.md'), done: read(disk, 'urls_done.md') }).toEqual(before);
  });
});

describe('a full disk under the lock', () => {
  it('relay new and relay claim leave no temporary lock file behind: one line, exit 1', async () => {
    const disk = smallDisk();
    if (!disk) return;
    await seeded(disk, 10);
    fill(disk);
    // The lock's content goes to a temporary file first: creating it works, writing to it does not.
    for (const args of [['new', 'task'], ['claim']]) {
      const result = await runRelay(bundle, args, { cwd: disk });
      expect(result, args.join(' ')).toMatchObject({ code: 1, stdout: '', stderr: `relay ${args[0]}: no space left on device: \`${join(disk, '.relay')}\`\n` });
    }
    expect(readdirSync(join(disk, '.relay'))).toEqual(['.gitignore']);
  });
});

describe('a closed pipe', () => {
  // Long URLs, so 2000 lines outgrow a pipe's buffer (64 KiB) many times over.
  const prefix = 'https://example.com/a-long-path-so-that-two-thousand-lines-outgrow-the-buffer-of-a-pipe/article-';
  const lineLength = `${prefix}1000\n`.length;

  /** Runs `relay claim -n 2000` into a reader that reads 64 bytes and exits; returns what it read. */
  function claimIntoClosingReader(root: string, extra: string[]): { code: number | null; stderr: string; got: string } {
    const reader = "const b=Buffer.alloc(64);const n=require('fs').readSync(0,b);process.stdout.write(b.subarray(0,n))";
    const script = `set -o pipefail; "$0" "$1" claim -n 2000 --agent reader ${extra.join(' ')} | "$0" -e "$2"`;
    const run = spawnSync('bash', ['-c', script, process.execPath, bundle, reader], { cwd: root, encoding: 'utf8' });
    return { code: run.status, stderr: run.stderr, got: run.stdout };
  }

  it('releases the claims it could not deliver and exits quietly', async () => {
    const root = tempDir();
    expect((await runRelay(bundle, ['init'], { cwd: root })).code).toBe(0);
    expect((await runRelay(bundle, ['add', '-'], { cwd: root, input: makeUrls(2000, prefix).join('\n') })).code).toBe(0);
    const { code, stderr, got } = claimIntoClosingReader(root, []);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const delivered = got.split('\n').length - 1;
    const held = (read(root, 'urls_todo.md').match(/claimed by reader/g) ?? []).length;
    // Every line the reader got is still claimed; past it, at most what sat in the pipe's buffer when the reader left.
    expect(delivered).toBe(Math.floor(64 / lineLength));
    expect(held).toBeGreaterThanOrEqual(Math.max(delivered, 1));
    expect(held).toBeLessThanOrEqual(delivered + Math.ceil((1 << 16) / lineLength) + 1);
  });

  it('--json: a cut array delivers nothing, so every claim is released', async () => {
    const root = tempDir();
    expect((await runRelay(bundle, ['init'], { cwd: root })).code).toBe(0);
    expect((await runRelay(bundle, ['add', '-'], { cwd: root, input: makeUrls(2000, prefix).join('\n') })).code).toBe(0);
    const { code, stderr, got } = claimIntoClosingReader(root, ['--json']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(got).toMatch(/^\[\{"url":/);
    expect(read(root, 'urls_todo.md')).not.toContain('claimed by');
  });
});

describe('read-only files, trees and file systems', () => {
  it('refuses to replace a read-only queue file, and keeps a writable one’s mode', async () => {
    const root = tempDir();
    await seeded(root, 3);
    const urls = makeUrls(3);
    await runRelay(bundle, ['claim', '--agent', 'a'], { cwd: root });
    writeFileSync(join(root, 'urls_done.md'), `# Completed URLs\n\n- ${urls[2]} (completed 2026-03-19, by a)\n`);
    chmodSync(join(root, 'urls_todo.md'), 0o444);
    const before = read(root, 'urls_todo.md');
    const line = 'is read-only (mode 0444), expected a writable file; run `chmod u+w urls_todo.md` if it should change\n';
    for (const args of [['claim'], ['add', 'https://example.com/new/1'], ['done', urls[1]!], ['release', '--agent', 'a', urls[0]!]]) {
      expect(await runRelay(bundle, args, { cwd: root }), args.join(' ')).toMatchObject({ code: 1, stdout: '', stderr: `relay ${args[0]}: \`urls_todo.md\` ${line}` });
    }
    expect(read(root, 'urls_todo.md')).toBe(before);
    expect(read(root, 'urls_done.md')).not.toContain(urls[1]);
    const lint = runBin('protocol-lint', ['--fix', '.'], { cwd: root });
    expect({ status: lint.status, stderr: lint.stderr }).toEqual({ status: 1, stderr: `protocol-lint: \`urls_todo.md\` ${line}` });
    expect(read(root, 'urls_todo.md')).toBe(before);
    // A writable file keeps its exact mode (not the umask's) when replaced.
    chmodSync(join(root, 'urls_todo.md'), 0o660);
    expect((await runRelay(bundle, ['claim'], { cwd: root })).code).toBe(0);
    expect(statSync(join(root, 'urls_todo.md')).mode & 0o777).toBe(0o660);
  });

  it('a read-only tree, a lock folder and queue files this user may not use: one line, exit 1', async () => {
    if (!isRoot) return;
    const root = tempDir();
    await seeded(root, 3);
    // A read-only tree (0555): the lock folder cannot be made.
    rmSync(join(root, '.relay'), { recursive: true, force: true });
    chmodSync(root, 0o555);
    expect(relayAsNobody(['claim'], root)).toEqual({ code: 1, stdout: '', stderr: `relay claim: permission denied: \`${join(root, '.relay')}\`\n` });
    // The files are root's 0644: writable for their owner, not for this user.
    chmodSync(root, 0o755);
    mkdirSync(join(root, '.relay'));
    chmodSync(join(root, '.relay'), 0o777);
    expect(relayAsNobody(['add', 'https://example.com/new/1'], root)).toEqual({
      code: 1,
      stdout: '',
      stderr: 'relay add: `urls_todo.md` is read-only (mode 0644), expected a writable file; run `chmod u+w urls_todo.md` if it should change\n',
    });
    chmodSync(join(root, 'urls_todo.md'), 0o600);
    expect(relayAsNobody(['claim'], root)).toEqual({ code: 1, stdout: '', stderr: 'relay claim: permission denied: `urls_todo.md`\n' });
    expect(relayAsNobody(['status'], root)).toEqual({ code: 1, stdout: '', stderr: 'relay status: permission denied: `urls_todo.md`\n' });
  });

  it('a read-only file system: one line, exit 1, for relay and protocol-lint --fix', async () => {
    const disk = smallDisk();
    if (!disk) return;
    await seeded(disk, 3);
    const urls = makeUrls(3);
    writeFileSync(join(disk, 'urls_done.md'), `# Completed URLs\n\n- ${urls[2]} (completed 2026-03-19, by a)\n`);
    mkdirSync(join(disk, '.relay'), { recursive: true });
    expect(spawnSync('mount', ['-o', 'remount,ro', disk]).status).toBe(0);
    const claimed = await runRelay(bundle, ['claim'], { cwd: disk });
    expect(claimed.code).toBe(1);
    expect(claimed.stderr).toMatch(/^relay claim: read-only file system: `[^`\n]+`\n$/);
    const lint = runBin('protocol-lint', ['--fix', '.'], { cwd: disk });
    expect(lint.status).toBe(1);
    expect(lint.stderr).toMatch(/^protocol-lint: read-only file system: `[^`\n]+`\n$/);
  });
});

describe('the default agent id', () => {
  it('is the same for every command of a shell: $USER@host, else uid-N@host', async () => {
    const root = tempDir();
    await seeded(root, 2);
    const shell = { USER: 'alice', RELAY_AGENT: '', CLAUDE_SESSION_ID: '', CLAUDE_CODE_SESSION_ID: '' };
    const url = (await runRelay(bundle, ['claim'], { cwd: root, env: shell })).stdout.trim();
    expect(read(root, 'urls_todo.md')).toMatch(/claimed by alice@[^\s,;()]+ at /);
    expect(await runRelay(bundle, ['release', url], { cwd: root, env: shell })).toMatchObject({ code: 0 });
    expect(read(root, 'urls_todo.md')).not.toContain('claimed by');
    await runRelay(bundle, ['claim'], { cwd: root, env: { ...shell, USER: '' } });
    expect(read(root, 'urls_todo.md')).toContain(`claimed by uid-${process.getuid?.()}@`);
    await runRelay(bundle, ['claim'], { cwd: root, env: { ...shell, CLAUDE_SESSION_ID: 'session-1', RELAY_AGENT: '' } });
    expect(read(root, 'urls_todo.md')).toContain('claimed by session-1 at');
  });
});

describe('smaller ones', () => {
  it('relay status advises --fix only for what --fix can fix, and counts in the singular', async () => {
    const root = tempDir();
    writeFileSync(join(root, 'urls_todo.md'), '# Pending URLs\n\n- https://example.com/a\n- https://example.com/b\n- https://example.com/b\n- not a url\n');
    writeFileSync(join(root, 'urls_done.md'), '# Completed URLs\n\n- https://example.com/a (completed 2026-03-19, by x)\n');
    const all = await runRelay(bundle, ['status'], { cwd: root });
    expect(all.stdout).toContain('problems 1 URL in both queues (done wins), 1 duplicate line; run `protocol-lint --fix`\n         1 line that is not a queue item; `protocol-lint` shows where, fix by hand\n');
    writeFileSync(join(root, 'urls_todo.md'), '# Pending URLs\n\n- https://example.com/c\n- not a url\n- nor this\n');
    const syntax = await runRelay(bundle, ['status'], { cwd: root });
    expect(syntax.stdout).toContain('problems 2 lines that are not queue items; `protocol-lint` shows where, fix by hand\n');
    expect(syntax.stdout).not.toContain('--fix');
  });

  it('relay status says it cannot read a file that is not UTF-8, not that it would rewrite it', async () => {
    const root = tempDir();
    writeFileSync(join(root, 'urls_todo.md'), Buffer.from('# Pending URLs\n\n- https://example.com/\xff\n', 'latin1'));
    expect(await runRelay(bundle, ['status'], { cwd: root })).toMatchObject({
      code: 1,
      stderr: "relay: Unexpected bytes in `urls_todo.md`, expected UTF-8 text; relay cannot read it until the file's encoding is fixed\n",
    });
  });

  it('relay add refuses a URL that differs from a pending or done one only by a trailing slash', async () => {
    const root = tempDir();
    await runRelay(bundle, ['init'], { cwd: root });
    await runRelay(bundle, ['add', 'https://example.com/a', 'https://example.com/d/'], { cwd: root });
    await runRelay(bundle, ['done', 'https://example.com/d/'], { cwd: root });
    const before = read(root, 'urls_todo.md');
    const result = await runRelay(bundle, ['add', 'https://example.com/a/', 'https://example.com/d'], { cwd: root });
    const twin = 'the two differ only by a trailing slash, which lint reports as one URL listed twice';
    expect(result).toEqual(expect.objectContaining({
      code: 1,
      stdout: '',
      stderr:
        `relay add: rejected \`https://example.com/a/\`: likely a duplicate of \`https://example.com/a\` (pending in \`urls_todo.md\`), ${twin}\n` +
        `relay add: rejected \`https://example.com/d\`: likely a duplicate of \`https://example.com/d/\` (done in \`urls_done.md\`), ${twin}\n`,
    }));
    expect(read(root, 'urls_todo.md')).toBe(before);
    expect(runBin('protocol-lint', ['.'], { cwd: root }).status).toBe(0);
  });

  it('relay init run twice prints what the docs say: nothing on stdout, one note on stderr', async () => {
    const root = tempDir();
    await runRelay(bundle, ['init'], { cwd: root });
    const note = `relay: \`${root}\` is already set up; nothing to change\n`;
    expect(await runRelay(bundle, ['init'], { cwd: root })).toMatchObject({ code: 0, stdout: '', stderr: note });
    const docs = readFileSync(join(import.meta.dirname, '../../docs/relay-cli.md'), 'utf8');
    expect(docs).toContain('Running it again changes nothing, prints nothing on\nstdout, writes one note on stderr (`relay: `DIR` is already set up; nothing to change`) and exits 0.');
  });

  it('protocol-lint colours for FORCE_COLOR, not for FORCE_COLOR=0, and an empty NO_COLOR is no NO_COLOR', () => {
    const root = tempDir();
    writeFileSync(join(root, 'urls_todo.md'), '# Pending URLs\n\n- https://example.com/a\n- https://example.com/a\n');
    const lint = (env: Record<string, string>): string => runBin('protocol-lint', ['.'], { cwd: root, env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', ...env } }).stdout;
    expect(lint({})).not.toContain('\u001b[');
    for (const force of ['1', '2', '3', 'true']) expect(lint({ FORCE_COLOR: force }), force).toContain('\u001b[31m');
    expect(lint({ FORCE_COLOR: '0' })).not.toContain('\u001b[');
    expect(lint({ FORCE_COLOR: 'false' })).not.toContain('\u001b[');
    // On a terminal: colour unless NO_COLOR holds something.
    expect(paletteFor({ isTTY: true }, { NO_COLOR: '' }).red('x')).toBe('\u001b[31mx\u001b[39m');
    expect(paletteFor({ isTTY: true }, { NO_COLOR: '1' }).red('x')).toBe('x');
    expect(paletteFor({ isTTY: true }, { NO_COLOR: '1', FORCE_COLOR: '0' }).red('x')).toBe('x');
  });
});
