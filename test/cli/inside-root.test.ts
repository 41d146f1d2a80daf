/**
 * PROTOCOL §10, "nothing outside the root": a cloned tree's symbolic links, config layout
 * paths, FIFOs and devices must not make relay or protocol-lint read or write elsewhere, or
 * hang. Each case runs the built CLIs on a real temporary tree with real links.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBin, type Run } from '../helpers/run.js';
import { tempDir } from '../helpers/temp.js';

/** Long enough for a loaded machine; a CLI that blocks on a FIFO or reads /dev/zero never finishes within it. */
const HANG = 30_000;

/** A tree with both queue files, and a folder outside it holding one file. */
function setup(): { root: string; outside: string; secret: string } {
  const root = tempDir('relay-root-');
  const outside = tempDir('relay-outside-');
  writeFileSync(join(root, 'urls_todo.md'), '# Pending URLs\n\n');
  writeFileSync(join(root, 'urls_done.md'), '# Completed URLs\n\n');
  const secret = join(outside, 'bashrc');
  writeFileSync(secret, 'export SECRET=1\n');
  return { root, outside, secret };
}

function relay(root: string, args: string[], env: NodeJS.ProcessEnv = {}): Run {
  return runBin('relay', args, { cwd: root, timeout: HANG, env: { ...process.env, RELAY_AGENT: 'tester', ...env } });
}
function lint(root: string, args: string[] = []): Run {
  return runBin('protocol-lint', args, { cwd: root, timeout: HANG });
}
function oneLine(run: Run): void {
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
}

describe('config layout paths through a symbolic link', () => {
  it('relay add refuses a queue reached through a link out of the root, and lint reports the link', () => {
    const { root, outside, secret } = setup();
    symlinkSync(outside, join(root, 'h'));
    writeFileSync(join(root, '.protocol-lint.json'), JSON.stringify({ layout: { todo: 'h/bashrc' } }));
    const add = relay(root, ['add', 'https://example.com/a']);
    expect(add.status).toBe(1);
    oneLine(add);
    expect(add.stderr).toMatch(/`h\/bashrc` leaving the root through a symbolic link .*`layout\.todo`/);
    expect(readFileSync(secret, 'utf8')).toBe('export SECRET=1\n');
    const linted = lint(root, ['-f', 'json']);
    expect(linted.status).toBe(1);
    const results = JSON.parse(linted.stdout) as { filePath: string; messages: { ruleId: string }[] }[];
    expect(results.find((result) => result.filePath === 'h')?.messages.map((message) => message.ruleId)).toEqual(['file-unreadable']);
  });

  it.each([['absolute', '/tmp/elsewhere.md'], ['climbing', '../elsewhere.md']])('an %s layout path is a config error for both', (_kind, path) => {
    const { root } = setup();
    writeFileSync(join(root, '.protocol-lint.json'), JSON.stringify({ layout: { todo: path } }));
    const add = relay(root, ['add', 'https://example.com/a']);
    expect(add.status).toBe(2);
    expect(add.stderr).toContain('`layout.todo`');
    expect(lint(root).status).toBe(2);
  });
});

