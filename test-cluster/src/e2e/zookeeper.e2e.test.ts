import { waitUntil } from '@patroni/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import {
  acceptsWrites,
  Cleanups,
  FAILOVER_BOUND_MS,
  FAST_TIMING,
  finishWriter,
  listMembers,
  primaries,
  startE2eCluster,
  startPrimaryWriter,
  waitForNewLeader,
  waitForReplication,
  waitForWrites,
} from './support.js';

// The core scenarios again with ZooKeeper as the DCS (@patroni/dcs-zookeeper): bootstrap, switchover, kill -9
// failover, DCS outage. One cluster, scenarios in sequence.
describe('our agent on ZooKeeper', () => {
  const cleanups = new Cleanups();
  afterAll(() => cleanups.run());

  it('bootstraps, switches over, fails over after kill -9, and survives a ZooKeeper outage', async () => {
    const e2e = await startE2eCluster('zookeeper', cleanups, { dcs: 'zookeeper' });
    const { cluster } = e2e;
    const first = await cluster.waitForLeader();
    expect((await listMembers(e2e.ctl)).map((m) => m.Role).sort()).toEqual(['Leader', 'Replica', 'Replica']);

    const writer = await startPrimaryWriter(e2e);
    await waitForWrites(writer, 10, 10_000);
    const candidate = cluster.nodes.find((n) => n.name !== first)?.name ?? '';
    const switched = await e2e.ctl(['switchover', '--primary', first, '--candidate', candidate, '--force']);
    expect(switched.exitCode, switched.stderr + switched.stdout).toBe(0);
    await waitForNewLeader(cluster, first, 30_000);
    await waitForWrites(writer, 10, 15_000);
    for (const node of cluster.nodes.filter((n) => n.name !== candidate)) await waitForReplication(e2e, node);

    await cluster.node(candidate).kill9();
    const { leader, elapsedMs } = await waitForNewLeader(cluster, candidate, FAILOVER_BOUND_MS);
    console.log(`[zookeeper] ${candidate} killed; ${leader} answers /primary after ${elapsedMs} ms`);
    await waitForWrites(writer, 10, 15_000);
    cluster.node(candidate).start();
    await cluster.waitForAllRunning(60_000);

    const leaderUrl = cluster.node(leader).connectionString;
    const pausedAtMs = Date.now();
    await e2e.dcsServer.pause();
    await waitUntil(
      'the primary refuses writes',
      async () => !(await acceptsWrites(leaderUrl)),
      FAST_TIMING.ttl * 1000,
    );
    console.log(
      `[zookeeper] ZooKeeper stopped: ${leader} refuses writes after ${Date.now() - pausedAtMs} ms`,
    );
    expect(await primaries(cluster)).toEqual([]);
    await e2e.dcsServer.restart();
    await cluster.waitForLeader(60_000);
    await waitForWrites(writer, 10, 60_000);
    const figures = await finishWriter('zookeeper', writer);
    expect(figures.lost).toBeLessThan(50);
  }, 300_000);
});
