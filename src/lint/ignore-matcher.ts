/**
 * The config's `ignores` compiled with picomatch, for {@link PathFilter}. Apart from
 * path-filter.ts so a hook loads picomatch only for a config that has `ignores`.
 */
import picomatch from 'picomatch';
import { ALWAYS_IGNORED } from '../protocol/config.js';
import { alwaysIgnored, type IgnoreMatcher } from './path-filter.js';

/** The matcher of `ALWAYS_IGNORED` and the config's `ignores`: {@link alwaysIgnored} itself when there are none. */
export function ignoreMatcher(ignores: readonly string[]): IgnoreMatcher {
  if (ignores.length === 0) return alwaysIgnored;
  // `dot: true` as fast-glob matches its ignore patterns, so the walk and this agree.
  return picomatch([...ALWAYS_IGNORED, ...ignores], { dot: true });
}
