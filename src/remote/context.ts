/**
 * Where a remote operation runs: the clone holding the root, the remote's name, the branch
 * the team's state lives on (the current branch, under the same name on the remote), and the
 * root's path inside the repository (to read the remote's queue files with `git show`).
 */
import { hostname } from 'node:os';
import type { Config } from '../protocol/config.js';
import { parseQueue } from '../protocol/queue.js';
import { debug } from '../debug.js';
import { firstLine, git } from '../claims/git.js';
import type { RefFailure as RemoteFailure } from '../claims/store.js';
import { remoteFailure } from './store.js';

/** A clone and the remote it shares claims through. */
export interface RemoteContext {
  root: string;
  remote: string;
  branch: string;
  /** The root's path from the repository's top, with a trailing slash, or ''. */
  prefix: string;
  host: string;
  /** The repository's object format (`sha1`, `sha256`): which empty tree record commits use. */
  objectFormat: string;
}

/** What a remote name may be: a configured remote's name, or a URL or path git understands. */
const REMOTE_NAME = /^[^\s-][^\s]*$/;

/** Checks that `root` is in a git work tree on a branch and `remote` can name a remote; says what to do otherwise. */
export function remoteContext(root: string, remote: string): RemoteContext | RemoteFailure {
  // A name starting with `-` would be read by git as an option.
  if (!REMOTE_NAME.test(remote)) return { ok: false, error: `Unexpected remote \`${remote}\`, expected the name of a git remote (\`git remote -v\` lists them)` };
  // One question for all three answers: this runs on every claim of a fleet.
  const asked = git(['rev-parse', '--show-object-format', '--show-prefix', '--abbrev-ref', 'HEAD'], root);
  if (asked.code !== 0) return { ok: false, error: `Unexpected root \`${root}\` outside a git work tree (or on a branch with no commit), expected a clone; claims through a remote need git` };
  const [objectFormat = 'sha1', prefix = '', branch = 'HEAD'] = asked.stdout.split('\n');
  if (branch === 'HEAD') return { ok: false, error: 'Unexpected detached HEAD, expected a branch: the remote branch of the same name holds the shared queue; run `git switch BRANCH`' };
  return { root, remote, branch, prefix, host: hostname(), objectFormat };
}

/** urls_done.md's keys by clone, path and commit (a commit's content never changes). */
const doneByTip = new Map<string, RemoteDone>();

/** The remote's branch tip as last fetched, and the URL keys its urls_done.md lists. */
export interface RemoteDone {
  tip: string | undefined;
  keys: Set<string>;
}

/**
 * The URL keys done on the remote's branch at commit `tip` (from ls-remote), fetching the
 * branch first when this clone does not have that commit yet.
 */
export function remoteDoneKeys(context: RemoteContext, config: Config, tip: string | undefined, cache?: RemoteDone): RemoteDone | RemoteFailure {
  if (tip === undefined) return { tip, keys: new Set() };
  if (cache && cache.tip === tip) return cache;
  // A process that claims again and again (the fleet runner) reads each tip's urls_done.md once.
  const remembered = doneByTip.get(`${context.root}\0${context.prefix}${config.layout.done}\0${tip}`);
  if (remembered) return remembered;
  const spec = `${tip}:${context.prefix}${config.layout.done}`;
  let shown = git(['show', spec], context.root);
  if (shown.code !== 0 && git(['cat-file', '-e', `${tip}^{commit}`], context.root).code !== 0) {
    // Another clone pushed since this one fetched.
    const fetched = fetchBranch(context);
    if (fetched === false) return { tip, keys: new Set() };
    if (fetched !== true) return fetched;
    shown = git(['show', spec], context.root);
  }
  const keys = new Set<string>();
  if (shown.code === 0) for (const item of parseQueue(shown.stdout).items) keys.add(item.key);
  else debug('remote', `no \`${config.layout.done}\` on ${context.remote}/${context.branch}: ${firstLine(shown.stderr)}`);
  const done = { tip, keys };
  if (doneByTip.size > 16) doneByTip.clear();
  doneByTip.set(`${context.root}\0${context.prefix}${config.layout.done}\0${tip}`, done);
  return done;
}

/** The remote-tracking ref of the shared branch. */
export function trackingRef(context: RemoteContext): string {
  return /[/:]/.test(context.remote) ? `refs/relay/fetched/${context.branch}` : `refs/remotes/${context.remote}/${context.branch}`;
}

/** Fetches the remote's branch into its remote-tracking ref; false when the remote has no such branch yet. */
export function fetchBranch(context: RemoteContext): true | false | RemoteFailure {
  const run = git(['fetch', '--quiet', '--no-tags', context.remote, `+refs/heads/${context.branch}:${trackingRef(context)}`], context.root);
  if (run.code === 0) return true;
  if (/couldn't find remote ref/i.test(run.stderr)) return false;
  return remoteFailure(context.root, context.remote, `Cannot fetch \`${context.branch}\` from remote \`${context.remote}\``, run.stderr);
}
