/**
 * The GitHub Action (action.yml) run the way the runner runs a composite action: each `run:`
 * step through `bash --noprofile --norc -eo pipefail` with GITHUB_ACTION_PATH, GITHUB_OUTPUT
 * and the step's `env:` (its `${{ inputs.* }}` replaced by the inputs), in a real temp git
 * repository with a problem and without one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { git, REPO } from '../helpers/run.js';
import { tempDir } from '../helpers/state-relay.js';

interface Action {
  inputs: Record<string, { default?: string }>;
  runs: { using: string; steps: { id?: string; shell?: string; env?: Record<string, string>; run?: string; uses?: string }[] };
}

const action = yaml.safeLoad(readFileSync(join(REPO, 'action.yml'), 'utf8')) as Action;

interface ActionRun {
  status: number | null;
  stdout: string;
  stderr: string;
  outputs: string;
}

/** Runs every step of the action in `workspace` with `inputs` over the defaults; stops at the first failing step, as the runner does. */
function runAction(workspace: string, inputs: Record<string, string> = {}): ActionRun {
  const values: Record<string, string> = {};
  for (const [name, input] of Object.entries(action.inputs)) values[name] = inputs[name] ?? input.default ?? '';
  const outputFile = join(tempDir('relay-action-out-'), 'output');
  writeFileSync(outputFile, '');
  let stdout = '';
  let stderr = '';
  for (const step of action.runs.steps) {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(step.env ?? {})) {
      env[key] = value.replace(/\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g, (_, name: string) => {
        if (!(name in values)) throw new Error(`action.yml uses undeclared input \`${name}\``);
        return values[name]!;
      });
      expect(env[key]).not.toContain('${{');
    }
    const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], {
      cwd: workspace,
      encoding: 'utf8',
      env: { ...process.env, GITHUB_ACTION_PATH: REPO, GITHUB_OUTPUT: outputFile, GITHUB_WORKSPACE: workspace, ...env },
    });
    stdout += result.stdout;
    stderr += result.stderr;
    if (result.status !== 0) return { status: result.status, stdout, stderr, outputs: readFileSync(outputFile, 'utf8') };
  }
  return { status: 0, stdout, stderr, outputs: readFileSync(outputFile, 'utf8') };
}

/** A git repository with a state tree in `state/` whose queue holds one URL in both files (an error) unless `clean`. */
function workspace(clean = false): string {
  const root = tempDir('relay-action-');
  git(root, ['init', '-q']);
  const state = join(root, 'state');
  mkdirSync(state);
  // The config file makes state/ a root of its own, as a repository with its state in a folder has.
  writeFileSync(join(state, '.protocol-lint.json'), '{}\n');
  writeFileSync(join(state, 'CLAUDE.md'), '# CLAUDE.md\n\n## Session Protocol\n\nRun `relay brief` first.\n');
  writeFileSync(join(state, 'urls_todo.md'), `# Pending URLs\n\n${clean ? '- https://example.com/b\n' : '- https://example.com/a\n'}`);
  writeFileSync(join(state, 'urls_done.md'), '# Completed URLs\n\n- https://example.com/a (completed 2026-01-02)\n');
  return root;
}