describe('folders that are links out of the root', () => {
  it('relay postmortem new refuses postmortems/ -> outside and writes nothing there', () => {
    const { root, outside } = setup();
    symlinkSync(outside, join(root, 'postmortems'));
    const run = relay(root, ['postmortem', 'new', 'A lesson']);
    expect(run.status).toBe(1);
    oneLine(run);
    expect(run.stderr).toContain('`postmortems`');
    expect(readdirSync(outside)).toEqual(['bashrc']);
  });

  it.each(['plan', 'review', 'sessions'])('every command refuses %s/ -> outside', (folder) => {
    const { root, outside } = setup();
    symlinkSync(outside, join(root, folder));
    const run = relay(root, ['status']);
    expect(run.status).toBe(1);
    oneLine(run);
    expect(run.stderr).toContain(`\`layout.${folder}\``);
    expect(readdirSync(outside)).toEqual(['bashrc']);
  });

  it('doctor, dashboard and status name every layout folder that leaves the root, one line each, in one run', () => {
    const { root, outside } = setup();
    const folders = ['plan', 'review', 'postmortems'];
    for (const folder of folders) symlinkSync(outside, join(root, folder));
    for (const args of [['doctor'], ['dashboard', '--port', '0'], ['status']]) {
      const run = relay(root, args);
      expect(run.status, args[0]).toBe(1);
      const lines = run.stderr.trim().split('\n');
      expect(lines.map((line) => /`layout\.(\w+)`\)$/.exec(line)?.[1]), args[0]).toEqual(folders);
      for (const line of lines) expect(line).toMatch(/^relay: Unexpected path `\w+` leaving the root through a symbolic link/);
    }
  });

  it('the lock folder .relay -> outside (no git) is refused', () => {
    const { root, outside } = setup();
    symlinkSync(outside, join(root, '.relay'));
    const run = relay(root, ['add', 'https://example.com/a']);
    expect(run.status).toBe(1);
    oneLine(run);
    expect(run.stderr).toContain('`.relay`');
    expect(readdirSync(outside)).toEqual(['bashrc']);
    expect(readFileSync(join(root, 'urls_todo.md'), 'utf8')).toBe('# Pending URLs\n\n');
  });

  it('a folder link inside the root is followed by both: relay writes through it and lint lints it', () => {
    const { root } = setup();
    mkdirSync(join(root, 'docs', 'lessons'), { recursive: true });
    symlinkSync(join(root, 'docs', 'lessons'), join(root, 'postmortems'));
    const run = relay(root, ['postmortem', 'new', 'A lesson', '--date', '2026-01-02']);
    expect(run.status).toBe(0);
    expect(readdirSync(join(root, 'docs', 'lessons'))).toEqual(['2026-01-02-a-lesson.md']);
    mkdirSync(join(root, 'real-plan'));
    writeFileSync(join(root, 'real-plan', 'task-001.md'), '# no front matter\n');
    symlinkSync(join(root, 'real-plan'), join(root, 'plan'));
    const linted = JSON.parse(lint(root, ['-f', 'json']).stdout) as { filePath: string }[];
    expect(linted.map((result) => result.filePath)).toContain('plan/task-001.md');
    expect(linted.map((result) => result.filePath)).toContain('postmortems/2026-01-02-a-lesson.md');
  });

  it('lint reports a folder link out of the root on the link, and does not walk it', () => {
    const { root, outside } = setup();
    mkdirSync(join(root, 'plan'));
    writeFileSync(join(outside, 'task-001.md'), '# outside\n');
    symlinkSync(outside, join(root, 'plan', 'elsewhere'));
    const results = JSON.parse(lint(root, ['-f', 'json']).stdout) as { filePath: string; messages: { ruleId: string; message: string }[] }[];
    expect(results.some((result) => result.filePath.startsWith('plan/elsewhere/'))).toBe(false);
    expect(results.find((result) => result.filePath === 'plan/elsewhere')?.messages.map((message) => message.ruleId)).toContain('file-unreadable');
  });
});

describe('relay init and key files that are links', () => {
  it.each(['CLAUDE.md', '.gitattributes'])('refuses %s linked to a file outside, keeps the link and reads nothing', (name) => {
    const { root, secret } = setup();
    symlinkSync(secret, join(root, name));
    const run = relay(root, ['init']);
    expect(run.status).toBe(1);
    oneLine(run);
    expect(run.stderr).toContain(`\`${name}\``);
    expect(lstatSync(join(root, name)).isSymbolicLink()).toBe(true);
    expect(readFileSync(secret, 'utf8')).toBe('export SECRET=1\n');
    expect(existsSync(join(root, 'plan'))).toBe(false);
  });

  it('refuses CLAUDE.md linked to a file inside the root too: a key file must be a regular file', () => {
    const { root } = setup();
    writeFileSync(join(root, 'notes.md'), '# Notes\n');
    symlinkSync(join(root, 'notes.md'), join(root, 'CLAUDE.md'));
    const run = relay(root, ['init']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/Unexpected symbolic link at `CLAUDE\.md`, expected a regular file/);
    expect(readFileSync(join(root, 'notes.md'), 'utf8')).toBe('# Notes\n');
  });
});

