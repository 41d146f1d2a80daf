/**
 * `relay new --remote NAME`: numbered files that two machines never both create. The number
 * is allocated by creating `refs/relay/ids/<kind>/<number>` on the remote with a "must not
 * exist" lease, starting above the highest number seen here, in the remote's id refs and on
 * the remote's branch (as last fetched); a lost race tries the next number. Then the file is
 * created here with exactly that number. Id refs stay on the remote as the record of what was
 * allocated (one small commit each); they hold no claim and nothing removes them.
 */
import type { Config } from '../protocol/config.js';
import { isoSeconds } from '../state/identity.js';
import { createNumberedFileAt, highestLocalNumber, type NewFile, type NewFileKind, type NewFileOptions } from '../state/new-file.js';
import type { OperationFailure } from '../state/queue-files.js';
import { debug } from '../debug.js';
import { remoteContext, trackingRef } from './context.js';
import { git } from './git.js';
import { IDS_PREFIX, idRef, isMap, lsRemote, pushRefs, recordCommit } from './refs.js';
import { numberedName } from '../protocol/layout.js';
import { posix } from 'node:path';

/** Options of `newRemote`. */
export interface RemoteNewOptions extends NewFileOptions {
  remote: string;
  agent: string;
  now: Date;
  run?: string;
}

/** Rounds of "take the next number" before giving up on a remote that keeps moving. */
const MAX_ROUNDS = 60;

/** Allocates the next number of `kind` on the remote and creates the file here; returns where it is. */
export function newRemote(root: string, config: Config, kind: NewFileKind, options: RemoteNewOptions): ({ ok: true; pushes: number } & NewFile) | OperationFailure {
  const context = remoteContext(root, options.remote);
  if ('ok' in context) return context;
  const refs = lsRemote(root, context.remote, [`${IDS_PREFIX}${kind}/*`]);
  if (!isMap(refs)) return refs;
  let highest = highestLocalNumber(root, config, kind);
  for (const ref of refs.keys()) {
    const number = Number(ref.slice(`${IDS_PREFIX}${kind}/`.length));
    if (Number.isInteger(number)) highest = Math.max(highest, number);
  }
  // Files on the remote's branch (as last fetched) that were made without --remote count too.
  const folder = kind === 'task' ? config.layout.plan : config.layout.review;
  const listed = git(['ls-tree', '--name-only', '-z', trackingRef(context), '--', `${context.prefix}${folder}/`], root);
  for (const path of listed.stdout.split('\0')) {
    const parsed = numberedName(posix.basename(path));
    if (parsed && parsed.kind === kind) highest = Math.max(highest, parsed.number);
  }
  let pushes = 0;
  let number = highest + 1;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const ref = idRef(kind, number);
    const commit = recordCommit(root, `relay id ${kind} ${number}\n\nagent: ${options.agent}\nhost: ${context.host}\nrun: ${options.run ?? ''}\nat: ${isoSeconds(options.now)}\n`, context.objectFormat);
    if (typeof commit !== 'string') return commit;
    const outcomes = pushRefs(root, context.remote, [{ ref, id: commit, expect: '' }]);
    pushes++;
    if (!isMap(outcomes)) return outcomes;
    const outcome = outcomes.get(ref)!;
    if (outcome.status === 'refused') {
      return { ok: false, error: `The remote \`${context.remote}\` refused \`${ref}\`: ${outcome.reason}; it must accept refs under \`refs/relay/\` (see docs/sharing-through-git.md, "What the host must allow")` };
    }
    if (outcome.status === 'lost') {
      debug('remote', `${kind} ${number} was taken on ${context.remote}; trying ${number + 1}`);
      number++;
      continue;
    }
    const created = createNumberedFileAt(root, config, kind, number, options);
    if (created.ok) return { ...created, pushes };
    if (!('exists' in created)) return created;
    // Made here without the remote since the listing: the number stays allocated, unused.
    debug('remote', `${kind} ${number} exists here already; allocating above ${created.highest}`);
    number = created.highest + 1;
  }
  return { ok: false, error: `Cannot allocate a ${kind} number on \`${context.remote}\`: other machines took ${MAX_ROUNDS} numbers in a row; run it again` };
}
