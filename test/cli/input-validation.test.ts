/**
 * Input from a cloned repository or a command line that could reach a shell or a terminal:
 * queue URLs with control characters or shell syntax, postmortem fields that are not one
 * line, an impossible `--now`. Run through the built CLIs, as agents and people run them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeUrl } from '../../src/protocol/url.js';
import { REPO, runBin } from '../helpers/run.js';
import { writeTree } from '../helpers/tree.js';

function tree(files: Record<string, string | Buffer> = {}): string {
  return writeTree({
    '.protocol-lint.json': '{}\n',
    'CLAUDE.md': '# P\n\n## Session Protocol\n\nRead the state.\n',
    'urls_todo.md': '# Pending URLs\n',
    'urls_done.md': '# Completed URLs\n',
    ...files,
  });
}

/** URLs a shell would run or split, with the percent-encoding each refusal must name. */
const SHELL_URLS: [string, string][] = [
  ['https://example.com/$(touch${IFS}x)', '%24%28'],
  ['https://example.com/a`id`', '%60'],
  ["https://example.com/it's", '%27'],
  ['https://example.com/a b', '%20'],
  ['https://example.com/?q=$(id)', '%24%28'],
  ['https://example.com/a\u00a0b', '%C2%A0'],
];

/** URLs with control characters: C0, DEL, C1. */
const CONTROL_URLS: [string, string][] = [
  ['https://example.com/a\u0001b', 'U+0001'],
  ['https://example.com/a\u001b[2Jb', 'U+001B'],
  ['https://example.com/a\u007fb', 'U+007F'],
  ['https://example.com/a\u0085b', 'U+0085'],
  ['https://example.com/a?q=\u009b', 'U+009B'],
];

