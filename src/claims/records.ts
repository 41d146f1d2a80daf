/**
 * The refs relay keeps under `refs/relay/`, and their records: in the repository's own refs
 * (every worktree of it shares them) and, with `--remote`, the same refs on a git remote.
 *
 * - `refs/relay/claims/<sha256 of the normalised URL>`: a claim (or, after `relay done`, a
 *   completion waiting to land on the default branch).
 * - `refs/relay/ids/<kind>/<number>`: a number `relay new` allocated (never removed).
 *
 * A record is the message of a commit with the empty tree and no parent, so no branch and no
 * checkout ever sees it. Every record carries a nonce: two processes never write the same
 * commit, so a ref holding "my commit" holds my record alone. What a ref holds is data from
 * whoever could write it: read with a size bound, stripped of control characters, clipped,
 * and checked against the ref's name (a claim whose URL does not hash to its ref is foreign).
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { debug } from '../debug.js';
import { normalizeUrl } from '../protocol/url.js';
import { firstLine, git } from './git.js';

/** Where claim refs live. */
export const CLAIMS_PREFIX = 'refs/relay/claims/';
/** Where id refs live. */
export const IDS_PREFIX = 'refs/relay/ids/';
/** A record commit larger than this is not relay's: it is never loaded. */
export const RECORD_BYTES = 4096;
/** Fields are clipped to this many characters, as the dashboard clips text. */
const FIELD_CHARS = 300;
/** Control characters (C0, DEL, C1), line separators and bidirectional controls. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The claim ref of a normalised URL key. */
export function claimRef(key: string): string {
  return CLAIMS_PREFIX + createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The id ref of a number of one kind. */
export function idRef(kind: string, number: number): string {
  return `${IDS_PREFIX}${kind}/${number}`;
}

/** The number an id ref names, or undefined for a name that is not a plain decimal (foreign: `1e21`, `-1`, `0x10`). */
export function idNumber(ref: string, kind: string): number | undefined {
  const last = ref.slice(`${IDS_PREFIX}${kind}/`.length);
  return /^[0-9]{1,9}$/.test(last) ? Number(last) : undefined;
}

/** Text from a record made safe to print: no control characters, at most 300 characters. */
export function cleanText(text: string): string {
  const stripped = text.replace(UNPRINTABLE, '');
  return stripped.length > FIELD_CHARS ? stripped.slice(0, FIELD_CHARS - 1) + '…' : stripped;
}

/** A claim record: what a claim ref's commit message says. */
export interface ClaimRecord {
  /** `claim` while held; `done` once completed and waiting to land on the default branch. */
  state: 'claim' | 'done';
  url: string;
  agent: string;
  host: string;
  run: string;
  at: string;
}

/** The commit message of a claim record. */
export function formatRecord(record: ClaimRecord): string {
  return `relay ${record.state} ${record.url}\n\nurl: ${record.url}\nagent: ${record.agent}\nhost: ${record.host}\nrun: ${record.run}\nat: ${record.at}\nnonce: ${nonce()}\n`;
}

/** The commit message of an id record. */
export function formatIdRecord(kind: string, number: number, fields: { agent: string; host: string; run: string; at: string }): string {
  return `relay id ${kind} ${number}\n\nagent: ${fields.agent}\nhost: ${fields.host}\nrun: ${fields.run}\nat: ${fields.at}\nnonce: ${nonce()}\n`;
}

function nonce(): string {
  return randomBytes(8).toString('hex');
}

/**
 * Reads the claim record filed under `ref`; undefined for a message that is not one, or whose
 * URL does not hash to `ref` (foreign). Fields come back clean (`cleanText`); the URL is
 * checked instead (a queue URL holds no control character).
 */
export function parseRecord(message: string, ref: string): ClaimRecord | undefined {
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
  const normalized = normalizeUrl(url);
  if (!normalized.ok || claimRef(normalized.key) !== ref) return undefined;
  const field = (name: string): string => cleanText(fields.get(name) ?? '');
  return { state: subject[1] as 'claim' | 'done', url, agent: field('agent'), host: field('host'), run: field('run'), at: field('at') };
}

/** Object type and size by id, as `git for-each-ref` listed them: `readMessages` need not ask again. */
const listedObjects = new Map<string, string>();

/** The refs here under `patterns`, with their commit ids (`git for-each-ref`, which gives their objects' sizes too). */
export function listRefs(root: string, patterns: string[]): Map<string, string> | { ok: false; error: string } {
  const run = git(['for-each-ref', '--format=%(objectname) %(objecttype) %(objectsize) %(refname)', ...patterns], root);
  if (run.code !== 0) return { ok: false, error: `Cannot read the refs here: ${firstLine(run.stderr)}` };
  const refs = new Map<string, string>();
  for (const line of run.stdout.split('\n')) {
    const [id, type, size, ref] = line.split(' ');
    if (ref === undefined) continue;
    refs.set(ref, id!);
    listedObjects.set(id!, `${id} ${type} ${size}`);
  }
  return refs;
}

/**
 * The record messages of the `wanted` refs (listed with their commit ids): the commits' sizes
 * first (as listed here, else `cat-file --batch-check`), then those of at most `RECORD_BYTES` (`--batch`).
 * Undefined for a ref not listed, or whose object is missing, not a commit, or too big to be a record.
 */
export function readMessages(root: string, refs: Map<string, string>, wanted: string[]): Map<string, string | undefined> {
  const byId = new Map<string, string | undefined>();
  for (const ref of wanted) if (refs.has(ref)) byId.set(refs.get(ref)!, undefined);
  const messages = (): Map<string, string | undefined> => new Map(wanted.map((ref) => [ref, refs.has(ref) ? byId.get(refs.get(ref)!) : undefined]));
  if (byId.size === 0) return messages();
  const unlisted = [...byId.keys()].filter((id) => !listedObjects.has(id));
  const checked = unlisted.length === 0 ? '' : git(['cat-file', '--batch-check'], root, { input: unlisted.join('\n') + '\n' }).stdout;
  const small = [...[...byId.keys()].map((id) => listedObjects.get(id) ?? ''), ...checked.split('\n')]
    .map((line) => line.split(' ')).filter(([id, type, size]) => type === 'commit' && Number(size) <= RECORD_BYTES && byId.has(id!));
  if (small.length < byId.size) debug('claims', () => `${byId.size - small.length} refs hold no record (missing, not a commit, or over ${RECORD_BYTES} bytes); skipped`);
  if (small.length === 0) return messages();
  const run = spawnSync('git', ['cat-file', '--batch'], { cwd: root, input: small.map(([id]) => id).join('\n') + '\n', maxBuffer: (RECORD_BYTES + 128) * small.length + 65536 });
  const out = run.stdout ?? Buffer.alloc(0);
  let at = 0;
  for (const [id] of small) {
    const end = out.indexOf(10, at);
    if (end === -1) break;
    const size = Number(out.subarray(at, end).toString('latin1').split(' ')[2]);
    const body = out.subarray(end + 1, end + 1 + size).toString('utf8');
    at = end + 2 + size;
    const blank = body.indexOf('\n\n');
    byId.set(id!, blank === -1 ? '' : body.slice(blank + 2));
  }
  return messages();
}
