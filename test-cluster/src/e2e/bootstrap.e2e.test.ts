import { makeTempDir, startEtcd, waitUntil } from '@patroni/testkit';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startHaproxy } from '../harness/haproxy.js';
import { startPythonPatroniCluster } from '../python-patroni/index.js';
import { FAST_TIMING, ourAgentCommand } from './our-agent.js';

async function query(connectionString: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('our agent: a 3-node cluster on etcd', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('bootstraps, and a write through HAProxy is readable on both replicas', async () => {
    const dir = await makeTempDir('e2e-bootstrap');
    cleanups.push(dir.remove);
    const etcd = await startEtcd();
    cleanups.push(etcd.stop);
    const cluster = await startPythonPatroniCluster({
      nodes: 3,
      etcdEndpoint: etcd.endpoint,
      scope: 'e2e',
      timing: FAST_TIMING,
      dcs: 'etcd3',
      dir: dir.path,
      agentCommand: ourAgentCommand,
    });
    cleanups.push(async () => expect(await cluster.stopAll()).toEqual([]));
    const leader = await cluster.waitForAllRunning(90_000);
    const haproxy = await startHaproxy(
      dir.path,
      cluster.nodes.map((n) => ({ name: n.name, pgPort: n.pgPort, restPort: n.restPort })),
    );
    cleanups.push(haproxy.stop);
    await haproxy.waitSettled();
    const primaryUrl = cluster.node(leader).connectionString.replace(/:\d+\//, `:${haproxy.primaryPort}/`);
    await waitUntil(
      'HAProxy routes to the primary',
      async () => {
        await query(primaryUrl, 'CREATE TABLE IF NOT EXISTS e2e_probe (id int primary key, note text)');
        return true;
      },
      30_000,
    );
    await query(primaryUrl, "INSERT INTO e2e_probe VALUES (1, 'through haproxy') ON CONFLICT DO NOTHING");
    for (const replica of cluster.nodes.filter((n) => n.name !== leader)) {
      await waitUntil(
        `row visible on ${replica.name}`,
        async () => {
          const rows = await query(replica.connectionString, 'SELECT note FROM e2e_probe WHERE id = 1');
          return rows.length === 1;
        },
        30_000,
      );
    }
    const listed = await cluster.patronictl(['list', '-f', 'json']);
    expect(listed.exitCode).toBe(0);
    const members = JSON.parse(listed.stdout) as { Member: string; Role: string }[];
    expect(members.map((m) => m.Role).sort()).toEqual(['Leader', 'Replica', 'Replica']);
  }, 240_000);
});
