/**
 * The refs relay keeps on a git remote, and the few git commands that read and write them.
 *
 * - `refs/relay/claims/<sha256 of the normalised URL>`: a claim (or, after `relay done`, a
 *   completion waiting for `relay sync` to land it on the branch). The record is the message
 *   of a commit with the empty tree and no parent, so no branch and no checkout ever sees it.
 * - `refs/relay/ids/<kind>/<number>`: a number `relay new --remote` allocated.
 *
 * Every write is a `git push` with `--force-with-lease=<ref>:<expected>`: an empty expected
 * value means "must not exist" (create), a commit id means "must still be this" (steal,
 * release). The server applies each ref's update as a compare-and-swap, so of two machines
 * racing for one ref exactly one wins; the loser's push reports the ref rejected, which is
 * told apart here from a refusal (a hook, a protected namespace, no permission) that no retry
 * will cure.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { firstLine, git, RECORD_IDENTITY } from './git.js';

/** Where claim refs live on the remote. */
export const CLAIMS_PREFIX = 'refs/relay/claims/';
/** Where id refs live on the remote. */
export const IDS_PREFIX = 'refs/relay/ids/';

/** The claim ref of a normalised URL key. */
export function claimRef(key: string): string {
  return CLAIMS_PREFIX + createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The id ref of a number of one kind. */
export function idRef(kind: string, number: number): string {
  return `${IDS_PREFIX}${kind}/${number}`;
}

/** A remote operation that cannot go on (the remote refused, cannot be reached, git failed). */
export interface RemoteFailure {
  ok: false;
  error: string;
}

/** A claim record: what a claim ref's commit message says. */
export interface ClaimRecord {
  /** `claim` while held; `done` once completed locally and waiting for `relay sync`. */
  state: 'claim' | 'done';
  url: string;
  agent: string;
  host: string;
  run: string;
  at: string;
}

/** The commit message of a claim record. */
export function formatRecord(record: ClaimRecord): string {
  // A nonce keeps every record commit distinct, so a lease on "my commit" is a lease on mine alone.
  return `relay ${record.state} ${record.url}\n\nurl: ${record.url}\nagent: ${record.agent}\nhost: ${record.host}\nrun: ${record.run}\nat: ${record.at}\nnonce: ${randomBytes(8).toString('hex')}\n`;
}

/** Reads a claim record from a commit message; undefined for a message that is not one. */
export function parseRecord(message: string): ClaimRecord | undefined {
  const subject = /^relay (claim|done) /.exec(message);
  if (!subject) return undefined;
  const fields = new Map<string, string>();
  for (const line of message.split('\n')) {
    const match = /^([a-z]+): ?(.*)$/.exec(line);
    if (match && !fields.has(match[1]!)) fields.set(match[1]!, match[2]!);
  }
  const url = fields.get('url');
  const agent = fields.get('agent');
  if (url === undefined || agent === undefined) return undefined;
  return { state: subject[1] as 'claim' | 'done', url, agent, host: fields.get('host') ?? '', run: fields.get('run') ?? '', at: fields.get('at') ?? '' };
}

/** The empty tree of each object format: git knows it without it being written (no spawn per claim to ask). */
const EMPTY_TREE: Record<string, string> = {
  sha1: '4b825dc642cb6eb9a060e54bf8d69288fbee4904',
  sha256: '6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321',
};

/** Writes a record commit (empty tree, no parent) with `message` and returns its id. */
export function recordCommit(cwd: string, message: string, objectFormat = 'sha1'): string | RemoteFailure {
  let tree = EMPTY_TREE[objectFormat];
  if (tree === undefined) {
    const asked = git(['hash-object', '-t', 'tree', '-w', '--stdin'], cwd);
    if (asked.code !== 0) return { ok: false, error: `Cannot write the empty tree: ${firstLine(asked.stderr)}` };
    tree = asked.stdout.trim();
  }
  const commit = git(['commit-tree', tree, '-F', '-'], cwd, { input: message, env: RECORD_IDENTITY });
  if (commit.code !== 0) return { ok: false, error: `Cannot write a record commit: ${firstLine(commit.stderr)}` };
  return commit.stdout.trim();
}

/** The refs under `patterns` on the remote, with their commit ids (one round trip, no objects). */
export function lsRemote(cwd: string, remote: string, patterns: string[]): Map<string, string> | RemoteFailure {
  const run = git(['ls-remote', '--refs', remote, ...patterns], cwd);
  if (run.code !== 0) return remoteFailure(cwd, remote, `Cannot read the refs of remote \`${remote}\``, run.stderr);
  const refs = new Map<string, string>();
  for (const line of run.stdout.split('\n')) {
    const [id, ref] = line.split('\t');
    if (id && ref) refs.set(ref, id);
  }
  return refs;
}

/** One ref update of a push: `id` undefined deletes the ref; `expect` '' means "must not exist". */
export interface RefUpdate {
  ref: string;
  id?: string;
  expect: string;
}

/** How one ref of a push ended. */
export type RefOutcome = { status: 'ok' } | { status: 'lost'; reason: string } | { status: 'refused'; reason: string };

/** Rejections that mean another machine got there first: try again with what is now there. */
const LOST_RACE = /stale info|fetch first|non-fast-forward|cannot lock ref|incorrect old value|reference already exists|but expected|failed to lock/i;
/** A failed update the remote explains on its own line: a lost race when that line says so. */
const UNEXPLAINED = /failed to update ref|unable to update/i;

/**
 * Pushes ref updates, each with its own lease, in one push (`git push --porcelain`): the
 * remote applies each one or rejects it on its own. Returns each ref's outcome, or a failure
 * when the push did not get as far as the refs (no such remote, no access, a network fault).
 */
export function pushRefs(cwd: string, remote: string, updates: RefUpdate[], options: { verify?: boolean } = {}): Map<string, RefOutcome> | RemoteFailure {
  const outcomes = new Map<string, RefOutcome>();
  if (updates.length === 0) return outcomes;
  const args = ['push', '--porcelain', '--no-signed'];
  // Claim and id refs are records, not code: the pushing clone's pre-push hooks are for its branches.
  if (options.verify !== true) args.push('--no-verify');
  for (const update of updates) args.push(`--force-with-lease=${update.ref}:${update.expect}`);
  args.push(remote, ...updates.map((update) => `${update.id ?? ''}:${update.ref}`));
  const run = git(args, cwd);
  const remoteSaid = remoteMessage(run.stderr);
  for (const line of run.stdout.split('\n')) {
    const [flag, refspec, summary = ''] = line.split('\t');
    if (flag === undefined || refspec === undefined || !refspec.includes(':')) continue;
    const ref = refspec.slice(refspec.lastIndexOf(':') + 1);
    if (flag !== '!') outcomes.set(ref, { status: 'ok' });
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
export function remoteFailure(cwd: string, remote: string, what: string, stderr: string): RemoteFailure {
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

/** The messages of commits by id (one `git cat-file --batch`); undefined for an object this clone does not have. */
export function readMessages(cwd: string, ids: string[]): Map<string, string | undefined> {
  const messages = new Map<string, string | undefined>();
  const unique = [...new Set(ids)];
  if (unique.length === 0) return messages;
  const run = spawnSync('git', ['cat-file', '--batch'], { cwd, input: unique.join('\n') + '\n', maxBuffer: 256 * 1024 * 1024 });
  const out = run.stdout ?? Buffer.alloc(0);
  let at = 0;
  for (const id of unique) {
    const end = out.indexOf(10, at);
    if (end === -1) break;
    const header = out.subarray(at, end).toString('utf8').split(' ');
    at = end + 1;
    if (header.length < 3) {
      messages.set(id, undefined);
      continue;
    }
    const size = Number(header[2]);
    const body = out.subarray(at, at + size).toString('utf8');
    at += size + 1;
    if (header[1] !== 'commit') {
      messages.set(id, undefined);
      continue;
    }
    const blank = body.indexOf('\n\n');
    messages.set(id, blank === -1 ? '' : body.slice(blank + 2));
  }
  return messages;
}

/** Fetches the remote's claim refs (the record commits) so their messages can be read; returns the refs with their ids. */
export function fetchClaims(cwd: string, remote: string): Map<string, string> | RemoteFailure {
  const refs = lsRemote(cwd, remote, [`${CLAIMS_PREFIX}*`]);
  if (!isMap(refs)) return refs;
  const known = readMessages(cwd, [...refs.values()]);
  const missing = [...refs.keys()].filter((ref) => known.get(refs.get(ref)!) === undefined);
  if (missing.length > 0) {
    // The objects only: no local ref keeps a copy that could go stale.
    const run = git(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', remote, ...missing], cwd);
    if (run.code !== 0) return remoteFailure(cwd, remote, `Cannot fetch the claims of remote \`${remote}\``, run.stderr);
  }
  return refs;
}

/** Whether a result is a map (not a failure). */
export function isMap<K, V>(value: Map<K, V> | RemoteFailure): value is Map<K, V> {
  return value instanceof Map;
}
