/**
 * The remote back end of the claims module (src/claims/store.ts): the same refs as here, on a
 * git remote. Reads are `git ls-remote` (one round trip, no objects) and a fetch of the record
 * commits this clone lacks; every write is one `git push --porcelain` with a
 * `--force-with-lease=<ref>:<expected>` per ref: an empty expected value means "must not
 * exist" (create), a commit id means "must still be this" (steal, release); an update with no
 * expected value is forced (a completion: done wins). The server applies each ref's update as
 * a compare-and-swap, so of two machines racing for one ref exactly one wins; the loser's push
 * reports the ref rejected, which is told apart here from a refusal (a hook, a protected
 * namespace, no permission) that no retry will cure. What a push wins is mirrored into this
 * repository's refs, so its other worktrees see the claim too.
 */
import type { Config } from '../protocol/config.js';
import { readClaims, type ClaimEntry } from '../claims/view.js';
import { firstLine, git } from '../claims/git.js';
import { CLAIMS_PREFIX, cleanText, readMessages } from '../claims/records.js';
import { isMap, ownRecords, updateRefs, type RefFailure, type RefOutcome, type RefStore, type RefUpdate } from '../claims/store.js';
import { debug } from '../debug.js';
import { remoteContext, remoteDoneKeys } from './context.js';

/** The claims of `remote`, through it; a failure when `root` is no clone on a branch or `remote` cannot name one. */
export function remoteStore(root: string, remote: string): RefStore | RefFailure {
  const context = remoteContext(root, remote);
  if ('ok' in context) return context;
  return {
    root,
    remote: context.remote,
    where: ` on remote \`${context.remote}\``,
    host: context.host,
    objectFormat: context.objectFormat,
    spread: true,
    context,
    list: (patterns) => lsRemote(root, context.remote, patterns),
    read(refs, wanted) {
      const messages = readMessages(root, refs, wanted);
      const missing = wanted.filter((ref) => refs.has(ref) && messages.get(ref) === undefined);
      if (missing.length === 0) return messages;
      // The objects only: no local ref keeps a copy that could go stale. A ref deleted since the listing fails the fetch: what came is read.
      const run = git(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', context.remote, ...missing], root);
      if (run.code !== 0) debug('remote', `fetching ${missing.length} records: ${remoteReason(run.stderr)}`);
      return readMessages(root, refs, wanted);
    },
    apply(updates) {
      const outcomes = pushRefs(root, context.remote, updates);
      if (!isMap(outcomes)) return outcomes;
      const won = updates.filter((update) => outcomes.get(update.ref)?.status === 'ok');
      // Mirrored here (best effort) so every worktree of this repository sees what this clone holds there.
      const mirrored = updateRefs(root, won.map(({ ref, id }) => ({ ref, id })));
      if (!isMap(mirrored)) debug('claims', `mirroring ${won.length} refs of ${context.remote} here: ${mirrored.error}`);
      return outcomes;
    },
    serialize: (_name, fn) => fn(),
  };
}

/** The refs under `patterns` on the remote, with their commit ids (one round trip, no objects). */
export function lsRemote(cwd: string, remote: string, patterns: string[]): Map<string, string> | RefFailure {
  const run = git(['ls-remote', '--refs', remote, ...patterns], cwd);
  if (run.code !== 0) return remoteFailure(cwd, remote, `Cannot read the refs of remote \`${remote}\``, run.stderr);
  const refs = new Map<string, string>();
  for (const line of run.stdout.split('\n')) {
    const [id, ref] = line.split('\t');
    if (id && ref) refs.set(ref, id);
  }
  return refs;
}

/** Rejections that mean another machine got there first: try again with what is now there. */
const LOST_RACE = /stale info|fetch first|non-fast-forward|cannot lock ref|incorrect old value|reference already exists|but expected|failed to lock/i;
/** A failed update the remote explains on its own line: a lost race when that line says so. */
const UNEXPLAINED = /failed to update ref|unable to update/i;

/**
 * Pushes ref updates, each with its own lease, in one push (`git push --porcelain`): the
 * remote applies each one or rejects it on its own. Returns each ref's outcome, or a failure
 * when the push did not get as far as the refs (no such remote, no access, a network fault).
 */
export function pushRefs(cwd: string, remote: string, updates: RefUpdate[], options: { verify?: boolean } = {}): Map<string, RefOutcome> | RefFailure {
  const outcomes = new Map<string, RefOutcome>();
  if (updates.length === 0) return outcomes;
  const args = ['push', '--porcelain', '--no-signed'];
  // Claim and id refs are records, not code: the pushing clone's pre-push hooks are for its branches.
  if (options.verify !== true) args.push('--no-verify');
  for (const update of updates) if (update.expect !== undefined) args.push(`--force-with-lease=${update.ref}:${update.expect}`);
  // No expected value: forced, whatever the ref holds (a completion: done wins).
  args.push(remote, ...updates.map((update) => `${update.expect === undefined ? '+' : ''}${update.id ?? ''}:${update.ref}`));
  const run = git(args, cwd);
  const remoteSaid = remoteMessage(run.stderr);
  for (const line of run.stdout.split('\n')) {
    const [flag, refspec, summary = ''] = line.split('\t');
    if (flag === undefined || refspec === undefined || !refspec.includes(':')) continue;
    const ref = refspec.slice(refspec.lastIndexOf(':') + 1);
    const id = updates.find((update) => update.ref === ref)?.id;
    // "Up to date" skips the lease: a record there is a win only if this process wrote it (a nonce makes every record its own).
    if (flag === '=' && ref.startsWith('refs/relay/') && id !== undefined && !ownRecords.has(id)) outcomes.set(ref, { status: 'lost', reason: 'up to date with a record this process did not write' });
    else if (flag !== '!') outcomes.set(ref, { status: 'ok' });
    else if (LOST_RACE.test(summary) || (UNEXPLAINED.test(summary) && LOST_RACE.test(remoteSaid))) outcomes.set(ref, { status: 'lost', reason: `${summary}${remoteSaid ? ` (remote: ${remoteSaid})` : ''}` });
    else outcomes.set(ref, { status: 'refused', reason: `${summary.replace(/^\[(remote )?rejected\]\s*/, '').replace(/^\((.*)\)$/, '$1')}${remoteSaid ? ` (remote: ${remoteSaid})` : ''}` });
  }
  if (updates.some((update) => !outcomes.has(update.ref))) {
    if (run.code === 0) return { ok: false, error: `Unexpected report from \`git push\` to \`${remote}\`, expected one line per ref; run it with RELAY_DEBUG=git` };
    return remoteFailure(cwd, remote, `Cannot push to remote \`${remote}\``, run.stderr);
  }
  return outcomes;
}

/** The first line the remote itself printed (a hook's message), without git's padding. */
function remoteMessage(stderr: string): string {
  const line = stderr.split('\n').find((each) => /^remote: \S/.test(each) && !/^remote: error: hook declined/.test(each));
  return line === undefined ? '' : line.slice('remote: '.length).trim();
}

/** The one line for a remote git could not use: an unknown name lists the known ones. */
export function remoteFailure(cwd: string, remote: string, what: string, stderr: string): RefFailure {
  if (/does not appear to be a git repository/.test(stderr) && !/[/:]/.test(remote)) {
    const known = git(['remote'], cwd).stdout.split('\n').filter(Boolean);
    if (!known.includes(remote)) {
      return { ok: false, error: `Unknown remote \`${remote}\`, expected one of \`git remote\` (${known.map((name) => `\`${name}\``).join(', ') || 'none'}); add it with \`git remote add ${remote} URL\`` };
    }
  }
  return { ok: false, error: `${what}: ${remoteReason(stderr)}` };
}

