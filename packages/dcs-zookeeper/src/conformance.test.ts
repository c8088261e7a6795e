import { randomUUID } from 'node:crypto';
import { BACKEND_VERSION_SOURCES, type DcsKv, type KvTiming, type Logger } from '@patroni/ha-core';
import { type DcsConformanceFixture, runDcsConformance } from '@patroni/ha-core/testing';
import { startTcpProxy, startZooKeeper, type ZooKeeperServer } from '@patroni/testkit';
import { afterAll, beforeAll } from 'vitest';
import { parseZooKeeperConfig } from './config.js';
import { ZooKeeperKv } from './zookeeper-kv.js';

const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const timing: KvTiming = { ttlMs: 4_000, loopWaitMs: 1_000, retryTimeoutMs: 1_500 };

let server: ZooKeeperServer;
beforeAll(async () => {
  server = await startZooKeeper();
});
afterAll(async () => {
  await server?.stop();
});

/**
 * Every fixture gets its own scope and its own TCP proxy in front of the shared server: cutting the proxy
 * makes ZooKeeper unreachable for that fixture's agents only. A frozen agent is played by closing its
 * client without ending the session, which ZooKeeper then expires after ttl.
 */
async function zookeeperFixture(): Promise<DcsConformanceFixture> {
  const scope = { namespace: '/service/', scope: `conformance-${randomUUID()}` };
  const proxy = await startTcpProxy(server.port);
  const agents: DcsKv[] = [];
  const open = (hosts: string, agentTiming: KvTiming) =>
    new ZooKeeperKv({
      config: parseZooKeeperConfig({ hosts }),
      scope,
      timing: agentTiming,
      logger: quietLogger,
    });
  return {
    timing,
    parseOptions: BACKEND_VERSION_SOURCES.zookeeper,
    async newAgent(_memberName, agentTiming) {
      const kv = open(proxy.connectString, agentTiming ?? timing);
      agents.push(kv);
      return kv;
    },
    async makeUnreachable() {
      proxy.cut();
    },
    async restore() {
      proxy.restore();
    },
    async expireSession(kv) {
      await kv.close({ keepSession: true });
    },
    async cleanup() {
      await Promise.all(agents.map((kv) => kv.close()));
      await proxy.close();
      const admin = open(server.connectString, timing);
      await admin.removeAll();
      await admin.close();
    },
  };
}

runDcsConformance('zookeeper', zookeeperFixture);
