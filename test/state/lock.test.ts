import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendFileAtomic, createFileAtomic, writeFileAtomic } from '../../src/state/atomic.js';
import { lockDirectory, withLock } from '../../src/state/lock.js';
import { git, tempDir } from '../helpers/state-relay.js';

/** The pid of a process that has exited: a holder killed mid-write leaves exactly this. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

/** Where this process's pids mean something, as a lock file records it. */
const HERE = { host: hostname(), pidNamespace: readlinkSync('/proc/self/ns/pid'), bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() };

function writeLock(root: string, pid: number, token = 'other', where: Partial<typeof HERE> = HERE): string {
  const dir = lockDirectory(root);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'queue.lock');
  writeFileSync(path, JSON.stringify({ pid, token, acquiredAt: new Date().toISOString(), ...where }));
  return path;
}

describe('lockDirectory', () => {
  it('is the git common dir, the same from every worktree', () => {
    const repo = tempDir();
    git(repo, ['init', '-q']);
    git(repo, ['commit', '-q', '--allow-empty', '-m', 'init']);
    git(repo, ['worktree', 'add', '-q', join(repo, 'wt2')]);
    const expected = join(execFileSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: repo, encoding: 'utf8' }).trim(), 'relay');
    expect(lockDirectory(repo)).toBe(expected);
    expect(lockDirectory(join(repo, 'wt2'))).toBe(expected);
  });

  it('is <root>/.relay outside git, ignored by a .gitignore of its own', () => {
    const root = tempDir();
    expect(lockDirectory(root)).toBe(join(root, '.relay'));
    expect(withLock(root, 'queue', () => 42)).toEqual({ ok: true, value: 42 });
    expect(readFileSync(join(root, '.relay/.gitignore'), 'utf8')).toBe('*\n');
    expect(readdirSync(join(root, '.relay'))).toEqual(['.gitignore']);
  });
});

describe('withLock', () => {
  it('waits for a live holder and gives up with who holds it', () => {
    const root = tempDir();
    const path = writeLock(root, process.pid);
    const result = withLock(root, 'queue', () => 'ran', { timeoutMs: 150 });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain(`Timed out after 150 ms waiting for the lock \`${path}\` held by pid ${process.pid}`);
    expect(existsSync(path)).toBe(true);
  });

  it('breaks the lock of a dead holder on this host at once', () => {
    const root = tempDir();
    const path = writeLock(root, deadPid());
    expect(withLock(root, 'queue', () => existsSync(path), { timeoutMs: 5_000 })).toEqual({ ok: true, value: true });
    expect(existsSync(path)).toBe(false);
  });

  it('breaks a live holder only after staleMs', () => {
    const root = tempDir();
    const path = writeLock(root, process.pid);
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    expect(withLock(root, 'queue', () => 'ran', { timeoutMs: 100, staleMs: 3_600_000 }).ok).toBe(false);
    expect(withLock(root, 'queue', () => 'ran', { timeoutMs: 5_000, staleMs: 30_000 })).toEqual({ ok: true, value: 'ran' });
  });

  it('judges a lock whose time is in the future by its age since this waiter first saw it', () => {
    const root = tempDir();
    const path = writeLock(root, process.pid);
    const ahead = new Date(Date.now() + 3_600_000);
    utimesSync(path, ahead, ahead);
    // Taken by its own clock as an hour from now: never stale if its age were counted from then.
    expect(withLock(root, 'queue', () => 'ran', { timeoutMs: 30_000, staleMs: 200 })).toEqual({ ok: true, value: 'ran' });
    expect(existsSync(path)).toBe(false);
  });

  it('judges a holder that recorded no PID namespace by age, even when its pid is gone', () => {
    const root = tempDir();
    writeLock(root, deadPid(), 'other', { host: hostname() });
    expect(withLock(root, 'queue', () => 'ran', { timeoutMs: 150 }).ok).toBe(false);
    expect(withLock(root, 'queue', () => 'ran', { timeoutMs: 5_000, staleMs: 1 })).toEqual({ ok: true, value: 'ran' });
  });

  it('treats an unreadable lock file as stale only when it is old', () => {
    const root = tempDir();
    const dir = lockDirectory(root);
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'queue.lock');
    writeFileSync(path, 'garbage');
    expect(withLock(root, 'queue', () => 'ran', { timeoutMs: 100 }).ok).toBe(false);
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    expect(withLock(root, 'queue', () => 'ran', { timeoutMs: 5_000 })).toEqual({ ok: true, value: 'ran' });
  });

  it('releases on throw, and leaves a lock that another process took over', () => {
    const root = tempDir();
    expect(() => withLock(root, 'queue', () => { throw new Error('boom'); })).toThrow('boom');
    expect(existsSync(join(lockDirectory(root), 'queue.lock'))).toBe(false);
    const result = withLock(root, 'queue', () => writeLock(root, process.pid, 'someone-else'));
    expect(result.ok && existsSync(result.value)).toBe(true);
  });

  it('removes temp files that killed lock takers left behind', () => {
    const root = tempDir();
    const dir = lockDirectory(root);
    mkdirSync(dir, { recursive: true });
    const dead = deadPid();
    writeFileSync(join(dir, `queue.lock.${dead}.abcd.tmp`), '{}');
    writeFileSync(join(dir, `queue.lock.${process.pid}.abcd.tmp`), '{}');
    withLock(root, 'queue', () => undefined);
    expect(readdirSync(dir).sort()).toEqual(['.gitignore', `queue.lock.${process.pid}.abcd.tmp`]);
  });
});