describe('action.yml', () => {
  it('is a composite action of bash steps that never splice inputs into a script', () => {
    expect(action.runs.using).toBe('composite');
    for (const step of action.runs.steps) {
      expect(step.uses).toBeUndefined();
      expect(step.shell).toBe('bash');
      expect(step.run).not.toContain('${{');
      expect(step.run).toContain('node "$lint"');
    }
  });

  it('writes SARIF and fails on a tree with an error', () => {
    const root = workspace();
    const run = runAction(root, { path: 'state', 'sarif-file': 'out.sarif' });
    expect(run.status).toBe(1);
    expect(run.outputs).toBe('sarif-file=out.sarif\n');
    const sarif = JSON.parse(readFileSync(join(root, 'out.sarif'), 'utf8')) as { runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
    const overlap = sarif.runs[0]!.results.find((result) => result.ruleId === 'queue-overlap');
    expect(overlap?.locations[0]!.physicalLocation.artifactLocation.uri).toBe('state/urls_todo.md');
  });

  it('only reports with fail-on-error false, and passes a clean tree', () => {
    const root = workspace();
    expect(runAction(root, { path: 'state', 'fail-on-error': 'false' }).status).toBe(0);
    expect(existsSync(join(root, 'protocol-lint.sarif'))).toBe(true);
    const clean = workspace(true);
    expect(runAction(clean, { path: 'state' }).status).toBe(0);
    const sarif = JSON.parse(readFileSync(join(clean, 'protocol-lint.sarif'), 'utf8')) as { runs: { results: unknown[] }[] };
    expect(sarif.runs[0]!.results).toEqual([]);
  });

  it('prints annotations with format github', () => {
    const root = workspace();
    const run = runAction(root, { path: 'state', format: 'github' });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^::error file=state\/urls_todo\.md,line=3,col=3,title=queue-overlap::/m);
    expect(run.outputs).toBe('sarif-file=\n');
  });

  it('refuses a bad format and takes hostile input as data', () => {
    const root = workspace();
    const bad = runAction(root, { format: 'xml' });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toContain('::error title=protocol-lint::Unexpected format `xml`, expected `sarif` or `github`');
    expect(runAction(root, { 'sarif-file': 'a\nb=c' }).status).toBe(2);
    // A path that a spliced script would run: passed through env, it is only a path that does not exist.
    const hostile = runAction(root, { path: 'state"; touch pwned; echo "$(touch pwned2)', format: 'github' });
    expect(hostile.status).toBe(2);
    expect(existsSync(join(root, 'pwned'))).toBe(false);
    expect(existsSync(join(root, 'pwned2'))).toBe(false);
  });

  it('has a README workflow that pins every action by commit and gives forks annotations', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const block = /```yaml\n(name: protocol-lint\n[\s\S]*?)```/.exec(readme)![1]!;
    const uses = [...block.matchAll(/uses: (\S+)(.*)/g)].map(([, action, rest]) => ({ action: action!, comment: rest!.trim() }));
    expect(uses.map(({ action }) => action.split('@')[0])).toEqual(['actions/checkout', 'relay-protocol/relay', 'github/codeql-action/upload-sarif']);
    for (const { action, comment } of uses.filter(({ action }) => !action.startsWith('relay-protocol/'))) {
      expect(action).toMatch(/@[0-9a-f]{40}$/);
      expect(comment).toMatch(/^# v\d+\.\d+\.\d+$/);
    }
    // relay's own line names no commit: a made-up one would be copied as it is.
    expect(uses[1]!.action).toBe('relay-protocol/relay@RELAY_COMMIT_SHA');
    const workflow = yaml.safeLoad(block) as { jobs: { lint: { steps: { if?: string; with?: Record<string, string> }[] } } };
    const [, lint, upload] = workflow.jobs.lint.steps;
    expect(lint!.with!.format).toBe("${{ github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name != github.repository && 'github' || 'sarif' }}");
    expect(upload!.if).toBe("always() && steps.lint.outputs.sarif-file != ''");
    expect(readme).toContain('**Pull requests from forks.**');
  });

  it.each([
    ['format', 'x\n::add-mask::secret'],
    ['format', 'x\r\n::set-output name=sarif-file::/etc/passwd'],
    ['format', 'x\r::stop-commands::token'],
    ['format', '%0A::error::already escaped, 100%'],
    ['fail-on-error', 'no\n::error file=a,line=1::injected'],
    ['path', 'state\n::add-mask::secret'],
    ['sarif-file', 'out.sarif\r::warning::injected'],
  ])('cannot be made to print a workflow command of its input’s: %s %j', (name, value) => {
    const run = runAction(workspace(), { [name]: value });
    expect(run.status).toBe(2);
    // The runner takes every line of stdout and stderr that starts with `::` as a command, and CR alone ends a line.
    const commands = `${run.stdout}\n${run.stderr}`.split(/\r\n|\r|\n/).filter((line) => line.trimStart().startsWith('::'));
    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatch(/^::error title=protocol-lint::Unexpected /);
    // Decoded as the runner decodes a message, the input is back, whole, as text.
    const message = commands[0]!.slice('::error title=protocol-lint::'.length);
    expect(message.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')).toContain(`\`${value}\``);
  });
});
