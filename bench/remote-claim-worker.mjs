/**
 * One worker of bench/remote-claims.mjs's in-process mode: claims through the remote with the
 * plain function the fleet runner calls (src/claims/claims.ts `claim`), one URL at a
 * time, `claims` times, after the parent says go (so Node and tsx start-up are not timed).
 *
 *   node --import tsx bench/remote-claim-worker.mjs DIR CLAIMS AGENT
 */
import { createInterface } from 'node:readline';

const [dir, claims, agent] = process.argv.slice(2);
const { claim } = await import('../src/claims/claims.ts');
const { loadConfig } = await import('../src/protocol/config.ts');
const loaded = loadConfig(dir);
if (!loaded.ok) throw new Error(loaded.error);
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line === 'go') break;
const results = [];
for (let round = 0; round < Number(claims); round++) {
  const result = claim(dir, loaded.config, { remote: 'origin', count: 1, agent: `${agent}-${round}`, now: new Date(), ttlHours: 24, stealStale: false });
  results.push(result.ok ? { urls: result.claimed.map((claim) => claim.url), pushes: result.pushes, lost: result.lostRaces } : { error: result.error });
}
process.stdout.write(JSON.stringify(results) + '\n');
lines.close();
