import { createServer, type Server } from 'node:http';
import type { DcsFactoryContext, Logger } from '@patroni/ha-core';
import { startZooKeeper, waitUntil, type ZooKeeperServer } from '@patroni/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, createExhibitorKv } from './backends.js';
import { parseExhibitorConfig } from './config.js';

/**
 * Exhibitor cannot be installed here: these tests run against a small HTTP double of its one endpoint
 * (`GET /exhibitor/v1/cluster/list`), with a real ZooKeeper behind it.
 */
interface ExhibitorDouble {
  readonly port: number;
  answer: unknown;
  requests: number;
  close(): Promise<void>;
}

async function startExhibitorDouble(answer: unknown): Promise<ExhibitorDouble> {
  const double = { answer, requests: 0 } as ExhibitorDouble;
  const server: Server = createServer((request, response) => {
    double.requests += 1;
    if (request.url !== '/exhibitor/v1/cluster/list' || double.answer === null) {
      response.writeHead(request.url === '/exhibitor/v1/cluster/list' ? 503 : 404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(double.answer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  Object.assign(double, {
    port: address.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
  return double;
}

const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function context(scope: string): DcsFactoryContext {
  return {
    scope: { namespace: '/service/', scope, name: 'pg1' },
    timing: { ttlMs: 10_000, loopWaitMs: 2_000, retryTimeoutMs: 3_000 },
    logger: quietLogger,
  };
}

let zk: ZooKeeperServer;
beforeAll(async () => {
  zk = await startZooKeeper();
});
afterAll(async () => {
  await zk?.stop();
});

describe('exhibitor config', () => {
  it('defaults poll_interval to 300 s and names bad keys', () => {
    const config = parseExhibitorConfig({ hosts: ['e1', 'e2'], port: 8181 });
    expect(config.pollIntervalMs).toBe(300_000);
    expect(config.hosts).toEqual(['e1', 'e2']);
    expect(() => parseExhibitorConfig({ hosts: ['e1'] })).toThrow(/exhibitor\.port/);
    expect(() => parseExhibitorConfig({ hosts: ['e1'], port: 8181, poll_interval: 0 })).toThrow(
      /exhibitor\.poll_interval/,
    );
    expect(() => parseExhibitorConfig({ hosts: 'e1', port: 8181, set_acls: { x: ['FLY'] } })).toThrow(
      /exhibitor\.set_acls\.x\.0/,
    );
  });
});

describe('exhibitor backend against an HTTP double of Exhibitor and a real ZooKeeper', () => {
  it('waits for Exhibitor at startup, then works as the ZooKeeper backend', async () => {
    const double = await startExhibitorDouble(null);
    try {
      const config = parseExhibitorConfig({ hosts: ['127.0.0.1'], port: double.port, poll_interval: 300 });
      const starting = createExhibitorKv(config, context('exh-start'), { startupRetryMs: 50 });
      await waitUntil('a few refused polls', () => double.requests >= 2, 5_000);
      double.answer = { servers: ['127.0.0.1'], port: zk.port };
      const kv = await starting;
      try {
        expect((await kv.write('leader', 'pg1', { ephemeral: true, condition: { kind: 'absent' } })).ok).toBe(
          true,
        );
        expect((await kv.readAll({ consistent: true })).nodes.map((n) => n.key)).toEqual(['leader']);
      } finally {
        await kv.close();
      }
    } finally {
      await double.close();
    }
  });

  it('follows a changed server list on the next poll, keeping the session', async () => {
    // The ensemble moves from a dead address to the real server.
    const double = await startExhibitorDouble({ servers: ['127.0.0.1', 'localhost'], port: zk.port });
    try {
      const config = parseExhibitorConfig({ hosts: '127.0.0.1', port: double.port, poll_interval: 1 });
      const kv = await createExhibitorKv(config, context('exh-move'));
      try {
        expect(kv.zookeeperHosts()).toEqual([`127.0.0.1:${zk.port}`, `localhost:${zk.port}`]);
        await kv.write('members/pg1', '{}', { ephemeral: true });
        const session = kv.sessionId();
        double.answer = { servers: ['127.0.0.1'], port: zk.port };
        const before = double.requests;
        await waitUntil(
          'a poll after poll_interval',
          async () => {
            await kv.readAll({ consistent: false });
            return double.requests > before;
          },
          5_000,
        );
        expect(kv.zookeeperHosts()).toEqual([`127.0.0.1:${zk.port}`]);
        expect(kv.sessionId()).toBe(session);
        expect((await kv.readAll({ consistent: false })).nodes[0]?.session).toBe(session);
      } finally {
        await kv.close();
      }
    } finally {
      await double.close();
    }
  });

  it('is served as the `exhibitor` section and loads a cluster through KvDcs', async () => {
    const double = await startExhibitorDouble({ servers: ['127.0.0.1'], port: zk.port });
    try {
      const factory = backends.exhibitor;
      if (factory === undefined) throw new Error('no exhibitor factory');
      const dcs = await factory({ hosts: ['127.0.0.1'], port: double.port }, context('exh-dcs'));
      try {
        expect(await dcs.initialize(true, '')).toBe(true);
        expect(await dcs.acquireLeader()).toBe(true);
        const cluster = await dcs.loadCluster();
        expect(cluster.initialize).toBe('');
        expect(cluster.leader?.name).toBe('pg1');
      } finally {
        await dcs.close();
      }
      await expect(
        factory({ hosts: ['127.0.0.1'], port: double.port, use_ssl: true }, context('x')),
      ).rejects.toThrow(/exhibitor\.use_ssl/);
    } finally {
      await double.close();
    }
  });
});
