/**
 * What a session of `relay run` cannot do through relay, whatever its allowlist lets through
 * (PROTOCOL §6 and §10): with RELAY_RUN set, the real relay CLI (bundled from the sources)
 * refuses to start another fleet (with other tools or another binary), to write a CLAUDE.md or
 * hooks anywhere, to push, to serve; a `--root` outside the session's project; the merge driver
 * writes nowhere but git's own files, session or not; and a committed config cannot send claims
 * to a URL or path of its choosing.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRelayBundle, git, runRelay, sharedOrigin, tempDir } from '../helpers/state-relay.js';
import { removeTree } from './helpers.js';

const dirs: string[] = [];
let bundle: string;

beforeAll(async () => {
  bundle = await buildRelayBundle();
}, 60_000);

afterAll(() => {
  for (const dir of dirs.splice(0)) removeTree(dir);
});

function temp(): string {
  const dir = tempDir('relay-confine-');
  dirs.push(dir);
  return dir;
}

/** A project in git with one pending URL, and a folder outside it standing for `~`. */
function project(): { root: string; home: string } {
  const base = temp();
  const root = join(base, 'project');
  const home = join(base, 'home');
  mkdirSync(join(root, 'notes'), { recursive: true });
  mkdirSync(home);
  writeFileSync(join(home, '.bashrc'), 'export PS1=$\n');
  writeFileSync(join(root, 'urls_todo.md'), '# Pending URLs\n\n- https://example.com/a\n');
  writeFileSync(join(root, 'urls_done.md'), '# Completed URLs\n');
  git(root, ['init', '-q']);
  git(root, ['add', '-A']);
  git(root, ['commit', '-q', '-m', 'seed']);
  return { root, home };
}

const SESSION = { RELAY_RUN: '20260319-100000-a1b2c3', RELAY_AGENT: 'writer-a1b2c3-1', RELAY_ROLE: 'writer' };

describe('a session of relay run (RELAY_RUN set)', () => {
  it('cannot start a fleet with other tools or another binary, init, sync, serve or doctor --fix', async () => {
    const { root, home } = project();
    const refused = (what: string) => ({ code: 1, stdout: '', stderr: `relay: Unexpected \`${what}\` in a session of \`relay run\` (RELAY_RUN is set), expected only the commands a session needs; run it outside the fleet\n` });
    expect(await runRelay(bundle, ['run', '--role', 'writer', '--allow', 'Bash(*)'], { cwd: root, env: SESSION })).toMatchObject(refused('relay run'));
    expect(await runRelay(bundle, ['run', '--role', 'writer', '--claude', '/bin/sh'], { cwd: root, env: SESSION })).toMatchObject(refused('relay run'));
    expect(existsSync(join(root, '.git', 'relay', 'runs'))).toBe(false);
    expect(await runRelay(bundle, ['--root', home, 'init'], { cwd: root, env: SESSION })).toMatchObject(refused('relay init'));
    expect(await runRelay(bundle, ['init'], { cwd: root, env: SESSION })).toMatchObject(refused('relay init'));
    expect(readdirSync(home)).toEqual(['.bashrc']);
    expect(existsSync(join(root, 'CLAUDE.md'))).toBe(false);
    expect(await runRelay(bundle, ['sync'], { cwd: root, env: SESSION })).toMatchObject(refused('relay sync'));
    expect(await runRelay(bundle, ['dashboard', '--port', '0'], { cwd: root, env: SESSION })).toMatchObject(refused('relay dashboard'));
    expect(await runRelay(bundle, ['doctor', '--fix'], { cwd: root, env: SESSION })).toMatchObject(refused('relay doctor --fix'));
    // Looking is fine.
    expect((await runRelay(bundle, ['doctor'], { cwd: root, env: SESSION })).stderr).not.toContain('RELAY_RUN');
    // RELAY_RUN empty is no session.
    expect((await runRelay(bundle, ['init'], { cwd: root, env: { ...SESSION, RELAY_RUN: '' } })).code).toBe(0);
  }, 60_000);

  it('cannot point --root outside its project; a folder inside it is fine', async () => {
    const { root, home } = project();
    const outside = await runRelay(bundle, ['claim', '--root', home], { cwd: root, env: SESSION });
    expect(outside).toMatchObject({ code: 1, stderr: `relay: Unexpected \`--root ${home}\` outside the session's project \`${root}\` (RELAY_RUN is set), expected a folder inside it\n` });
    expect(await runRelay(bundle, ['--root', home, 'new', 'findings'], { cwd: root, env: SESSION })).toMatchObject({ code: 1 });
    expect(readdirSync(home)).toEqual(['.bashrc']);
    // A link inside the project that leads out is outside too.
    symlinkSync(home, join(root, 'h'));
    expect((await runRelay(bundle, ['new', 'findings', '--root', 'h'], { cwd: root, env: SESSION })).stderr).toContain('outside the session\'s project');
    expect(readdirSync(home)).toEqual(['.bashrc']);
    expect((await runRelay(bundle, ['status', '--root', 'notes'], { cwd: root, env: SESSION })).stderr).not.toContain('outside the session');
    expect((await runRelay(bundle, ['claim', '--root', root], { cwd: join(root, 'notes'), env: SESSION })).stdout).toBe('https://example.com/a\n');
  }, 60_000);
});

