// The primary's host loses the network to etcd and to the other members (iptables DROP both ways inside its
// namespace) while clients can still reach every member: the old primary must stop taking writes within
// ttl, exactly one other member must take over, and after healing the old one must stream from it.
import { waitUntil } from '@patroni/testkit';
import { expect } from 'vitest';
import {
  acceptsWrites,
  type Cleanups,
  FAILOVER_BOUND_MS,
  FAST_TIMING,
  finishWriter,
  pgRole,
  sql,
  type WriterFigures,
  waitForWrites,
} from '../e2e/support.js';
import { startWriter } from '../writer/index.js';
import {
  type NetnsCluster,
  type NetnsClusterOptions,
  type NetnsMember,
  startNetnsCluster,
} from './netns-cluster.js';
import { startWritableMonitor } from './writable-monitor.js';

export interface PartitionFigures extends WriterFigures {
  readonly refusedAfterMs: number;
  readonly newLeaderAfterMs: number;
  readonly rejoinedAfterHealMs: number;
  /** Writes the isolated primary acknowledged after the cut: async replication may lose them (at most). */
  readonly acknowledgedWhileCut: number;
}

/** Acknowledged writes just before the cut may not have reached a replica yet (asynchronous replication). */
const REPLICATION_LAG_MARGIN = 50;

export async function runPartitionScenario(
  label: string,
  cleanups: Cleanups,
  options: NetnsClusterOptions = {},
): Promise<PartitionFigures> {
  const cluster = await startNetnsCluster(label, cleanups, options);
  const oldLeader = await cluster.waitForAllRunning(120_000);
  if (options.failsafeMode) await expectFailsafeOn(cluster, oldLeader);
  await cluster.proxy.waitSettled();
  const writer = await startWriter({ connectionString: cluster.primaryUrl });
  cleanups.add(() => writer.stop());
  await waitForWrites(writer, 20, 30_000);
  for (const m of cluster.members) if (m.name !== oldLeader) await waitForMarker(cluster, m);

  const old = cluster.member(oldLeader);
  const monitor = startWritableMonitor(cluster.members);
  const acknowledgedAtCut = writer.progress().acknowledged;
  const cutAtMs = Date.now();
  const peers = [cluster.etcdHost, ...cluster.members.filter((m) => m !== old).map((m) => m.host)];
  await cluster.topology.isolate(old.host, peers);
  await waitUntil(
    `${oldLeader} refuses writes`,
    async () => !(await acceptsWrites(old.connectionString)),
    FAST_TIMING.ttl * 1000,
  );
  const refusedAfterMs = Date.now() - cutAtMs;
  const acknowledgedWhileCut = writer.progress().acknowledged - acknowledgedAtCut;
  const leader = await cluster.waitForLeader(FAILOVER_BOUND_MS, oldLeader);
  const newLeaderAfterMs = Date.now() - cutAtMs;
  await waitForWrites(writer, 20, 15_000);
  expect(await primaries(cluster)).toEqual([leader]);
  const monitored = await monitor.stop();
  console.log(
    `[${label}] ${oldLeader} cut off from etcd and the other members: refuses writes after ${refusedAfterMs} ms, ` +
      `${leader} leads after ${newLeaderAfterMs} ms; ${monitored.samples} samples of the writable members, ` +
      `${monitored.splitBrain.length} with more than one`,
  );
  expect(monitored.splitBrain).toEqual([]);
  expect(monitored.samples).toBeGreaterThan(10);

  const healedAtMs = Date.now();
  await cluster.topology.heal(old.host);
  await waitForStreamingReplica(cluster, old, leader);
  const rejoinedAfterHealMs = Date.now() - healedAtMs;
  expect(await cluster.waitForAllRunning(60_000)).toBe(leader);
  await waitForMarker(cluster, old);
  expect(await primaries(cluster)).toEqual([leader]);
  const figures = await finishWriter(label, writer);
  expect(await cluster.stopAgents()).toEqual([]);
  console.log(
    `[${label}] ${oldLeader} streams from ${leader} ${rejoinedAfterHealMs} ms after healing; ` +
      `${acknowledgedWhileCut} writes acknowledged by ${oldLeader} after the cut, ${figures.lost} lost`,
  );
  expect(figures.lost).toBeLessThanOrEqual(acknowledgedWhileCut + REPLICATION_LAG_MARGIN);
  return { ...figures, refusedAfterMs, newLeaderAfterMs, rejoinedAfterHealMs, acknowledgedWhileCut };
}

async function expectFailsafeOn(cluster: NetnsCluster, leader: string): Promise<void> {
  const answer = await cluster.rest(leader, '/config');
  expect(JSON.parse(answer?.body ?? '{}')).toMatchObject({ failsafe_mode: true });
}

/** Members whose PostgreSQL is out of recovery, as seen from the client host. */
async function primaries(cluster: NetnsCluster): Promise<string[]> {
  const roles = await Promise.all(cluster.members.map((m) => pgRole(m.connectionString)));
  return cluster.members.filter((_, i) => roles[i] === 'primary').map((m) => m.name);
}

/** The old primary reports role replica and its WAL receiver streams from `leader`. */
async function waitForStreamingReplica(cluster: NetnsCluster, member: NetnsMember, leader: string) {
  const leaderAddress = cluster.member(leader).host.address;
  await waitUntil(
    `${member.name} streams from ${leader}`,
    async () => {
      const status = await cluster.rest(member.name, '/patroni');
      if (status?.status !== 200 || JSON.parse(status.body).role !== 'replica') return false;
      const rows = await sql(member.connectionString, 'SELECT status, sender_host FROM pg_stat_wal_receiver');
      return rows[0]?.status === 'streaming' && rows[0]?.sender_host === leaderAddress;
    },
    90_000,
  );
}

/** A row written through the primary router shows up on `member`. */
async function waitForMarker(cluster: NetnsCluster, member: NetnsMember): Promise<void> {
  const marker = Math.floor(Math.random() * 1e9);
  await waitUntil(
    'a marker row written through the primary router',
    async () => {
      await sql(cluster.primaryUrl, 'CREATE TABLE IF NOT EXISTS netns_marker (marker bigint)');
      await sql(cluster.primaryUrl, `INSERT INTO netns_marker VALUES (${marker})`);
      return true;
    },
    30_000,
  );
  await waitUntil(
    `the marker reaches ${member.name}`,
    async () => {
      const rows = await sql(
        member.connectionString,
        `SELECT count(*)::int AS n FROM netns_marker WHERE marker = ${marker}`,
      );
      return rows[0]?.n === 1;
    },
    30_000,
  );
}
