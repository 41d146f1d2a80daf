/**
 * Finding the relay state tree a hook event is about. A plugin installed for a user fires
 * in every repository, so hooks act only where a tree exists: a root holding the config
 * file or one of the queue files (what `relay init` creates). Elsewhere they stay silent.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { debug } from '../debug.js';
import { alwaysIgnored, PathFilter } from '../lint/path-filter.js';
import { CONFIG_FILE, loadConfig, resolveRoot, type Config } from '../protocol/config.js';
import { nonRegularReason } from '../protocol/regular-file.js';

/** A relay tree: its root and configuration. */
export interface StateTree {
  root: string;
  config: Config;
}

/**
 * The state tree for a directory, or undefined when there is none. A broken config file is
 * thrown (the caller fails open with its message), since linting with defaults would report
 * problems the user's layout does not have.
 */
export function findStateTree(directory: string): StateTree | undefined {
  const root = resolveRoot(directory);
  const hasConfig = existsSync(join(root, CONFIG_FILE));
  // loadConfig reads the file by name: a FIFO there would never let the hook finish.
  const notRegular = hasConfig ? nonRegularReason(join(root, CONFIG_FILE)) : undefined;
  if (notRegular !== undefined) throw new Error(`${notRegular}; the relay hooks skip this tree`);
  const loaded = loadConfig(root);
  if (!loaded.ok) throw new Error(loaded.error);
  const { layout } = loaded.config;
  if (!hasConfig && !existsSync(join(root, layout.todo)) && !existsSync(join(root, layout.done))) {
    debug('hook', `\`${root}\` has no \`${CONFIG_FILE}\`, \`${layout.todo}\` or \`${layout.done}\`: not a relay tree`);
    return undefined;
  }
  return { root, config: loaded.config };
}

/**
 * The changed paths this tree lints, as `protocol-lint` would choose them (path-filter.ts):
 * not matched by the config's `ignores`, not inside a nested root (a folder with its own
 * config). The others are never reported, remembered or blocked on.
 */
export async function ownFiles(tree: Pick<StateTree, 'root' | 'config'>, paths: string[], event: string): Promise<string[]> {
  if (paths.length === 0) return paths;
  // picomatch is loaded only for a config with `ignores`: without, the hook needs none of it.
  const { ignores } = tree.config;
  const matches = ignores.length === 0 ? alwaysIgnored : (await import('../lint/ignore-matcher.js')).ignoreMatcher(ignores);
  const filter = new PathFilter(tree.root, matches);
  return paths.filter((path) => {
    const nested = filter.nestedRootOf(path);
    if (nested !== undefined) debug('config', `${event}: \`${path}\` belongs to the nested root \`${nested}/\`, not to \`${tree.root}\`: skipped`);
    else if (filter.isIgnored(path)) debug('config', `${event}: \`${path}\` matches the config's \`ignores\`: skipped`);
    else return true;
    return false;
  });
}
