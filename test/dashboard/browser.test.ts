/**
 * The dashboard in a real browser: Debian's chromium, headless, driven by playwright-core,
 * against `relay dashboard` run as a real process on a real tree. It must show the counts
 * `relay status --json` gives, follow a real `relay claim` within a few seconds, show a failed
 * panel as stale, never run script from the tree, and reconnect by itself, waiting longer each
 * time, while the dashboard streams to as many pages as it will. Skipped, saying why, only where
 * no chromium can be found; .ci/run installs it, and under CI a missing chromium fails.
 */
import { type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_STREAMS } from '../../src/dashboard/server.js';
import { runRelay } from '../helpers/state-relay.js';
import { removeTree } from '../helpers/tree.js';
import { attemptLine, HOSTILE, RELAY_BUNDLE as bundle, serveDashboard, stalledStreams, stateTree, writeRun } from './helpers.js';

const CANDIDATES = [process.env.RELAY_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((path): path is string => !!path);
const executable = CANDIDATES.find((path) => existsSync(path));
if (executable === undefined) {
  const message = `dashboard browser tests skipped: no chromium at ${CANDIDATES.join(', ')} (apt-get install chromium, or set RELAY_CHROMIUM)`;
  if (process.env.CI) throw new Error(message);
  console.warn(message);
}

let browser: Browser;
const roots: string[] = [];
const children: ChildProcess[] = [];

describe.skipIf(executable === undefined)('relay dashboard in chromium', () => {
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: executable! });
  });

  afterAll(async () => {
    await browser?.close();
  });

  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGTERM');
    for (const root of roots.splice(0)) removeTree(root);
  });

  /** Starts `relay dashboard --port 0` in `root` and returns its address. */
  async function serve(root: string): Promise<string> {
    const { child, url } = await serveDashboard(root);
    children.push(child);
    return url;
  }

  async function openPage(url: string, live = true): Promise<{ page: Page; dialogs: string[]; errors: string[] }> {
    const page = await browser.newPage();
    const dialogs: string[] = [];
    const errors: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(url);
    if (live) await page.waitForSelector('#live:not(.off)');
    return { page, dialogs, errors };
  }

  it('shows the counts `relay status --json` gives and follows `relay claim` within seconds', async () => {
    const root = stateTree(new Date());
    roots.push(root);
    const url = await serve(root);
    const { page, errors } = await openPage(url);
    const status = JSON.parse((await runRelay(bundle, ['status', '--json'], { cwd: root })).stdout);
    const shown = async (key: string) => (await page.textContent(`#count-${key}`))?.trim();
    expect(await shown('pending')).toBe(String(status.pending));
    expect(await shown('claimed')).toBe(String(status.claimed));
    expect(await shown('unclaimed')).toBe(String(status.unclaimed));
    expect(await shown('done')).toBe(String(status.done));
    expect(await shown('stale')).toBe(String(status.staleClaims.length));
    expect(await page.locator('[data-panel="claims"] td', { hasText: 'writer-2' }).count()).toBe(1);
    expect(await page.locator('#burndown polyline').count()).toBe(3);
    const claim = await runRelay(bundle, ['claim', '--agent', 'writer-9'], { cwd: root });
    expect(claim.code, claim.stderr).toBe(0);
    await page.waitForFunction((expected) => document.getElementById('count-claimed')?.textContent === expected, String(status.claimed + 1), { timeout: 5000 });
    const after = JSON.parse((await runRelay(bundle, ['status', '--json'], { cwd: root })).stdout);
    expect(await shown('unclaimed')).toBe(String(after.unclaimed));
    expect(await page.locator('[data-panel="claims"] td', { hasText: 'writer-9' }).count()).toBe(1);
    // The lint panel fills in once protocol-lint has run, and says how old its result is.
    await page.waitForSelector('#lint-summary', { timeout: 20_000 });
    expect(await page.textContent('#lint-age')).toMatch(/^\d+ s ago$/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('marks a failed panel stale and keeps its last good data', async () => {
    const root = stateTree(new Date());
    roots.push(root);
    const { page } = await openPage(await serve(root));
    rmSync(join(root, 'urls_todo.md'));
    mkdirSync(join(root, 'urls_todo.md'));
    const note = page.locator('[data-panel="queue"] .stale');
    await note.waitFor({ state: 'visible', timeout: 5000 });
    expect(await note.textContent()).toMatch(/^Stale since .*, showing the last good data: .*urls_todo\.md/);
    expect((await page.textContent('#count-pending'))?.trim()).toBe('4');
    await page.close();
  });

  it('shows hostile text from a cloned tree as text and runs none of it', async () => {
    const root = stateTree(new Date(), {
      'urls_todo.md': `# Pending URLs\n\n- ${HOSTILE.url} (claimed by ${HOSTILE.agent} at 2020-01-01T00:00:00Z)\n`,
      'postmortems/2026-03-06-xss.md': `# Postmortem: X\n\n**Date**: 2026-03-06\n\n## What Went Wrong\n\nx\n\n## How It Was Fixed\n\nx\n\n## Prevention\n\n- ${HOSTILE.lesson}\n`,
    });
    roots.push(root);
    writeRun(root, '20260302-100000-cccccc', { attempts: attemptLine({ session_id: HOSTILE.session, urls: [HOSTILE.attemptUrl], start: '2026-03-02T10:00:00Z', end: '2026-03-02T10:01:00Z' }) });
    const { page, dialogs, errors } = await openPage(await serve(root));
    await page.waitForSelector('#lint-summary', { timeout: 20_000 });
    const text = await page.textContent('body');
    expect(text).toContain(HOSTILE.url);
    expect(text).toContain(HOSTILE.agent);
    expect(text).toContain(HOSTILE.lesson);
    expect(text).toContain(HOSTILE.attemptUrl);
    expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
    expect(await page.locator('img, main script, main svg:not(#burndown svg)').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it(`reconnects by itself, waiting longer each time, while the dashboard streams to ${MAX_STREAMS} other pages`, async () => {
    const root = stateTree(new Date());
    roots.push(root);
    const { child, url, port } = await serveDashboard(root);
    children.push(child);
    const stalled = await stalledStreams(port, MAX_STREAMS);
    const { page, errors } = await openPage(url, false);
    const live = page.locator('#live');
    for (const wait of [1, 2, 4]) await page.waitForFunction((text) => document.getElementById('live')?.textContent === text, `reconnecting in ${wait} s`, { timeout: 20_000 });
    // The page still shows the state it was served with.
    expect((await page.textContent('#count-pending'))?.trim()).toBe('4');
    for (const socket of stalled) socket.destroy();
    await page.waitForSelector('#live:not(.off)', { timeout: 20_000 });
    expect(await live.textContent()).toBe('live');
    expect(errors).toEqual([]);
    await page.close();
  });
});
