/**
 * `relay sync --check`: whether a remote lets relay keep its refs before a fleet depends on it.
 * It creates a probe ref under `refs/relay/probe/` with the "must not exist" lease, tries the
 * same again (which must be rejected as a lost race: the host applies leases as a
 * compare-and-swap), and deletes it with a lease on its commit. Each step is one line.
 */
import { randomBytes } from 'node:crypto';
import type { OperationFailure } from '../state/queue-files.js';
import { remoteContext } from './context.js';
import { isMap, recordCommit } from '../claims/store.js';
import { pushRefs } from './store.js';

/** One step of the probe and how it went. */
export interface ProbeStep {
  step: string;
  ok: boolean;
  detail: string;
}

/** Probes `remote`; every step is reported, the first failure ends it. */
export function probeRemote(root: string, remote: string): { ok: true; healthy: boolean; steps: ProbeStep[] } | OperationFailure {
  const context = remoteContext(root, remote);
  if ('ok' in context) return context;
  const ref = `refs/relay/probe/${randomBytes(6).toString('hex')}`;
  const steps: ProbeStep[] = [];
  const done = (): { ok: true; healthy: boolean; steps: ProbeStep[] } => ({ ok: true, healthy: steps.every((step) => step.ok), steps });
  const first = recordCommit(root, `relay probe\n\nhost: ${context.host}\n`, context.objectFormat);
  const second = recordCommit(root, `relay probe again\n\nhost: ${context.host}\n`, context.objectFormat);
  if (typeof first !== 'string') return first;
  if (typeof second !== 'string') return second;
  const create = pushRefs(root, remote, [{ ref, id: first, expect: '' }]);
  if (!isMap(create)) {
    steps.push({ step: 'create a ref under refs/relay/', ok: false, detail: create.error });
    return done();
  }
  const created = create.get(ref)!;
  steps.push({ step: 'create a ref under refs/relay/', ok: created.status === 'ok', detail: created.status === 'ok' ? `created \`${ref}\`` : `refused: ${created.reason}` });
  if (created.status !== 'ok') return done();
  const again = pushRefs(root, remote, [{ ref, id: second, expect: '' }]);
  const lease = isMap(again) ? again.get(ref)! : { status: 'refused' as const, reason: again.error };
  steps.push({
    step: 'refuse a second create (the lease is a compare-and-swap)',
    ok: lease.status === 'lost',
    detail: lease.status === 'lost' ? `rejected as expected (${lease.reason})` : lease.status === 'ok' ? 'accepted: the host does not honour `--force-with-lease`; two clones could claim one URL' : `refused for another reason: ${lease.reason}`,
  });
  const removed = pushRefs(root, remote, [{ ref, expect: lease.status === 'ok' ? second : first }]);
  const deletion = isMap(removed) ? removed.get(ref)! : { status: 'refused' as const, reason: removed.error };
  steps.push({ step: 'delete it (claims are released by deleting their ref)', ok: deletion.status === 'ok', detail: deletion.status === 'ok' ? 'deleted' : `${deletion.reason}; delete \`${ref}\` by hand` });
  return done();
}