describe('a holder that lost its lock', () => {
  it('refuses to replace, create or append to a file, and withLock says so', () => {
    const root = tempDir();
    const file = join(root, 'file.md');
    writeFileSync(file, 'old\n');
    const result = withLock(root, 'queue', () => {
      // Another process broke this holder's lock as stale and took it.
      writeLock(root, process.pid, 'the-new-holder');
      expect(() => createFileAtomic(join(root, 'new.md'), 'x')).toThrow(/^Lost the lock/);
      expect(() => appendFileAtomic(file, 'more\n')).toThrow(/^Lost the lock/);
      writeFileAtomic(file, 'new\n');
      return 'wrote';
    });
    expect(result).toEqual({
      ok: false,
      error: `Lost the lock \`${join(lockDirectory(root), 'queue.lock')}\` before writing \`${file}\`: it was broken as stale while this process was paused or slow and it is now held by pid ${process.pid} on \`${hostname()}\`; \`${file}\` was not written, run the command again`,
    });
    expect(readFileSync(file, 'utf8')).toBe('old\n');
    expect(readdirSync(root).sort()).toEqual(['.relay', 'file.md']);
    // The new holder's lock is left alone, and outside any lock the writer writes.
    expect(JSON.parse(readFileSync(join(lockDirectory(root), 'queue.lock'), 'utf8')).token).toBe('the-new-holder');
    writeFileAtomic(file, 'unlocked\n');
    expect(readFileSync(file, 'utf8')).toBe('unlocked\n');
  });
});

describe('writeFileAtomic and createFileAtomic', () => {
  it('replaces keeping the mode, and creates only when nothing is there', () => {
    const root = tempDir();
    const path = join(root, 'file.md');
    writeFileSync(path, 'old', { mode: 0o600 });
    writeFileAtomic(path, 'new');
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(execFileSync('stat', ['-c', '%a', path], { encoding: 'utf8' }).trim()).toBe('600');
    expect(createFileAtomic(path, 'other')).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(createFileAtomic(join(root, 'fresh.md'), 'x')).toBe(true);
    expect(readdirSync(root).sort()).toEqual(['file.md', 'fresh.md']);
  });
});
