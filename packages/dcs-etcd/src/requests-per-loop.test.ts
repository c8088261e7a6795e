import {
  asLsn,
  BACKEND_VERSION_SOURCES,
  type Cluster,
  clusterBasePath,
  KvDcs,
  type KvTiming,
} from '@patroni/ha-core';
import { type EtcdServer, startEtcd } from '@patroni/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EtcdApi } from './backends.js';
import { parseEtcdConfig } from './config.js';
import type { RequestCounter } from './request-counter.js';
import { memberData, memoryLogger } from './test-helpers.js';
import { createEtcd2Kv } from './v2/create-etcd2-kv.js';
import { createEtcd3Kv } from './v3/create-etcd3-kv.js';

const TIMING: KvTiming = { ttlMs: 10_000, loopWaitMs: 1_000, retryTimeoutMs: 3_000 };
const CYCLES = 4;

let etcd: EtcdServer;
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd?.stop();
});

interface Agent {
  readonly name: string;
  readonly dcs: KvDcs;
  readonly requests: RequestCounter;
}

async function makeAgent(api: EtcdApi, scope: string, name: string): Promise<Agent> {
  const config = parseEtcdConfig(api, { host: `127.0.0.1:${etcd.clientPort}` });
  const scopeInfo = { namespace: 'service', scope, name };
  const options = { basePath: clusterBasePath(scopeInfo), timing: TIMING, logger: memoryLogger() };
  const kv = api === 'etcd3' ? await createEtcd3Kv(config, options) : await createEtcd2Kv(config, options);
  const dcs = new KvDcs(kv, scopeInfo, {
    logger: options.logger,
    parseOptions: BACKEND_VERSION_SOURCES[api],
  });
  dcs.setTiming(TIMING);
  return { name, dcs, requests: kv.requests };
}

/** What an agent does with the DCS in one steady HA cycle (ha-loop.md: read, renew or not, touch, wait). */
async function steadyCycle(agent: Agent, port: number): Promise<void> {
  const cluster: Cluster = await agent.dcs.loadCluster();
  const leader = cluster.leader?.name === agent.name;
  if (leader) expect(await agent.dcs.renewLeader(cluster, { lastLsn: asLsn(67282344) })).toBe(true);
  expect(await agent.dcs.touchMember(memberData(agent.name, port, leader ? 'primary' : 'replica'))).toBe(
    true,
  );
  await agent.dcs.watch(leader ? null : (cluster.leader?.version ?? null), TIMING.loopWaitMs);
}

describe.each<EtcdApi>(['etcd3', 'etcd'])(
  '%s: requests per agent per HA cycle, steady 3-node cluster',
  (api) => {
    it('stays within Patroni’s budget (keep-alive + read, member write only on change)', async () => {
      const agents = await Promise.all(['pg1', 'pg2', 'pg3'].map((n) => makeAgent(api, `count-${api}`, n)));
      try {
        const [first] = agents;
        if (!first) throw new Error('no agents');
        expect(await first.dcs.acquireLeader()).toBe(true);
        // Warm-up cycle: leases granted, member keys written once.
        await Promise.all(agents.map((a, i) => steadyCycle(a, 5432 + i)));
        for (const a of agents) a.requests.reset();
        for (let c = 0; c < CYCLES; c++) await Promise.all(agents.map((a, i) => steadyCycle(a, 5432 + i)));
        const perCycle = agents.map((a) => {
          const counts = a.requests.snapshot();
          const { watch = 0, ...rest } = counts;
          const requests = Object.values(rest).reduce((s, n) => s + n, 0) / CYCLES;
          return { name: a.name, requests, watches: watch / CYCLES, counts };
        });
        console.log(
          `${api}: requests per agent per HA cycle (excluding watches): ${JSON.stringify(perCycle)}`,
        );
        for (const agent of perCycle) {
          // Patroni: one keep-alive (etcd3) + one read, member write only when changed; etcd v2 rewrites
          // member (and, for the leader, leader) keys with their TTL every cycle and has no keep-alive.
          const budget = api === 'etcd3' ? 2 : agent.name === 'pg1' ? 3 : 2;
          expect(agent.requests).toBeLessThanOrEqual(budget);
          expect(agent.counts.put ?? 0).toBeLessThanOrEqual(api === 'etcd3' ? 0 : 2 * CYCLES);
          // etcd3: every wait, the leader's member watch included, rides the one cluster watch stream.
          // etcd v2: a replica long-polls the leader key; the leader steps over each member rewrite (3 here).
          expect(agent.watches).toBeLessThanOrEqual(api === 'etcd3' ? 0 : agent.name === 'pg1' ? 4 : 1);
        }
      } finally {
        await Promise.all(agents.map((a) => a.dcs.close()));
      }
    }, 60_000);
  },
);
