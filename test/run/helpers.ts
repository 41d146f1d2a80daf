/** Temp dirs and git for the runner's tests. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
export { removeTree } from '../helpers/tree.js';
export { git } from '../helpers/state-relay.js';

/** A fresh temp dir, remembered in `list` for removal. */
export function tempDirFor(list: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'relay-run-'));
  list.push(dir);
  return dir;
}
