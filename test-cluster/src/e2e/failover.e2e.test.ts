import { waitUntil } from '@patroni/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Cleanups,
  FAILOVER_BOUND_MS,
  finishWriter,
  pgRole,
  restStatus,
  startE2eCluster,
  startPrimaryWriter,
  waitForNewLeader,
  waitForReplication,
  waitForWrites,
} from './support.js';

describe('our agent: kill -9 of the leader (agent and postmaster)', () => {
  const cleanups = new Cleanups();
  afterAll(() => cleanups.run());

  it('fails over within ttl + loop_wait, HAProxy follows, the old leader rejoins as a replica', async () => {
    const e2e = await startE2eCluster('failover', cleanups);
    const { cluster } = e2e;
    const oldLeader = await cluster.waitForLeader();
    const writer = await startPrimaryWriter(e2e);
    await waitForWrites(writer, 20, 10_000);

    const killedAtMs = Date.now();
    await cluster.node(oldLeader).kill9();
    const { leader, elapsedMs } = await waitForNewLeader(cluster, oldLeader, FAILOVER_BOUND_MS);
    console.log(`[failover] ${oldLeader} killed; ${leader} answers /primary after ${elapsedMs} ms`);
    await waitForWrites(writer, 20, 15_000);
    const figures = await finishWriter('failover', writer);
    console.log(`[failover] writes through HAProxy resumed ${Date.now() - killedAtMs} ms after the kill`);
    expect(figures.longestOutageMs).toBeLessThan(FAILOVER_BOUND_MS);
    // Asynchronous replication: a kill can lose the last few acknowledged writes, never more than a moment's.
    expect(figures.lost).toBeLessThan(50);

    cluster.node(oldLeader).start();
    await cluster.waitForAllRunning(60_000);
    const rejoined = cluster.node(oldLeader);
    await waitUntil(
      `${oldLeader} streams as a replica`,
      async () =>
        (await restStatus(rejoined))?.role === 'replica' &&
        (await pgRole(rejoined.connectionString)) === 'replica',
      30_000,
    );
    await waitForReplication(e2e, rejoined);
  }, 180_000);
});
