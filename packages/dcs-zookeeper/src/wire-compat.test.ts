import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { asLsn, type Dcs, type DcsFactoryContext, type Logger } from '@patroni/ha-core';
import { makeTempDir, startZooKeeper, type ZooKeeperServer } from '@patroni/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './backends.js';
import { longToString, type ZkNativeClient, zk } from './native-client.js';

const REFERENCE = '/work/shared/reference/patroni-3.0.2/etcd_get_prefix_service.json';
const PATRONICTL = '/usr/bin/patronictl';
const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

let server: ZooKeeperServer;
beforeAll(async () => {
  server = await startZooKeeper();
});
afterAll(async () => {
  await server?.stop();
});

function context(scope: string, name: string): DcsFactoryContext {
  return {
    scope: { namespace: '/service/', scope, name },
    timing: { ttlMs: 10_000, loopWaitMs: 2_000, retryTimeoutMs: 3_000 },
    logger: quietLogger,
  };
}

async function openDcs(scope: string, name: string): Promise<Dcs> {
  const factory = backends.zookeeper;
  if (factory === undefined) throw new Error('no zookeeper factory');
  return factory({ hosts: server.connectString }, context(scope, name));
}

/** A plain client standing in for kazoo: writes znodes at Patroni's paths, nothing of ours involved. */
async function rawClient(): Promise<ZkNativeClient> {
  const client = zk.createClient(server.connectString, {
    sessionTimeout: 10_000,
    spinDelay: 100,
    retries: 0,
  });
  await new Promise<void>((resolve) => {
    client.on('state', (state) => state.code === zk.State.SYNC_CONNECTED.code && resolve());
    client.connect();
  });
  return client;
}

function createZnode(client: ZkNativeClient, path: string, value: string, ephemeral: boolean): Promise<void> {
  const parents = path.split('/').slice(1, -1);
  const acl = [new zk.ACL(zk.Permission.ALL, new zk.Id('world', 'anyone'))];
  const create = (p: string, data: string, mode: number) =>
    new Promise<void>((resolve, reject) =>
      client.create(p, Buffer.from(data), acl, mode, (error) =>
        error === null || error.getCode() === zk.Exception.NODE_EXISTS ? resolve() : reject(error),
      ),
    );
  return parents
    .reduce(
      (chain, _, i) =>
        chain.then(() => create(`/${parents.slice(0, i + 1).join('/')}`, '', zk.CreateMode.PERSISTENT)),
      Promise.resolve(),
    )
    .then(() => create(path, value, ephemeral ? zk.CreateMode.EPHEMERAL : zk.CreateMode.PERSISTENT));
}

interface EtcdKv {
  key: string;
  value: string;
  lease?: number;
}

describe('wire compatibility with Python Patroni on ZooKeeper', () => {
  it('reads a cluster laid out the way Patroni 3.0.2 (kazoo) writes it', async () => {
    const dump = JSON.parse(await readFile(REFERENCE, 'utf8')) as { kvs: EtcdKv[] };
    const raw = await rawClient();
    try {
      for (const kv of dump.kvs) {
        const path = Buffer.from(kv.key, 'base64').toString('utf8');
        const value = Buffer.from(kv.value, 'base64').toString('utf8');
        // Leader and member keys are ephemeral znodes of the writer's session on ZooKeeper.
        await createZnode(raw, path, value, kv.lease !== undefined);
      }
      const rawSession = longToString(raw.getSessionId());
      const dcs = await openDcs('bench', 'observer');
      try {
        const cluster = await dcs.loadCluster({ consistent: true });
        expect(cluster.initialize).toBe('7712418725868607391');
        expect(cluster.leader?.name).toBe('node2');
        expect(cluster.leader?.session).toBe(rawSession);
        expect(cluster.leader?.member.data.role).toBe('master');
        expect(cluster.members.map((m) => m.name).sort()).toEqual(['node1', 'node2', 'node3']);
        expect(cluster.members.every((m) => m.session === rawSession && m.isRunning)).toBe(true);
        expect(cluster.members.find((m) => m.name === 'node1')?.lsn).toBe(asLsn(67282344));
        expect(cluster.config?.data.ttl).toBe(30);
        // ZooKeeper's config modify version is the znode's mzxid, as Patroni reads it.
        expect(Number(cluster.config?.modifyVersion)).toBeGreaterThan(0);
        expect(cluster.config?.version).toBe('0');
        expect(cluster.status.lastLsn).toBe(asLsn(67282344));
        expect(cluster.history?.lines).toHaveLength(1);
        expect(cluster.history?.lines[0]?.[4]).toBe('node2');
        expect(cluster.failover?.leader ?? null).toBeNull();
        expect(cluster.problems).toEqual([]);
      } finally {
        await dcs.close();
      }
    } finally {
      raw.close();
    }
  });

  it.skipIf(!existsSync(PATRONICTL))('Python patronictl lists the members our backend wrote', async () => {
    const scope = 'tscluster';
    const pg1 = await openDcs(scope, 'pg1');
    const pg2 = await openDcs(scope, 'pg2');
    const dir = await makeTempDir('patronictl');
    try {
      expect(await pg1.initialize(true, '')).toBe(true);
      expect(await pg1.initialize(false, '7393482938429384723')).toBe(true);
      expect(await pg1.setConfig('{"ttl":30,"loop_wait":10,"retry_timeout":10}', null)).toBe(true);
      expect(await pg1.acquireLeader()).toBe(true);
      const member = (port: number, role: string) => ({
        conn_url: `postgres://10.0.0.${port}:5432/postgres`,
        api_url: `http://10.0.0.${port}:8008/patroni`,
        state: 'running',
        role,
        version: '4.1.0',
        xlog_location: 50331648,
        timeline: 1,
      });
      expect(await pg1.touchMember(member(1, 'primary'))).toBe(true);
      expect(await pg2.touchMember(member(2, 'replica'))).toBe(true);

      const cfg = join(dir.path, 'patronictl.yml');
      await writeFile(
        cfg,
        `scope: ${scope}\nnamespace: /service/\nzookeeper:\n  hosts: ['${server.connectString}']\n`,
      );
      const run = promisify(execFile);
      const { stdout } = await run(PATRONICTL, ['-c', cfg, 'list', '-f', 'json'], {
        env: { ...process.env, HOME: dir.path },
        timeout: 30_000,
      });
      const rows = JSON.parse(stdout) as { Member: string; Host: string; Role: string; State: string }[];
      expect(rows.map((r) => [r.Member, r.Host, r.Role, r.State])).toEqual([
        ['pg1', '10.0.0.1', 'Leader', 'running'],
        ['pg2', '10.0.0.2', 'Replica', 'running'],
      ]);
    } finally {
      await Promise.all([pg1.close(), pg2.close()]);
      await dir.remove();
    }
  });
});
