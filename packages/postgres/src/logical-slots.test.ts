import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { asLsn, type DesiredSlots, type UpstreamMember } from '@patroni/ha-core';
import { freePort, makeTempDir, waitUntil } from '@patroni/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresManager } from './postgres-manager.js';
import { TEST_AUTH as auth, makeTestServer, recordingLogger, sqlOn } from './real-server.test-support.js';
import { LogicalSlotAdvancer, needsRecopy } from './slot-advance.js';

// A real primary with a permanent logical slot (test_decoding) and a pg_basebackup replica (postgres.md §9.4):
// the replica copies the slot (PostgreSQL restarts), advances the copy in the background as the primary's
// consumer moves on, and after promotion the copy decodes exactly what came after the consumed point.
// Each step relies on the one before.

const CDC = { type: 'logical' as const, database: 'postgres', plugin: 'test_decoding' };

interface TestNode {
  readonly pg: PostgresManager;
  readonly port: number;
  readonly upstream: UpstreamMember;
  readonly logs: string[];
}

let root: { path: string; remove(): Promise<void> };
const nodes: Record<string, TestNode> = {};
const figures: Record<string, number> = {};

function makeNode(name: string, port: number, logs: string[]): PostgresManager {
  return makeTestServer({ root: root.path, name, port, scope: 'logical', logger: recordingLogger(logs) });
}

const sql = sqlOn;

const signal = () => AbortSignal.timeout(60_000);
const node = (name: string) => nodes[name] as TestNode;

async function slotLsn(name: string, slot: string): Promise<number | null> {
  const slots = (await node(name).pg.observe()).query?.slots ?? [];
  return slots.find((s) => s.name === slot)?.confirmedFlushLsn ?? null;
}

/** What the engine hands a replica that should hold `cdc` (leader published `cdcLsn`). */
function replicaSlots(cdcLsn: number | null, extra: DesiredSlots['slots'] = {}): DesiredSlots {
  return {
    slots: { ...(cdcLsn === null ? {} : { cdc: { ...CDC, lsn: asLsn(cdcLsn) } }), ...extra },
    ignore: [],
    dropUnknown: true,
    leader: node('primary').upstream,
    slotNameOnPrimary: 'replica',
    hotStandbyFeedback: true,
    cleanInactivePhysical: true,
  };
}

beforeAll(async () => {
  root = await makeTempDir('pg-logical');
  for (const name of ['primary', 'replica']) {
    const port = await freePort();
    const logs: string[] = [];
    nodes[name] = {
      pg: makeNode(name, port, logs),
      port,
      upstream: { name, connUrl: `postgres://127.0.0.1:${port}/postgres` },
      logs,
    };
  }
  const { pg: primary } = node('primary');
  expect(await primary.bootstrap(signal())).toEqual({ ok: true });
  expect(await primary.start({ role: 'primary', upstream: null, timeoutMs: 30_000 }, signal())).toEqual({
    ok: true,
  });
  expect(await primary.postBootstrap(signal())).toEqual({ ok: true });
  await primary.syncReplicationSlots({
    slots: { replica: { type: 'physical' } },
    ignore: [],
    dropUnknown: true,
  });
  const { pg: replica } = node('replica');
  expect(await replica.createReplica(node('primary').upstream, signal())).toEqual({ ok: true });
  expect(
    await replica.start({ role: 'replica', upstream: node('primary').upstream, timeoutMs: 30_000 }, signal()),
  ).toEqual({ ok: true });
}, 120_000);

afterAll(async () => {
  for (const { pg: server } of Object.values(nodes)) {
    await server.stop({ mode: 'immediate', checkpoint: false, timeoutMs: 10_000 });
    await server.close();
  }
  await root?.remove();
  console.log('figures (ms):', JSON.stringify(figures));
});

