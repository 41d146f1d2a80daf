/**
 * Runs a CommonJS bundle through V8's code cache, so a short-lived CLI does not compile the
 * same code on every run. A pre-commit check lives ~0.2 s, and compiling the lint engine and
 * its rules was a fifth of it. Node 22 offers this as `module.enableCompileCache()`; relay
 * supports Node 20, which has only `vm.Script`'s `cachedData`, so this does by hand the part
 * that Node's own CommonJS loader does (wrap the source, give it `require`).
 *
 * The cache:
 * - lives in `$RELAY_CACHE_DIR`, else `$XDG_CACHE_HOME/relay` or `~/.cache/relay`
 *   (`%LOCALAPPDATA%\relay\cache` on Windows); `RELAY_CODE_CACHE=0` turns it off;
 * - is one file per bundle content, run variant, Node version and architecture, written
 *   after a run that had none (so it holds the code that run compiled), through a temporary
 *   file and a rename; files of other bundle contents or Node versions are removed then;
 * - is keyed by a hash of the bundle's bytes, taken on every run (~0.8 ms, most of it
 *   OpenSSL's first use, which a `--staged` run pays anyway): V8 checks only a source's
 *   length, so a bundle edited in place must not find the code compiled from its old bytes;
 * - is used only from a folder that is the user's own and not writable by others, since V8
 *   runs what it holds. V8 itself refuses a cache made by another V8 or with other flags.
 * Without a usable cache the bundle is compiled as usual: the cache only saves time.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { debug, reason } from '../debug.js';

/** The folder compiled code is kept in; undefined when the cache is turned off or there is nowhere to keep it. */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.RELAY_CODE_CACHE === '0') {
    debug('cache', 'RELAY_CODE_CACHE=0: the bundle is compiled without the code cache');
    return undefined;
  }
  if (env.RELAY_CACHE_DIR) return env.RELAY_CACHE_DIR;
  if (process.platform === 'win32') return env.LOCALAPPDATA ? join(env.LOCALAPPDATA, 'relay', 'cache') : undefined;
  let home: string;
  try {
    home = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  } catch (error) {
    debug('cache', `no home folder for the code cache (${reason(error)}): compiled without it`);
    return undefined;
  }
  return join(home, 'relay');
}

/** Whether a path is this user's own (a folder or file, not a link) and not writable by others. */
function isPrivate(path: string, kind: 'folder' | 'file'): boolean {
  try {
    const stats = lstatSync(path);
    const own = kind === 'folder' ? stats.isDirectory() : stats.isFile();
    const ok = own && (process.platform === 'win32' || process.getuid === undefined || (stats.uid === process.getuid() && (stats.mode & 0o022) === 0));
    if (!ok) debug('cache', `\`${path}\` is not a private ${kind} of this user: the code cache is not used`);
    return ok;
  } catch (error) {
    debug('cache', (error as NodeJS.ErrnoException).code === 'ENOENT' ? `no code cache yet at \`${path}\`: compiled, and kept at exit` : `\`${path}\` unreadable: ${reason(error)}`);
    return false;
  }
}

/** The name of a bundle's cache file: everything that makes a cache unusable elsewhere is in it. */
function cacheName(bundle: string, hash: string, variant: string): string {
  return `${bundle}-${hash}-${variant}-${process.version}-${process.arch}.v8cache`;
}

/**
 * Loads `file` (an ASCII CommonJS bundle) and returns its exports. `variant` names the kind of
 * run (`staged`, `tree`): each keeps the code its runs compile.
 */
export function loadBundle(file: string, variant: string): unknown {
  const bytes = readFileSync(file);
  // The bundle is ASCII (scripts/build.mjs checks): latin1 reads it exactly, at half utf8's cost.
  const source = bytes.toString('latin1');
  const dir = codeCacheDir();
  const bundle = basename(file).replace(/\.c?js$/, '');
  const hash = dir === undefined ? '' : createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const cacheFile = dir === undefined ? undefined : join(dir, cacheName(bundle, hash, variant));
  let cachedData: Buffer | undefined;
  if (cacheFile !== undefined && isPrivate(dir!, 'folder') && isPrivate(cacheFile, 'file')) {
    try {
      cachedData = readFileSync(cacheFile);
    } catch (error) {
      debug('cache', `the code cache could not be read (${reason(error)}): compiled without it`);
      cachedData = undefined;
    }
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
  if (script.cachedDataRejected === true) debug('cache', `V8 rejected the code cache \`${cacheFile}\` (made by another V8 or with other flags): compiled, rewritten at exit`);
  else if (cachedData !== undefined) debug('cache', `code cache used: \`${cacheFile}\``);
  if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) {
    // At exit, so the cache holds the functions this run compiled, not only the top level.
    process.once('exit', () => writeCache(dir!, cacheFile, bundle, hash, () => script.createCachedData()));
  }
  const module = { exports: {} as unknown };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(file), module, file, dirname(file));
  return module.exports;
}

/**
 * Writes a cache file through a temporary file and a rename, and removes the bundle's caches of
 * other contents (another `hash`) or other Node versions. Any failure only means no cache.
 */
function writeCache(dir: string, cacheFile: string, bundle: string, hash: string, data: () => Buffer): void {
  const temporary = `${cacheFile}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!isPrivate(dir, 'folder')) return;
    debug('cache', `code cache written: \`${cacheFile}\``);
    writeFileSync(temporary, data(), { mode: 0o600, flag: 'wx' });
    renameSync(temporary, cacheFile);
    const current = `${bundle}-${hash}-`;
    const suffix = `-${process.version}-${process.arch}.v8cache`;
    for (const name of readdirSync(dir)) {
      if (name.startsWith(`${bundle}-`) && name.endsWith('.v8cache') && !(name.startsWith(current) && name.endsWith(suffix))) rmSync(join(dir, name), { force: true });
    }
  } catch (error) {
    debug('cache', `the code cache could not be written (${reason(error)}): the next run compiles again`);
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Nothing more to do: the run itself is done.
    }
  }
}
