/**
 * The plugin's folder (plugin/): what the marketplace installs must be the plugin and only the
 * plugin, and must run from a fresh clone: its bin/ shims are the root's, its dist/ is the
 * root's committed bundles (a link, copied as files by an install), every bundle its hooks
 * run exists, and nothing in it makes Claude Code run npm on the install.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../..');
const PLUGIN = join(REPO, 'plugin');

describe('plugin/', () => {
  it('is the marketplace’s one plugin', () => {
    const marketplace = JSON.parse(readFileSync(join(REPO, '.claude-plugin', 'marketplace.json'), 'utf8'));
    expect(marketplace.plugins).toEqual([expect.objectContaining({ name: 'relay', source: './plugin' })]);
    expect(JSON.parse(readFileSync(join(PLUGIN, '.claude-plugin', 'plugin.json'), 'utf8')).name).toBe('relay');
    expect(existsSync(join(REPO, '.claude-plugin', 'plugin.json'))).toBe(false);
  });

  it('holds no package.json or lockfile, so an install runs no npm', () => {
    for (const name of ['package.json', 'package-lock.json', 'npm-shrinkwrap.json', 'bun.lock', 'bun.lockb', 'node_modules']) expect(existsSync(join(PLUGIN, name)), name).toBe(false);
  });

  it('has the root’s bin/ shims, byte for byte, and dist/ as a link to the root’s bundles', () => {
    expect(readdirSync(join(PLUGIN, 'bin')).sort()).toEqual(readdirSync(join(REPO, 'bin')).sort());
    for (const name of readdirSync(join(REPO, 'bin'))) {
      expect(readFileSync(join(PLUGIN, 'bin', name)), name).toEqual(readFileSync(join(REPO, 'bin', name)));
      expect(lstatSync(join(PLUGIN, 'bin', name)).mode, name).toBe(lstatSync(join(REPO, 'bin', name)).mode);
    }
    expect(lstatSync(join(PLUGIN, 'dist')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(PLUGIN, 'dist'))).toBe('../dist');
  });

  it('runs hooks whose bundles exist under its dist/', () => {
    const hooks = JSON.parse(readFileSync(join(PLUGIN, 'hooks', 'hooks.json'), 'utf8')).hooks as Record<string, { hooks: { args: string[] }[] }[]>;
    const bundles = Object.values(hooks).flatMap((groups) => groups.flatMap((group) => group.hooks.flatMap((hook) => hook.args)));
    expect(bundles.length).toBeGreaterThan(0);
    for (const bundle of bundles) {
      expect(bundle).toMatch(/^\$\{CLAUDE_PLUGIN_ROOT\}\/dist\//);
      expect(existsSync(join(PLUGIN, bundle.replace('${CLAUDE_PLUGIN_ROOT}/', ''))), bundle).toBe(true);
    }
  });
});
