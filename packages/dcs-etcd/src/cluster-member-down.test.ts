import { asLsn, type Dcs } from '@patroni/ha-core';
import { type EtcdCluster, startEtcdCluster } from '@patroni/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, type EtcdApi } from './backends.js';
import { contextFor, fastTiming, memberData, timed } from './test-helpers.js';

const OP_LIMIT_MS = fastTiming.retryTimeoutMs + 1_500;

let cluster: EtcdCluster;
beforeAll(async () => {
  cluster = await startEtcdCluster(3);
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

/** One HA-like cycle: read, renew, touch; every step must succeed within retry_timeout. */
async function cycle(dcs: Dcs): Promise<void> {
  const read = await timed(dcs.loadCluster());
  expect(read.error).toBeUndefined();
  expect(read.ms).toBeLessThan(OP_LIMIT_MS);
  const snapshot = read.result;
  if (!snapshot) throw new Error('no snapshot');
  expect(snapshot.leader?.name).toBe('pg1');
  const renew = await timed(dcs.renewLeader(snapshot, { lastLsn: asLsn(100) }));
  expect(renew.result).toBe(true);
  expect(renew.ms).toBeLessThan(OP_LIMIT_MS);
  const touch = await timed(dcs.touchMember(memberData('pg1', 5432, 'primary')));
  expect(touch.result).toBe(true);
  expect(touch.ms).toBeLessThan(OP_LIMIT_MS);
}

describe.each<EtcdApi>(['etcd3', 'etcd'])('%s: a member of a 3-node etcd cluster goes down', (api) => {
  it('the agent discovers the other members from the one configured host and keeps its lock', async () => {
    const first = cluster.members[0];
    if (!first) throw new Error('no cluster');
    const factory = backends[api];
    if (!factory) throw new Error(`no ${api} backend`);
    const dcs = await factory({ host: `127.0.0.1:${first.clientPort}` }, contextFor(`down-${api}`, 'pg1'));
    try {
      expect(await dcs.acquireLeader()).toBe(true);
      await cycle(dcs);
      await first.pause();
      try {
        for (let i = 0; i < 3; i++) await cycle(dcs);
      } finally {
        await first.restart();
      }
      await cycle(dcs);
    } finally {
      await dcs.close();
    }
  }, 60_000);
});