describe('relay merge-driver', () => {
  it('writes only the files git passes it, in the work tree and not its git dir, session or not', async () => {
    const { root, home } = project();
    const queue = '# Pending URLs\n\n- https://example.com/a\n';
    for (const name of ['.merge_file_O', '.merge_file_A', '.merge_file_B']) writeFileSync(join(root, name), queue);
    const bashrc = join(home, '.bashrc');
    for (const env of [{}, SESSION]) {
      for (const args of [['.merge_file_O', bashrc, '.merge_file_B'], [bashrc, '.merge_file_A', '.merge_file_B'], ['.merge_file_O', '.merge_file_A', '../home/.bashrc']]) {
        const result = await runRelay(bundle, ['merge-driver', ...args, 'urls_todo.md'], { cwd: root, env });
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(/^relay merge-driver: Unexpected %[OAB] `[^`]+` outside the work tree, or in its git directory, expected the files git passes a merge driver; refused\n$/);
      }
    }
    // The git dir is in the work tree's folder, but its hooks and config run commands.
    for (const inside of ['.git/hooks/post-checkout', '.git/config']) {
      const before = existsSync(join(root, inside)) ? readFileSync(join(root, inside), 'utf8') : undefined;
      expect((await runRelay(bundle, ['merge-driver', '.merge_file_O', inside, '.merge_file_B', 'urls_todo.md'], { cwd: root, env: SESSION })).code).toBe(1);
      expect(existsSync(join(root, inside)) ? readFileSync(join(root, inside), 'utf8') : undefined).toBe(before);
    }
    // Through a link in the tree, too.
    symlinkSync(bashrc, join(root, 'ours-link'));
    expect((await runRelay(bundle, ['merge-driver', '.merge_file_O', 'ours-link', '.merge_file_B', 'urls_todo.md'], { cwd: root })).code).toBe(1);
    expect(readFileSync(bashrc, 'utf8')).toBe('export PS1=$\n');
    // git's own files merge as before.
    writeFileSync(join(root, '.merge_file_B'), `${queue}- https://example.com/b\n`);
    expect(await runRelay(bundle, ['merge-driver', '.merge_file_O', '.merge_file_A', '.merge_file_B', 'urls_todo.md'], { cwd: root, env: SESSION })).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(join(root, '.merge_file_A'), 'utf8')).toBe(`${queue}- https://example.com/b\n`);
  }, 60_000);
});

describe('a committed config\'s "remote"', () => {
  it('must be a remote `git remote` lists: a URL or a path there is refused, and nothing is pushed to it', async () => {
    const base = temp();
    const { origin, clones } = await sharedOrigin(bundle, base, ['https://example.com/a', 'https://example.com/b'], 1);
    const clone = clones[0]!;
    const elsewhere = join(base, 'elsewhere.git');
    git(base, ['clone', '-q', '--bare', origin, elsewhere]);
    const env = { RELAY_AGENT: 'w-1', RELAY_REMOTE: '' };
    writeFileSync(join(clone, '.protocol-lint.json'), JSON.stringify({ remote: elsewhere }));
    const claimed = await runRelay(bundle, ['claim'], { cwd: clone, env });
    expect(claimed).toMatchObject({ code: 1, stderr: `relay: Unexpected \`"remote": "${elsewhere}"\` in the config, expected the name of a remote \`git remote\` lists (a URL or path only from \`--remote\` or \`RELAY_REMOTE\`); run \`git remote add NAME URL\`\n` });
    expect((await runRelay(bundle, ['status'], { cwd: clone, env })).code).toBe(1);
    expect(git(elsewhere, ['for-each-ref', 'refs/relay/'])).toBe('');
    // --local needs no remote; the command line and the environment may name a path.
    expect((await runRelay(bundle, ['status', '--local'], { cwd: clone, env })).code).toBe(0);
    expect(await runRelay(bundle, ['claim', '--remote', elsewhere], { cwd: clone, env })).toMatchObject({ code: 0, stdout: expect.stringMatching(/^https:\/\/example\.com\/[ab]\n$/) });
    expect(git(elsewhere, ['for-each-ref', '--format=%(refname)', 'refs/relay/claims/'])).not.toBe('');
    // A remote's name is fine.
    writeFileSync(join(clone, '.protocol-lint.json'), JSON.stringify({ remote: 'origin' }));
    expect(await runRelay(bundle, ['claim', '--agent', 'w-2'], { cwd: clone, env })).toMatchObject({ code: 0, stdout: expect.stringMatching(/^https:\/\/example\.com\/[ab]\n$/) });
    expect(git(origin, ['for-each-ref', '--format=%(refname)', 'refs/relay/claims/'])).not.toBe('');
  }, 120_000);
});
