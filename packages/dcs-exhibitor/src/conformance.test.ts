import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { BACKEND_VERSION_SOURCES, type DcsKv, type KvTiming, type Logger } from '@patroni/ha-core';
import { type DcsConformanceFixture, runDcsConformance } from '@patroni/ha-core/testing';
import { startTcpProxy, startZooKeeper, type ZooKeeperServer } from '@patroni/testkit';
import { afterAll, beforeAll } from 'vitest';
import { createExhibitorKv } from './backends.js';
import { parseExhibitorConfig } from './config.js';

const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const timing: KvTiming = { ttlMs: 4_000, loopWaitMs: 1_000, retryTimeoutMs: 1_500 };

let zookeeper: ZooKeeperServer;
/** An HTTP double of Exhibitor's `cluster/list` (Exhibitor cannot be installed here). */
let exhibitor: Server;
let exhibitorPort = 0;
/** The ZooKeeper port the double hands out: the current fixture's proxy (cases run one at a time). */
let ensemblePort: number | undefined;

beforeAll(async () => {
  zookeeper = await startZooKeeper();
  exhibitor = createServer((request, response) => {
    const port = ensemblePort;
    if (request.url !== '/exhibitor/v1/cluster/list' || port === undefined) {
      response.writeHead(404).end();
      return;
    }
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ servers: ['127.0.0.1'], port }));
  });
  await new Promise<void>((resolve) => exhibitor.listen(0, '127.0.0.1', resolve));
  const address = exhibitor.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  exhibitorPort = address.port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => exhibitor?.close(() => resolve()));
  await zookeeper?.stop();
});

/**
 * Like the ZooKeeper fixture, behind Exhibitor: the double hands out the fixture's TCP proxy in front of
 * the real ZooKeeper, so cutting the proxy makes the store unreachable for that fixture's agents.
 */
async function exhibitorFixture(): Promise<DcsConformanceFixture> {
  const scopeName = `conformance-${randomUUID()}`;
  const proxy = await startTcpProxy(zookeeper.port);
  const proxyPort = Number(proxy.connectString.split(':')[1]);
  ensemblePort = proxyPort;
  const agents: DcsKv[] = [];
  const open = async (agentTiming: KvTiming) =>
    createExhibitorKv(
      parseExhibitorConfig({ hosts: ['127.0.0.1'], port: exhibitorPort, poll_interval: 300 }),
      {
        scope: { namespace: '/service/', scope: scopeName, name: 'conformance' },
        timing: agentTiming,
        logger: quietLogger,
      },
    );
  return {
    timing,
    parseOptions: BACKEND_VERSION_SOURCES.zookeeper,
    async newAgent(_memberName, agentTiming) {
      const kv = await open(agentTiming ?? timing);
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
      const admin = await open(timing);
      await admin.removeAll();
      await admin.close();
      await proxy.close();
    },
  };
}

runDcsConformance('exhibitor', exhibitorFixture);
