import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { asLsn, clusterTimeline, type Dcs, failoverPresent } from '@patroni/ha-core';
import { type EtcdServer, makeTempDir, startEtcd, waitUntil } from '@patroni/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, type EtcdApi } from './backends.js';
import { contextFor, gatewayPost, memberData } from './test-helpers.js';

const run = promisify(execFile);

/** What Python Patroni 3.0.2 had written into etcd (`etcdctl get --prefix /service -w json`). */
interface RangeDump {
  kvs: { key: string; value: string; lease?: number }[];
}
const dump = JSON.parse(
  readFileSync(new URL('./testdata/python-patroni-3.0.2-range.json', import.meta.url), 'utf8'),
) as RangeDump;
const pythonKeys = dump.kvs.map((kv) => ({
  key: Buffer.from(kv.key, 'base64').toString(),
  value: Buffer.from(kv.value, 'base64').toString(),
  leased: kv.lease !== undefined,
}));

/** Loads the dump: ephemeral keys on leases, as Python wrote them (leader + its member share one lease). */
async function loadDumpV3(endpoint: string): Promise<void> {
  const grant = async () => String((await gatewayPost(endpoint, '/lease/grant', { TTL: 30 })).ID);
  const leaderLease = await grant();
  const leaderName = pythonKeys.find((k) => k.key.endsWith('/leader'))?.value;
  for (const { key, value, leased } of pythonKeys) {
    let lease: string | undefined;
    if (leased) {
      lease = key.endsWith('/leader') || key.endsWith(`/members/${leaderName}`) ? leaderLease : undefined;
      lease ??= await grant();
    }
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    await gatewayPost(endpoint, '/kv/put', { key: b64(key), value: b64(value), ...(lease ? { lease } : {}) });
  }
}

async function loadDumpV2(endpoint: string): Promise<void> {
  for (const { key, value, leased } of pythonKeys) {
    const body = new URLSearchParams({ value, ...(leased ? { ttl: '30' } : {}) });
    const response = await fetch(`${endpoint}/v2/keys${key}`, { method: 'PUT', body });
    if (!response.ok) throw new Error(`PUT ${key}: HTTP ${response.status}`);
  }
}

describe.each<EtcdApi>(['etcd3', 'etcd'])('%s: wire compatibility with Python Patroni', (api) => {
  let etcd: EtcdServer;
  const open: Dcs[] = [];
  let tmp: { path: string; remove(): Promise<void> };

  async function agent(scope: string, name: string): Promise<Dcs> {
    const factory = backends[api];
    if (!factory) throw new Error(`no ${api} backend`);
    const dcs = await factory({ hosts: [`127.0.0.1:${etcd.clientPort}`] }, contextFor(scope, name));
    open.push(dcs);
    return dcs;
  }

  beforeAll(async () => {
    etcd = await startEtcd();
    tmp = await makeTempDir('patronictl');
  });
  afterAll(async () => {
    await Promise.all(open.map((d) => d.close().catch(() => {})));
    await etcd?.stop();
    await tmp?.remove();
  });

  it('reads the cluster Python Patroni 3.0.2 wrote', async () => {
    if (api === 'etcd3') await loadDumpV3(etcd.endpoint);
    else await loadDumpV2(etcd.endpoint);
    const dcs = await agent('bench', 'reader');
    const cluster = await dcs.loadCluster();
    expect(cluster.problems).toEqual([]);
    expect(cluster.initialize).toBe('7712418725868607391');
    expect(cluster.leader?.name).toBe('node2');
    expect(cluster.leader?.member.data.role).toBe('master');
    expect(cluster.members.map((m) => [m.name, m.data.role, m.isRunning])).toEqual([
      ['node1', 'replica', true],
      ['node2', 'master', true],
      ['node3', 'replica', true],
    ]);
    expect(cluster.config?.data.ttl).toBe(30);
    expect(cluster.config?.modifyVersion).toBeTruthy();
    expect(cluster.status.lastLsn).toBe(67282344);
    expect(clusterTimeline(cluster)).toBe(2);
    expect(failoverPresent(cluster.failover)).toBe(false);
    if (api === 'etcd3') {
      expect(cluster.leader?.session).toMatch(/^\d+$/);
      expect(cluster.leader?.session).toBe(cluster.members.find((m) => m.name === 'node2')?.session);
    } else {
      expect(Number(cluster.leader?.version)).toBeGreaterThan(0);
    }
  });

  it('patronictl (Python) lists the members and shows the config our backend wrote', async () => {
    const scope = `ours-${api}`;
    const pg1 = await agent(scope, 'pg1');
    const pg2 = await agent(scope, 'pg2');
    expect(await pg1.initialize(true, '7712418725868607391')).toBe(true);
    const config = '{"ttl":30,"loop_wait":10,"retry_timeout":10,"maximum_lag_on_failover":1048576}';
    expect(await pg1.setConfig(config, null)).toBe(true);
    expect(await pg1.acquireLeader()).toBe(true);
    expect(await pg1.touchMember(memberData('pg1', 15432, 'primary'))).toBe(true);
    expect(
      await pg2.touchMember({ ...memberData('pg2', 15433, 'replica'), replication_state: 'streaming' }),
    ).toBe(true);
    expect(
      await pg1.setHistory(
        '[[1,67280280,"no recovery target specified","2026-11-26T10:03:51.516755+00:00","pg1"]]',
      ),
    ).toBe(true);
    expect(await pg1.writeStatus({ lastLsn: asLsn(67282344) })).toBe(true);
    expect(await pg1.setFailover({}, null)).toBe(true);

    const cfg = join(tmp.path, `${scope}.yml`);
    const section = api === 'etcd3' ? 'etcd3' : 'etcd';
    await writeFile(cfg, `scope: ${scope}\n${section}:\n  host: 127.0.0.1:${etcd.clientPort}\n`);
    const patronictl = async (...args: string[]) => {
      try {
        return (await run('patronictl', ['-c', cfg, ...args], { timeout: 30_000 })).stdout;
      } catch (error) {
        throw new Error(
          `patronictl ${args.join(' ')} could not be run (Debian package 'patroni'): ${String(error)}`,
        );
      }
    };
    const listed = JSON.parse(await patronictl('list', '-f', 'json')) as Record<string, unknown>[];
    expect(listed.map((m) => [m.Member, m.Role, m.State, m.TL])).toEqual([
      ['pg1', 'Leader', 'running', 2],
      ['pg2', 'Replica', 'running', 2],
    ]);
    const table = await patronictl('list');
    expect(table).toContain(`Cluster: ${scope}`);
    expect(table).toMatch(/pg1\s*\|\s*127\.0\.0\.1:15432\s*\|\s*Leader/);
    expect(table).toMatch(/pg2\s*\|\s*127\.0\.0\.1:15433\s*\|\s*Replica/);
    const shown = await patronictl('show-config');
    expect(shown).toContain('ttl: 30');
    expect(shown).toContain('maximum_lag_on_failover: 1048576');

    // patronictl edit-config writes with a CAS on the version it read; we read its write.
    await patronictl('edit-config', '--set', 'loop_wait=5', '--force');
    // etcd3 may serve pg1's read from its watch cache: the write shows once the event arrived.
    let after = await pg1.loadCluster();
    await waitUntil(
      'pg1 reads the new config',
      async () => {
        after = await pg1.loadCluster();
        return after.config?.data.loop_wait === 5;
      },
      5_000,
    );
    expect(after.config?.data.loop_wait).toBe(5);
    expect(after.config?.data.ttl).toBe(30);
  });
});
