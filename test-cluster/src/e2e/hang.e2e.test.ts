import { waitUntil } from '@patroni/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import {
  acceptsWrites,
  Cleanups,
  FAILOVER_BOUND_MS,
  finishWriter,
  pgRole,
  primaries,
  restStatus,
  startE2eCluster,
  startPrimaryWriter,
  waitForNewLeader,
  waitForReplication,
  waitForWrites,
} from './support.js';

describe("our agent: the leader's agent hangs (SIGSTOP) longer than ttl", () => {
  const cleanups = new Cleanups();
  afterAll(() => cleanups.run());

  it('a replica takes over; on SIGCONT the old primary demotes itself and refuses writes', async () => {
    const e2e = await startE2eCluster('hang', cleanups);
    const { cluster } = e2e;
    const oldLeader = await cluster.waitForLeader();
    const old = cluster.node(oldLeader);
    const writer = await startPrimaryWriter(e2e);
    await waitForWrites(writer, 20, 10_000);

    const stoppedAtMs = Date.now();
    old.process.signal('SIGSTOP');
    cleanups.add(async () => old.process.signal('SIGCONT'));
    const { leader } = await waitForNewLeader(cluster, oldLeader, FAILOVER_BOUND_MS);
    console.log(`[hang] ${oldLeader}'s agent stopped; ${leader} leads after ${Date.now() - stoppedAtMs} ms`);
    await waitForWrites(writer, 20, 15_000);

    const resumedAtMs = Date.now();
    old.process.signal('SIGCONT');
    await waitUntil(
      `${oldLeader} demoted`,
      async () =>
        (await restStatus(old))?.role === 'replica' && (await pgRole(old.connectionString)) === 'replica',
      30_000,
    );
    console.log(`[hang] ${oldLeader} is a replica ${Date.now() - resumedAtMs} ms after SIGCONT`);
    expect(await acceptsWrites(old.connectionString)).toBe(false);
    expect(await cluster.waitForAllRunning(60_000)).toBe(leader);
    await waitForReplication(e2e, old);
    expect(await primaries(cluster)).toEqual([leader]);

    const figures = await finishWriter('hang', writer);
    expect(figures.longestOutageMs).toBeLessThan(FAILOVER_BOUND_MS);
    expect(figures.lost).toBeLessThan(50);
  }, 180_000);
});
