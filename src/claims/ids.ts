/**
 * `relay new`: numbered files no two worktrees (and, with `--remote`, no two clones) create
 * under one number. The number is allocated by creating `refs/relay/ids/<kind>/<number>` with
 * "must not exist", above the highest number seen: in the folder here, in the id refs and,
 * through a remote, on the remote's branch as last fetched; a number taken first is skipped.
 * Then the file is created with exactly that number. Id refs stay as the record of what was
 * allocated (one small commit each). Only a ref whose last part is a plain decimal number is
 * an id; anything else (`1e21`, `-1`) is foreign and skipped.
 */
import { posix } from 'node:path';
import type { Config } from '../protocol/config.js';
import { numberedName } from '../protocol/layout.js';
import { debug } from '../debug.js';
import { isoSeconds } from '../state/identity.js';
import { createNumberedFile, createNumberedFileAt, highestLocalNumber, type NewFile, type NewFileKind, type NewFileOptions } from '../state/new-file.js';
import type { OperationFailure } from '../state/queue-files.js';
import { trackingRef } from '../remote/context.js';
import { openStore } from './claims.js';
import { git } from './git.js';
import { formatIdRecord, IDS_PREFIX, idNumber, idRef } from './records.js';
import { isMap, recordCommit } from './store.js';

/** Options of `newNumbered`. */
export interface NumberedOptions extends NewFileOptions {
  agent: string;
  now: Date;
  /** Allocate through this git remote instead of this repository's refs. */
  remote?: string | undefined;
  run?: string | undefined;
}

/** Rounds of "take the next number" before giving up on a store that keeps moving. */
const MAX_ROUNDS = 60;

/** Allocates the next number of `kind` as an id ref and creates the file here; outside git, the folder alone decides. */
export function newNumbered(root: string, config: Config, kind: NewFileKind, options: NumberedOptions): ({ ok: true; pushes: number } & NewFile) | OperationFailure {
  const store = openStore(root, options.remote);
  if (store === undefined) {
    const created = createNumberedFile(root, config, kind, options);
    return created.ok ? { ...created, pushes: 0 } : created;
  }
  if ('ok' in store) return store;
  return store.serialize('id-refs', (): ({ ok: true; pushes: number } & NewFile) | OperationFailure => {
    const refs = store.list([`${IDS_PREFIX}${kind}/*`]);
    if (!isMap(refs)) return refs;
    let highest = highestLocalNumber(root, config, kind);
    const foreign: string[] = [];
    for (const ref of refs.keys()) {
      const number = idNumber(ref, kind);
      if (number === undefined) foreign.push(ref);
      else highest = Math.max(highest, number);
    }
    if (foreign.length > 0) debug('claims', () => `${foreign.length} foreign id refs${store.where} skipped: ${foreign.slice(0, 5).join(', ')}`);
    if (store.context) {
      // Files on the remote's branch (as last fetched) that were made without the remote count too.
      const folder = kind === 'task' ? config.layout.plan : config.layout.review;
      const listed = git(['ls-tree', '--name-only', '-z', trackingRef(store.context), '--', `${store.context.prefix}${folder}/`], root);
      for (const path of listed.stdout.split('\0')) {
        const parsed = numberedName(posix.basename(path));
        if (parsed && parsed.kind === kind) highest = Math.max(highest, parsed.number);
      }
    }
    let pushes = 0;
    let number = highest + 1;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const ref = idRef(kind, number);
      const commit = recordCommit(root, formatIdRecord(kind, number, { agent: options.agent, host: store.host, run: options.run ?? '', at: isoSeconds(options.now) }), store.objectFormat);
      if (typeof commit !== 'string') return commit;
      const outcomes = store.apply([{ ref, id: commit, expect: '' }]);
      pushes++;
      if (!isMap(outcomes)) return outcomes;
      const outcome = outcomes.get(ref)!;
      if (outcome.status === 'refused') {
        return { ok: false, error: `The remote \`${store.remote}\` refused \`${ref}\`: ${outcome.reason}; it must accept refs under \`refs/relay/\` (see docs/sharing-through-git.md, "What the host must allow")` };
      }
      if (outcome.status === 'lost') {
        debug('claims', `${kind} ${number} was taken${store.where}; trying ${number + 1}`);
        number++;
        continue;
      }
      const created = createNumberedFileAt(root, config, kind, number, options);
      if (created.ok) return { ...created, pushes };
      if (!('exists' in created)) return created;
      // Made here without the refs since the listing: the number stays allocated, unused.
      debug('claims', `${kind} ${number} exists here already; allocating above ${created.highest}`);
      number = created.highest + 1;
    }
    return { ok: false, error: `Cannot allocate a ${kind} number${store.where}: others took ${MAX_ROUNDS} numbers in a row; run it again` };
  });
}
