import { startTcpProxy, type TcpProxy, waitUntil } from '@patroni/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import {
  acceptsWrites,
  Cleanups,
  FAILOVER_BOUND_MS,
  FAST_TIMING,
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

describe('our agent: the primary loses etcd (network partition), the rest of the cluster does not', () => {
  const cleanups = new Cleanups();
  afterAll(() => cleanups.run());

  it('the isolated primary stops writes within ttl, another node takes over, one primary after healing', async () => {
    const proxies: TcpProxy[] = [];
    const e2e = await startE2eCluster('partition', cleanups, {
      // Each node reaches etcd through its own proxy, so one node alone can be cut off.
      beforeAgents: async (etcd) => {
        for (let i = 0; i < 3; i++) {
          const proxy = await startTcpProxy(etcd.clientPort);
          cleanups.add(() => proxy.close());
          proxies.push(proxy);
        }
        return {
          nodeEtcdEndpoint: (_name, index) => proxies[index]?.connectString,
          // Patroni's switch to take `hosts` as proxies: no discovery of etcd's own client URLs past them.
          patchConfig: (config) => ({ ...config, etcd3: { ...(config.etcd3 as object), use_proxies: true } }),
        };
      },
    });
    const { cluster } = e2e;
    const oldLeader = await cluster.waitForLeader();
    const oldIndex = cluster.nodes.findIndex((n) => n.name === oldLeader);
    const old = cluster.node(oldLeader);
    const writer = await startPrimaryWriter(e2e);
    await waitForWrites(writer, 20, 10_000);

    const cutAtMs = Date.now();
    proxies[oldIndex]?.cut();
    await waitUntil(
      `${oldLeader} refuses writes`,
      async () => !(await acceptsWrites(old.connectionString)),
      FAST_TIMING.ttl * 1000,
    );
    const refusedAfterMs = Date.now() - cutAtMs;
    const { leader } = await waitForNewLeader(cluster, oldLeader, FAILOVER_BOUND_MS);
    const takenOverAfterMs = Date.now() - cutAtMs;
    console.log(
      `[partition] ${oldLeader} cut off: refuses writes after ${refusedAfterMs} ms, ${leader} leads after ${takenOverAfterMs} ms`,
    );
    expect(refusedAfterMs).toBeLessThan(FAST_TIMING.ttl * 1000);
    expect(await primaries(cluster)).toEqual([leader]);
    await waitForWrites(writer, 20, 15_000);

    proxies[oldIndex]?.restore();
    await waitUntil(
      `${oldLeader} follows ${leader} as a replica`,
      async () =>
        (await restStatus(old))?.role === 'replica' && (await pgRole(old.connectionString)) === 'replica',
      60_000,
    );
    expect(await cluster.waitForAllRunning(60_000)).toBe(leader);
    await waitForReplication(e2e, old);
    expect(await primaries(cluster)).toEqual([leader]);
    const figures = await finishWriter('partition', writer);
    expect(figures.longestOutageMs).toBeLessThan(FAILOVER_BOUND_MS);
    expect(figures.lost).toBeLessThan(50);
  }, 180_000);
});