describe('logical slots on a real replica (postgres.md §9.4)', () => {
  it('the primary creates the permanent logical slot; a consumer moves it', async () => {
    const { pg: primary, port } = node('primary');
    const result = await primary.syncReplicationSlots({
      slots: { replica: { type: 'physical' }, cdc: CDC },
      ignore: [],
      dropUnknown: true,
    });
    expect(result).toEqual({ copy: [] });
    await sql(port, "CREATE TABLE t (v text); INSERT INTO t VALUES ('consumed-1'), ('consumed-2')");
    const changes = await sql<{ data: string }>(
      port,
      "SELECT data FROM pg_logical_slot_get_changes('cdc', NULL, NULL)",
    );
    expect(changes.some((c) => c.data.includes('consumed-2'))).toBe(true);
    expect(await slotLsn('primary', 'cdc')).toBeGreaterThan(0);
  });

  it('the replica reports the missing slot, forces hot_standby_feedback and copies the slot with a restart', async () => {
    const { pg: replica, port } = node('replica');
    const published = (await slotLsn('primary', 'cdc')) as number;
    const result = await replica.syncReplicationSlots(replicaSlots(published));
    expect(result).toEqual({ copy: ['cdc'] });
    expect(await sql(port, 'SHOW hot_standby_feedback')).toEqual([{ hot_standby_feedback: 'on' }]);
    const conf = readFileSync(join(root.path, 'replica', 'data', 'postgresql.conf'), 'utf8');
    expect(conf).toContain("hot_standby_feedback = 'on'");

    const before = (await replica.observe()).query?.postmasterStartTime;
    const started = Date.now();
    const copied = await replica.copyLogicalSlots(
      node('primary').upstream,
      { cdc: CDC },
      { role: 'replica', upstream: node('primary').upstream, timeoutMs: 30_000 },
      signal(),
    );
    figures.copyWithRestart = Date.now() - started;
    expect(copied).toEqual({ ok: true });
    const observed = await replica.observe();
    expect(observed.state).toBe('running');
    expect(observed.query?.postmasterStartTime).not.toBe(before);
    expect(observed.query?.inRecovery).toBe(true);
    const copy = observed.query?.slots.find((s) => s.name === 'cdc');
    expect(copy).toMatchObject({ type: 'logical', database: 'postgres', plugin: 'test_decoding' });
    // The state file on the primary is as of its last checkpoint: at most the published position.
    expect(copy?.confirmedFlushLsn).toBeGreaterThan(0);
    expect(copy?.confirmedFlushLsn).toBeLessThanOrEqual(published);
    // Present now: nothing more to copy.
    expect(await replica.syncReplicationSlots(replicaSlots(published))).toEqual({ copy: [] });
  });

  it('marks the copy safe once the primary holds its catalog_xmin through the physical slot', async () => {
    const { pg: replica, logs } = node('replica');
    const published = (await slotLsn('primary', 'cdc')) as number;
    await waitUntil(
      'copy reported safe',
      async () => {
        await replica.syncReplicationSlots(replicaSlots(published));
        return logs.includes('info: Logical slot cdc is safe to be used after a failover');
      },
      20_000,
    );
  });

  it('advances the copy in the background as the primary consumer moves on', async () => {
    const { port: primaryPort } = node('primary');
    const { pg: replica, port } = node('replica');
    await sql(primaryPort, "INSERT INTO t VALUES ('consumed-3'), ('consumed-4')");
    await sql(primaryPort, "SELECT * FROM pg_logical_slot_get_changes('cdc', NULL, NULL)");
    const published = (await slotLsn('primary', 'cdc')) as number;
    await waitUntil(
      'consumed rows replayed',
      async () => (await sql(port, "SELECT * FROM t WHERE v = 'consumed-4'")).length === 1,
      10_000,
    );
    const started = Date.now();
    await waitUntil(
      'copy advanced',
      async () => {
        await replica.syncReplicationSlots(replicaSlots(published));
        return (await slotLsn('replica', 'cdc')) === published;
      },
      20_000,
    );
    figures.advance = Date.now() - started;
  });

  it('the background advancer reports failures; only a lost WAL or invalidated slot asks for a copy', async () => {
    const { port } = node('replica');
    const logs: string[] = [];
    const advancer = new LogicalSlotAdvancer(
      async (database) => {
        const client = new pg.Client({
          host: '127.0.0.1',
          port,
          user: auth.superuser.username,
          password: auth.superuser.password,
          database,
          options: '-c statement_timeout=0',
        });
        await client.connect();
        return client;
      },
      { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m) => logs.push(m) },
    );
    expect(advancer.schedule(new Map([['postgres', new Map([['nosuch', 1000]])]]))).toEqual({
      failed: false,
      copy: [],
    });
    await advancer.idle();
    expect(advancer.schedule(new Map())).toEqual({ failed: true, copy: [] });
    expect(logs[0]).toContain("Failed to advance logical replication slot 'nosuch'");
    expect(needsRecopy({ code: '58P01' })).toBe(true);
    expect(needsRecopy({ code: '55000' })).toBe(true);
    expect(needsRecopy({ code: '42704' })).toBe(false);
    expect(needsRecopy(new Error('no code'))).toBe(false);
  });

  it('[4.x] keeps a physical slot for another member and advances it to the published position (§9.2)', async () => {
    const { port: primaryPort } = node('primary');
    const { pg: replica } = node('replica');
    const published = (await slotLsn('primary', 'cdc')) as number;
    const other = (lsn?: number, expectedActive = false) => ({
      other: { type: 'physical' as const, expectedActive, ...(lsn === undefined ? {} : { lsn: asLsn(lsn) }) },
    });
    await replica.syncReplicationSlots(replicaSlots(published, other()));
    const created = (await replica.observe()).query?.slots.find((s) => s.name === 'other');
    expect(created?.restartLsn).toBeGreaterThan(0);
    await sql(primaryPort, "INSERT INTO t SELECT 'x' FROM generate_series(1, 1000); SELECT pg_switch_wal()");
    const target = (await node('primary').pg.observe()).query?.walPosition ?? 0;
    await waitUntil(
      'replica replayed the target',
      async () => ((await replica.observe()).query?.replayedLsn ?? 0) >= target,
      10_000,
    );
    await replica.syncReplicationSlots(replicaSlots(published, other(target)));
    const advanced = (await replica.observe()).query?.slots.find((s) => s.name === 'other');
    expect(advanced?.restartLsn).toBe(target);
    // Expected to be active (a walsender feeds it): the agent leaves it alone.
    await sql(primaryPort, "INSERT INTO t SELECT 'y' FROM generate_series(1, 100)");
    const later = (await node('primary').pg.observe()).query?.walPosition ?? 0;
    await waitUntil(
      'replica replayed the later position',
      async () => ((await replica.observe()).query?.replayedLsn ?? 0) >= later,
      10_000,
    );
    await replica.syncReplicationSlots(replicaSlots(published, other(later, true)));
    expect((await replica.observe()).query?.slots.find((s) => s.name === 'other')?.restartLsn).toBe(target);
    // Not desired any more: dropped.
    await replica.syncReplicationSlots(replicaSlots(published));
    expect((await replica.observe()).query?.slots.map((s) => s.name)).toEqual(['cdc']);
  });

  it('after promotion the copy decodes what came after the consumed point, not before', async () => {
    const { port: primaryPort } = node('primary');
    const { pg: replica, port, logs } = node('replica');
    await sql(primaryPort, "INSERT INTO t VALUES ('after-1')");
    await waitUntil(
      'after-1 replayed',
      async () => (await sql(port, "SELECT * FROM t WHERE v = 'after-1'")).length === 1,
      10_000,
    );
    await node('primary').pg.stop({ mode: 'fast', checkpoint: false, timeoutMs: 10_000 });
    expect(await replica.promote(10_000, signal())).toEqual({ ok: true });
    expect(logs.some((l) => l.includes('might be unsafe to use after promote'))).toBe(false);
    const changes = await sql<{ data: string }>(
      port,
      "SELECT data FROM pg_logical_slot_get_changes('cdc', NULL, NULL)",
    );
    const text = changes.map((c) => c.data).join('\n');
    expect(text).toContain("'after-1'");
    expect(text).not.toContain('consumed-');
  });
});