describe('non-regular queue files are refused at once', () => {
  const kinds = {
    FIFO: (path: string) => spawnSync('mkfifo', [path]),
    '/dev/zero link': (path: string) => symlinkSync('/dev/zero', path),
  };
  const commands = [['brief'], ['status'], ['claim'], ['add', 'https://example.com/b'], ['done', 'https://example.com/b'], ['release', 'https://example.com/b']];
  for (const [kind, make] of Object.entries(kinds)) {
    it.each(commands.map((args) => [args.join(' '), args]))(`relay %s with urls_todo.md as a ${kind}`, (_name, args) => {
      const { root } = setup();
      rmSync(join(root, 'urls_todo.md'));
      make(join(root, 'urls_todo.md'));
      const run = relay(root, args as string[]);
      expect(run.status).toBe(1);
      oneLine(run);
      expect(run.stderr).toContain('`urls_todo.md`');
    });

    it(`protocol-lint, full and with the path, with urls_todo.md as a ${kind}`, () => {
      const { root } = setup();
      rmSync(join(root, 'urls_todo.md'));
      make(join(root, 'urls_todo.md'));
      for (const args of [[], ['urls_todo.md']]) {
        const run = lint(root, ['-f', 'json', ...args]);
        expect(run.status).toBe(1);
        const results = JSON.parse(run.stdout) as { filePath: string; messages: { ruleId: string }[] }[];
        expect(results.find((result) => result.filePath === 'urls_todo.md')?.messages.map((message) => message.ruleId)).toEqual(['file-unreadable']);
      }
    });
  }

  it('a FIFO as the config file is a config error, not a hang', () => {
    const { root } = setup();
    spawnSync('mkfifo', [join(root, '.protocol-lint.json')]);
    expect(relay(root, ['status']).status).toBe(2);
    expect(lint(root).status).toBe(2);
  });
});

describe('--root and --output', () => {
  it('--root that does not exist is a usage error for both, and creates nothing', () => {
    const { root } = setup();
    const missing = join(root, 'no', 'such');
    const run = relay(root, ['--root', missing, 'add', 'https://example.com/a']);
    expect(run.status).toBe(2);
    oneLine(run);
    const linted = lint(root, ['--root', missing]);
    expect(linted.status).toBe(2);
    oneLine(linted);
    expect(existsSync(join(root, 'no'))).toBe(false);
  });

  it.each([['absolute', '/etc/passwd'], ['climbing', '../out.md'], ['through a link', 'h/out.md']])('relay done --output %s outside the root is refused', (_kind, output) => {
    const { root, outside } = setup();
    symlinkSync(outside, join(root, 'h'));
    relay(root, ['add', 'https://example.com/a']);
    const run = relay(root, ['done', 'https://example.com/a', '--output', output], { RELAY_DEBUG: 'path' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/relay: Unexpected `--output .*` outside the root/);
    // RELAY_DEBUG=path says why.
    expect(run.stderr).toMatch(/path.*refused/);
    expect(readFileSync(join(root, 'urls_done.md'), 'utf8')).toBe('# Completed URLs\n\n');
  });

  it('relay done --output inside the root is recorded', () => {
    const { root } = setup();
    relay(root, ['add', 'https://example.com/a']);
    expect(relay(root, ['done', 'https://example.com/a', '--output', 'out/a.md']).status).toBe(0);
    expect(readFileSync(join(root, 'urls_done.md'), 'utf8')).toContain('output out/a.md');
  });
});
