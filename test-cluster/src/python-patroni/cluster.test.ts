import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type EtcdServer, makeTempDir, startEtcd, waitUntil } from '@patroni/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Haproxy, startHaproxy } from '../harness/haproxy.js';
import { startWriter, timeUntilWritable } from '../writer/index.js';
import { type PythonPatroniCluster, startPythonPatroniCluster } from './cluster.js';
import { isProcessAlive } from './os-processes.js';

const names = ['node1', 'node2', 'node3'];

// One cluster for the whole file: a Python Patroni bootstrap of 3 nodes costs 10-30 s on 2 shared cores.
describe('Python Patroni 3.0.2 reference cluster', () => {
  let dir: { path: string; remove(): Promise<void> };
  let etcd: EtcdServer;
  let cluster: PythonPatroniCluster | undefined;
  let haproxy: Haproxy | undefined;

  beforeAll(async () => {
    dir = await makeTempDir('python-patroni');
    etcd = await startEtcd();
  });
  afterAll(async () => {
    await haproxy?.stop();
    await cluster?.stopAll(5_000);
    await etcd?.stop();
    await dir?.remove();
  });

  it('bootstraps, fails over after kill -9 without losing acknowledged writes, rejoins, and stops every process', async () => {
    const startedMs = Date.now();
    const pyCluster = await startPythonPatroniCluster({
      nodes: 3,
      etcdEndpoint: etcd.endpoint,
      scope: 'pyref',
      timing: { ttl: 10, loopWait: 2, retryTimeout: 4 },
      dcs: 'etcd3',
      dir: dir.path,
      synchronousMode: 'strict',
    });
    cluster = pyCluster;
    const leader = await pyCluster.waitForAllRunning(120_000);
    console.info(`Python Patroni: 3 nodes running, leader ${leader}, after ${Date.now() - startedMs} ms`);

    const members = (await pyCluster.members()) ?? [];
    expect(members.map((m) => m.name).sort()).toEqual(names);
    expect(members.filter((m) => m.role === 'leader').map((m) => m.name)).toEqual([leader]);
    expect(await pyCluster.leaderName()).toBe(leader);
    await expectPatronictlList(pyCluster);

    // Writes through HAProxy's primary port while the leader's machine "crashes".
    await mkdir(join(dir.path, 'haproxy'));
    haproxy = await startHaproxy(join(dir.path, 'haproxy'), pyCluster.nodes);
    const viaHaproxy = `postgres://postgres:${pyCluster.passwords.superuser}@127.0.0.1:${haproxy.primaryPort}/postgres`;
    const writer = await startWriter({ connectionString: viaHaproxy });
    await waitUntil('20 acknowledged writes', () => writer.progress().acknowledged >= 20, 20_000);

    const oldLeader = pyCluster.node(leader);
    const oldPostmaster = oldLeader.postmasterPid();
    expect(oldPostmaster).toBeDefined();
    const killedMs = Date.now();
    await oldLeader.kill9();
    expect(oldLeader.isRunning()).toBe(false);
    expect(isProcessAlive(oldPostmaster ?? 0)).toBe(false);

    const newLeader = await waitForNewLeader(pyCluster, leader);
    const resumedAt = writer.progress().acknowledged;
    await waitUntil('writes to resume', () => writer.progress().acknowledged >= resumedAt + 20, 30_000);
    console.info(
      `Python Patroni: ${newLeader} took over ${Date.now() - killedMs} ms after kill -9 of ${leader}`,
    );

    const rejoinStartMs = Date.now();
    oldLeader.start();
    await waitUntil(
      'the ex-leader to rejoin as a replica',
      async () => {
        const view = (await pyCluster.members()) ?? [];
        return view.some((m) => m.name === leader && m.role !== 'leader' && m.state === 'running');
      },
      90_000,
    );
    console.info(`Python Patroni: ${leader} rejoined in ${Date.now() - rejoinStartMs} ms`);

    const report = await writer.stop();
    const verdict = await writer.verify();
    const longest = report.longestWindow;
    console.info(
      `writer: ${report.acknowledgedIds.length} acknowledged, ${verdict.lost} lost, ` +
        `outage windows (ms, failed attempts): ${report.windows.map((w) => `${Math.round(w.durationMs)}/${w.failedAttempts}`).join(' ')}`,
    );
    expect(verdict.lost).toBe(0);
    expect(longest?.open).toBe(false);
    expect(longest?.durationMs).toBeGreaterThan(500);
    expect(longest?.durationMs).toBeLessThan(60_000);
    expect((await timeUntilWritable(viaHaproxy, Date.now() + 10_000)).writable).toBe(true);

    const pids = pyCluster.knownPids();
    expect(pids.length).toBeGreaterThanOrEqual(8); // 4 Patroni processes and 4 postmasters, at least
    await haproxy.stop();
    const leftovers = await pyCluster.stopAll();
    expect(leftovers).toEqual([]);
    expect(pids.filter(isProcessAlive)).toEqual([]);
    expect(pyCluster.nodes.map((n) => n.postmasterPid())).toEqual([undefined, undefined, undefined]);
  }, 300_000);
});

async function expectPatronictlList(cluster: PythonPatroniCluster) {
  const list = await cluster.patronictl(['list', '-f', 'json']);
  expect(list.exitCode, list.stderr).toBe(0);
  const rows = JSON.parse(list.stdout) as { Member: string; Role: string; Cluster: string }[];
  expect(rows.map((r) => r.Member).sort()).toEqual(names);
  expect(rows.filter((r) => r.Role === 'Leader')).toHaveLength(1);
  expect(new Set(rows.map((r) => r.Cluster))).toEqual(new Set(['pyref']));
}

async function waitForNewLeader(cluster: PythonPatroniCluster, oldLeader: string): Promise<string> {
  let leader = oldLeader;
  await waitUntil(
    `a leader other than ${oldLeader}`,
    async () => {
      leader = await cluster.waitForLeader(60_000);
      return leader !== oldLeader;
    },
    60_000,
  );
  return leader;
}
