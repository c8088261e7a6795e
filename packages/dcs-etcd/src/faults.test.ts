import { type Dcs, isDcsUnavailable } from '@patroni/ha-core';
import { type EtcdServer, startEtcd, waitUntil } from '@patroni/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, type EtcdApi } from './backends.js';
import { contextFor, fastTiming, memberData, timed } from './test-helpers.js';

// fastTiming.retryTimeoutMs = 3 s; the slack covers the last attempt's deadline and process scheduling.
const DEADLINE_MS = fastTiming.retryTimeoutMs + 1_500;

describe.each<EtcdApi>(['etcd3', 'etcd'])('%s: etcd faults', (api) => {
  let etcd: EtcdServer;
  const open: Dcs[] = [];

  async function agent(scope: string, name: string, server: EtcdServer = etcd): Promise<Dcs> {
    const factory = backends[api];
    if (!factory) throw new Error(`no ${api} backend`);
    const dcs = await factory({ host: `127.0.0.1:${server.clientPort}` }, contextFor(scope, name));
    open.push(dcs);
    return dcs;
  }

  beforeAll(async () => {
    etcd = await startEtcd();
  });
  afterAll(async () => {
    await Promise.all(open.map((d) => d.close({ keepSession: true }).catch(() => {})));
    await etcd?.stop();
  });

  it('etcd stopped: renewal and reads fail with DcsUnavailableError in time, watch waits; then reconnects', async () => {
    const dcs = await agent('stopped', 'pg1');
    expect(await dcs.touchMember(memberData('pg1', 5432, 'primary'))).toBe(true);
    expect(await dcs.acquireLeader()).toBe(true);
    const cluster = await dcs.loadCluster();
    expect(cluster.leader?.name).toBe('pg1');

    await etcd.pause();
    const renewal = await timed(dcs.renewLeader(cluster));
    expect(renewal.result).toBeUndefined();
    expect(isDcsUnavailable(renewal.error)).toBe(true);
    expect(renewal.ms).toBeLessThan(DEADLINE_MS);
    const read = await timed(dcs.loadCluster());
    expect(isDcsUnavailable(read.error)).toBe(true);
    expect(read.ms).toBeLessThan(DEADLINE_MS);
    expect(await dcs.touchMember(memberData('pg1', 5432, 'primary'))).toBe(false);
    const watch = await timed(dcs.watch(cluster.leader?.version ?? null, 1_500));
    expect(watch.result).toBe(false);
    expect(watch.ms).toBeGreaterThanOrEqual(1_400);

    await etcd.restart();
    await waitUntil('the agent reaches etcd again', async () => (await dcs.loadCluster()) !== null, 10_000);
    // v3: the lease survived the restart; v2: the key's TTL may have run out and renewal re-creates it.
    expect(await dcs.renewLeader(await dcs.loadCluster())).toBe(true);
    expect((await dcs.loadCluster()).leader?.name).toBe('pg1');
  });

  it('etcd hung (SIGSTOP): operations end with DcsUnavailableError within retry_timeout', async () => {
    // An etcd of its own: the shared one was stopped and relaunched on its old port by the previous test, and
    // another test file's etcd may have taken that port meanwhile (SIGSTOP would then hang the wrong server).
    const hung = await startEtcd();
    const dcs = await agent('hung', 'pg1', hung);
    expect(await dcs.acquireLeader()).toBe(true);
    const cluster = await dcs.loadCluster();
    expect(hung.process.isRunning()).toBe(true);
    hung.process.signal('SIGSTOP');
    try {
      const renewal = await timed(dcs.renewLeader(cluster));
      expect(isDcsUnavailable(renewal.error)).toBe(true);
      expect(renewal.ms).toBeLessThan(DEADLINE_MS);
      const acquire = await timed(dcs.acquireLeader());
      expect(isDcsUnavailable(acquire.error)).toBe(true);
      expect(acquire.ms).toBeLessThan(DEADLINE_MS);
    } finally {
      hung.process.signal('SIGCONT');
    }
    try {
      await waitUntil(
        'etcd answers after SIGCONT',
        async () => (await dcs.loadCluster()).leader !== null,
        10_000,
      );
    } finally {
      await dcs.close().catch(() => {});
      await hung.stop();
    }
  });

  it('a lock lost while etcd was away is not reported as held', async () => {
    const a = await agent('lost', 'pg1');
    const b = await agent('lost', 'pg2');
    expect(await a.acquireLeader()).toBe(true);
    const seenByA = await a.loadCluster();
    // pg1's key goes away (as on expiry) and pg2 takes the lock.
    expect(await a.releaseLeader()).toBe(true);
    expect(await b.acquireLeader()).toBe(true);
    // etcd3 serves a's reads from its watch cache: pg2 shows once the watch delivered the event.
    let fresh = await a.loadCluster();
    await waitUntil(
      'pg1 sees pg2 as leader',
      async () => {
        fresh = await a.loadCluster();
        return fresh.leader?.name === 'pg2';
      },
      5_000,
    );
    expect(seenByA.leader?.name).toBe('pg1');
    expect(await a.renewLeader(fresh)).toBe(false);
    expect((await b.loadCluster()).leader?.name).toBe('pg2');
  });
});