/** Why git could not talk to the remote, in one line. */
export function remoteReason(stderr: string): string {
  const said = remoteMessage(stderr);
  const line = firstLine(stderr) || 'git failed without a message';
  return said && !line.includes(said) ? `${line} (remote: ${said})` : line;
}


/** One claim ref as `relay status --remote` shows it. */
export interface RemoteClaimView extends ClaimEntry {
  stale: boolean;
  /** Done on the remote's branch already: a ref left behind, which `relay sync` removes. */
  landed: boolean;
}

/** What `remoteStatus` found. */
export interface RemoteStatus {
  ok: true;
  remote: string;
  branch: string;
  claims: RemoteClaimView[];
  /** Claims (not completions) per agent. */
  claimsByAgent: Record<string, number>;
  /** How many refs hold a record of their own URL: the claims and completions accepted. */
  accepted: number;
  /** Refs whose record is not relay's, too big, or filed under another URL's hash: skipped. */
  foreign: string[];
}

/** Reads every claim ref on the remote with its record (records are data: clean, clipped, checked against their ref). */
export function remoteStatus(root: string, config: Config, options: { remote: string; now: Date; ttlHours: number }): RemoteStatus | RefFailure {
  const store = remoteStore(root, options.remote);
  if ('ok' in store) return store;
  const { context } = store;
  const branch = `refs/heads/${context!.branch}`;
  const refs = store.list([`${CLAIMS_PREFIX}*`, branch]);
  if (!isMap(refs)) return refs;
  const done = remoteDoneKeys(context!, config, refs.get(branch));
  if ('ok' in done) return done;
  const read = readClaims(store, refs);
  if (!read.ok) return read;
  const status: RemoteStatus = { ok: true, remote: context!.remote, branch: context!.branch, claims: [], claimsByAgent: {}, accepted: read.entries.length, foreign: read.foreign.map(cleanText) };
  for (const entry of read.entries) {
    const landed = done.keys.has(entry.key);
    const stale = entry.state === 'claim' && (Number.isNaN(Date.parse(entry.at)) || options.now.getTime() - Date.parse(entry.at) > options.ttlHours * 3_600_000);
    status.claims.push({ ...entry, stale, landed });
    if (entry.state === 'claim' && !landed) status.claimsByAgent[entry.agent] = (status.claimsByAgent[entry.agent] ?? 0) + 1;
  }
  status.claims.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return status;
}