describe('queue URLs', () => {
  it.each(SHELL_URLS)('relay add refuses %j in one line that names it and says how to percent-encode it', (url, encoded) => {
    const root = tree();
    const run = runBin('relay', ['--root', root, 'add', url, 'https://example.com/fine']);
    expect(run.status).toBe(1);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`relay add: rejected \`${url}\``);
    expect(lines[0]).toContain(`percent-encode it as \`${encoded}\``);
    expect(run.stdout).toBe('https://example.com/fine\n');
    expect(readFileSync(join(root, 'urls_todo.md'), 'utf8')).toBe('# Pending URLs\n- https://example.com/fine\n');
  });

  it.each(CONTROL_URLS)('relay add refuses a control character in %j', (url, name) => {
    const root = tree();
    const run = runBin('relay', ['--root', root, 'add', url]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`the control character ${name}`);
    expect(readFileSync(join(root, 'urls_todo.md'), 'utf8')).toBe('# Pending URLs\n');
  });

  it('relay add - refuses a NUL byte read from stdin', () => {
    const root = tree();
    const run = runBin('relay', ['--root', root, 'add', '-'], { input: 'https://example.com/a\u0000b\nhttps://example.com/c\n' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('the control character U+0000; percent-encode it as `%00`');
    expect(readFileSync(join(root, 'urls_todo.md'), 'utf8')).toBe('# Pending URLs\n- https://example.com/c\n');
  });

  it('relay done and release refuse them too, and claim never hands out such a line', () => {
    const url = 'https://example.com/$(touch${IFS}x)';
    const root = tree({ 'urls_todo.md': `# Pending URLs\n- ${url}\n- https://example.com/ok\n` });
    for (const command of ['done', 'release']) {
      const run = runBin('relay', ['--root', root, command, url]);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`relay ${command}: rejected \`${url}\`: it holds \`$(\``);
    }
    expect(readFileSync(join(root, 'urls_done.md'), 'utf8')).toBe('# Completed URLs\n');
    const claim = runBin('relay', ['--root', root, 'claim', '-n', '5', '--agent', 'w-1']);
    expect(claim.stdout).toBe('https://example.com/ok\n');
  });

  it('protocol-lint reports each of them with queue-item-syntax, control characters escaped', () => {
    const urls = [...SHELL_URLS, ...CONTROL_URLS].map(([url]) => url).filter((url) => !/[ \u00a0]/.test(url));
    const root = tree({ 'urls_todo.md': `# Pending URLs\n${urls.map((url) => `- ${url}\n`).join('')}` });
    const run = runBin('protocol-lint', ['--format', 'json', root]);
    expect(run.status).toBe(1);
    const messages = (JSON.parse(run.stdout) as { messages: { ruleId: string; line: number; message: string }[] }[]).flatMap((result) => result.messages);
    expect(messages.map((message) => `${message.line} ${message.ruleId}`)).toEqual(urls.map((_, index) => `${index + 2} queue-item-syntax`));
    for (const message of messages) {
      expect(message.message).toMatch(/is not a queue URL: it holds .*; percent-encode it as `[%0-9A-F]+`$/);
      expect(message.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    }
    expect(messages[urls.indexOf('https://example.com/a\u001b[2Jb')]!.message).toContain('`https://example.com/a\\u001B[2Jb`');
  });

  it('keeps a `$` that does not open `$(`, on the fast path and the slow one', () => {
    expect(normalizeUrl('https://example.com/odata?$filter=a')).toMatchObject({ ok: true });
    expect(normalizeUrl('https://example.com/$ref')).toMatchObject({ ok: true });
    // Already normal (the fast path) and not (upper-case host): both refuse `$(`.
    expect(normalizeUrl('https://example.com/a$(b)')).toMatchObject({ ok: false });
    expect(normalizeUrl('https://EXAMPLE.com/a$(b)')).toMatchObject({ ok: false });
  });
});

it('gives every spelling of a URL the key the URL parser gives, on the fast path and the slow one', () => {
  // A query right after the host: the parser adds the path's slash (the fast path once gave `http://x.com?q/`).
  for (const url of ['http://x.com?q', 'HTTP://x.com?q', 'http://x.com/?q', 'http://X.com:80/?q#f']) expect(normalizeUrl(url)).toEqual({ ok: true, key: 'http://x.com/?q', slashKey: 'http://x.com/?q' });
  for (const url of ['https://example.com', 'https://Example.com/', 'https://example.com:443']) expect(normalizeUrl(url)).toMatchObject({ ok: true, key: 'https://example.com/' });
});

describe('suggested commands', () => {
  /** `relay done|release|add|handoff` followed by anything but a single-quoted URL, `-` (stdin or an option), or `*` (a tool pattern). */
  const UNQUOTED = /relay (?:done|release|add|handoff) (?!'|-|\*)[^\n`]*/g;

  it('plugin/commands/*.md and plugin/agents/*.md single-quote every URL they put in a relay command', () => {
    const found: string[] = [];
    for (const folder of ['commands', 'agents']) {
      for (const name of readdirSync(join(REPO, 'plugin', folder))) {
        const text = readFileSync(join(REPO, 'plugin', folder, name), 'utf8');
        for (const match of text.matchAll(UNQUOTED)) found.push(`plugin/${folder}/${name}: ${match[0]}`);
        for (const match of text.matchAll(/relay (?:done|release|add|handoff) '[^']*'/g)) expect(match[0]).toMatch(/'<URL>'/);
      }
    }
    expect(found).toEqual([]);
  });

  it('the postmortem command single-quotes the title', () => {
    const text = readFileSync(join(REPO, 'plugin', 'commands', 'postmortem.md'), 'utf8');
    expect(text).toContain("relay postmortem new '<Title In Title Case>'");
    expect(text).not.toMatch(/relay postmortem new "/);
  });
});

describe('relay postmortem new', () => {
  it.each([
    ['a line break', ['--session', 'abc\ndef'], 'Unexpected line break in the session id'],
    ['a carriage return', ['--session', 'abc\rdef'], 'Unexpected line break in the session id'],
    ['an escape', ['--session', 'abc\u001b[2Jdef'], 'Unexpected control character U+001B in the session id'],
    ['a future date', ['--date', '2026-03-21'], 'Unexpected `--date 2026-03-21` in the future, expected 2026-03-20 or earlier'],
  ])('refuses %s, writes nothing and says so in one line', (_, args, message) => {
    const root = tree();
    const run = runBin('relay', ['--root', root, 'postmortem', 'new', 'Lost A Claim', ...args], { env: { ...process.env, RELAY_NOW: '2026-03-20T05:00:00Z', CLAUDE_SESSION_ID: '' } });
    expect(run.status).toBe(1);
    expect(run.stderr.trimEnd().split('\n')).toEqual([expect.stringContaining(`relay postmortem: ${message}`)]);
    expect(readdirSync(root)).not.toContain('postmortems');
  });

  it('refuses a control character in the title', () => {
    const root = tree();
    const run = runBin('relay', ['--root', root, 'postmortem', 'new', 'Lost\u0007 A Claim']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('Unexpected control character U+0007 in the title');
  });

  it('refuses a day that does not exist as a usage error', () => {
    const root = tree();
    const run = runBin('relay', ['--root', root, 'postmortem', 'new', 'Lost A Claim', '--date', '2026-02-30']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('Unexpected `--date 2026-02-30`, expected a real calendar day');
  });

  it('takes today, also where today is already tomorrow in UTC', () => {
    const root = tree();
    const env = { ...process.env, RELAY_NOW: '2026-03-20T23:00:00Z' };
    const run = runBin('relay', ['--root', root, 'postmortem', 'new', 'Lost A Claim', '--date', '2026-03-21', '--session', 'session-1'], { env });
    expect(run.stderr).not.toContain('Unexpected');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('postmortems/2026-03-21-lost-a-claim.md\n');
  });
});

describe('protocol-lint --now', () => {
  it.each(['2026-02-30T00:00:00Z', '2026-02-29', '2026-03-19T25:00:00Z', '2026-03-19T10:61:00Z', 'yesterday', '1', '2026-03-19T10:00:00+25:00'])(
    'is a one-line usage error for %j',
    (now) => {
      const root = tree();
      const run = runBin('protocol-lint', ['--now', now, root]);
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trimEnd().split('\n')).toEqual([expect.stringContaining(`Unexpected \`--now ${now}\`, expected a real ISO 8601 time`)]);
    },
  );

  it.each(['2026-03-19T10:00:00Z', '2026-03-19', '2026-03-19T10:00Z', '2026-03-19T10:00:00.123+02:00', '2028-02-29T00:00:00Z'])('takes %j', (now) => {
    const run = runBin('protocol-lint', ['--now', now, tree()]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
