import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { asLsn, type HistoryLine, historyLines, parseLsn, type UpstreamMember } from '@patroni/ha-core';
import { freePort, makeTempDir, postgresBinDir, waitUntil } from '@patroni/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePostgresqlConfig } from './config.js';
import type { PostgresManager } from './postgres-manager.js';
import { makeTestServer, sqlOn, TEST_AUTH } from './real-server.test-support.js';
import { timelineHistory, withReplicationConnection } from './replication-connection.js';
import { renderSynchronousStandbyNames } from './sync-names.js';
import { localIsoTimestamp } from './timeline.js';

// One primary and one replica shared by the file: bootstrap → basebackup → sync → slots → failover with a
// real divergence → pg_rewind → switchover back. Each step relies on the one before.

const auth = TEST_AUTH;

let root: { path: string; remove(): Promise<void> };
const nodes: Record<string, { pg: PostgresManager; port: number; upstream: UpstreamMember }> = {};
const figures: Record<string, number> = {};
const history: { timeline2?: HistoryLine[] } = {};

function makeNode(name: string, port: number, extra: Record<string, unknown> = {}): PostgresManager {
  return makeTestServer({ root: root.path, name, port, scope: 'demo', extra });
}

const sql = sqlOn;

const signal = () => AbortSignal.timeout(60_000);
const node = (name: string) => nodes[name] as (typeof nodes)[string];

beforeAll(async () => {
  root = await makeTempDir('pg-cluster');
  for (const name of ['pg-1', 'pg-2']) {
    const port = await freePort();
    nodes[name] = {
      pg: makeNode(name, port),
      port,
      upstream: { name, connUrl: `postgres://127.0.0.1:${port}/postgres`, checkpointAfterPromote: true },
    };
  }
});

afterAll(async () => {
  for (const { pg: server } of Object.values(nodes)) {
    await server.stop({ mode: 'immediate', checkpoint: false, timeoutMs: 10_000 });
    await server.close();
  }
  await root.remove();
  console.log('figures (ms):', JSON.stringify(figures));
});

describe('a real two-node cluster', () => {
  it('bootstraps a primary with users from authentication and the configured pg_hba', async () => {
    const { pg: pg1, port } = node('pg-1');
    const started = Date.now();
    expect(await pg1.bootstrap(signal())).toEqual({ ok: true });
    figures.initdb = Date.now() - started;
    expect(await pg1.start({ role: 'primary', upstream: null, timeoutMs: 30_000 }, signal())).toEqual({
      ok: true,
    });
    expect(await pg1.postBootstrap(signal())).toEqual({ ok: true });
    figures.bootstrapAndStart = Date.now() - started;

    const roles = await sql<{ rolname: string; rolreplication: boolean; rolsuper: boolean }>(
      port,
      "SELECT rolname, rolreplication, rolsuper FROM pg_roles WHERE rolname IN ('replicator', 'rewinder') ORDER BY 1",
    );
    expect(roles).toEqual([
      { rolname: 'replicator', rolreplication: true, rolsuper: false },
      { rolname: 'rewinder', rolreplication: false, rolsuper: false },
    ]);
    // The rewind user can read files as pg_rewind needs (PG ≥ 11 grants).
    const rows = await sql<{ n: number }>(
      port,
      "SELECT count(*)::int AS n FROM pg_ls_dir('.', true, false)",
      auth.rewind,
    );
    expect(rows[0]?.n).toBeGreaterThan(5);
    const dataDir = join(root.path, 'pg-1', 'data');
    expect(readFileSync(join(dataDir, 'pg_hba.conf'), 'utf8')).toContain(
      'host replication replicator 127.0.0.1/32 scram-sha-256',
    );
    const conf = readFileSync(join(dataDir, 'postgresql.conf'), 'utf8');
    expect(conf).toContain("include 'postgresql.base.conf'");
    expect(conf).toContain("wal_level = 'logical'");
    const settings = await sql<{ name: string; setting: string }>(
      port,
      "SELECT name, setting FROM pg_settings WHERE name IN ('cluster_name', 'max_connections', 'wal_level') ORDER BY 1",
    );
    expect(settings).toEqual([
      { name: 'cluster_name', setting: 'demo' },
      { name: 'max_connections', setting: '30' },
      { name: 'wal_level', setting: 'logical' },
    ]);

    const observed = await pg1.observe();
    expect(observed).toMatchObject({
      state: 'running',
      postmasterRunning: true,
      dataDirectory: { kind: 'initialized' },
      majorVersion: 150000,
    });
    expect(observed.sysid).toMatch(/^\d{10,}$/);
    expect(observed.query).toMatchObject({ inRecovery: false, timeline: 1, receiverState: null });
    expect(observed.query?.walPosition).toBeGreaterThan(0);
    expect(observed.query).toMatchObject({ latestEndLsn: null, writtenLsn: null });
    // Timeline 1: no history lines (the engine writes `[]`).
    expect(observed.timelineHistory).toBeUndefined();
    // The REST health probe: the status query alone.
    expect(await pg1.probe()).toMatchObject({ inRecovery: false, timeline: 1 });
  });

  it('creates a replica with pg_basebackup that streams from the primary through its slot', async () => {
    const { pg: pg1, port: port1 } = node('pg-1');
    const { pg: pg2, port: port2 } = node('pg-2');
    await pg1.syncReplicationSlots({ slots: { pg_2: { type: 'physical' } }, ignore: [], dropUnknown: true });
    const started = Date.now();
    expect(await pg2.createReplica(node('pg-1').upstream, signal())).toEqual({ ok: true });
    figures.basebackup = Date.now() - started;
    expect(
      await pg2.start({ role: 'replica', upstream: node('pg-1').upstream, timeoutMs: 30_000 }, signal()),
    ).toEqual({ ok: true });
    await sql(port1, "CREATE TABLE t (v text); INSERT INTO t VALUES ('before failover')");
    await waitUntil(
      'pg-2 streaming',
      async () => {
        const primary = await pg1.observe();
        return (
          primary.query?.replication.some((r) => r.applicationName === 'pg-2' && r.state === 'streaming') ===
          true
        );
      },
      15_000,
    );
    await waitUntil('row replicated', async () => (await sql(port2, 'SELECT * FROM t')).length === 1, 10_000);
    const replica = await pg2.observe();
    expect(replica.hasRecoveryConfig).toBe(true);
    expect(replica.query).toMatchObject({ inRecovery: true, receiverState: 'streaming', timeline: 1 });
    // [4.x] WAL receiver positions: fresher than the DCS for lag checks.
    expect(replica.query?.latestEndLsn).toBeGreaterThan(0);
    expect(replica.query?.writtenLsn).toBeGreaterThan(0);
    expect(replica.timelineHistory).toBeUndefined();
    const primary = await pg1.observe();
    expect(primary.query?.slots.find((s) => s.name === 'pg_2')).toMatchObject({ type: 'physical' });
    expect(await pg2.configureFollow(node('pg-1').upstream)).toBe('unchanged');
  });

  it('applies synchronous_standby_names with a reload', async () => {
    const { pg: pg1 } = node('pg-1');
    await pg1.setSynchronousStandbyNames(
      renderSynchronousStandbyNames({ mode: 'priority', names: ['pg-2'] }),
    );
    await waitUntil(
      'pg-2 sync',
      async () => (await pg1.observe()).query?.replication[0]?.syncState === 'sync',
      10_000,
    );
    expect((await pg1.observe()).query?.synchronousStandbyNames).toBe('"pg-2"');
    await pg1.setSynchronousStandbyNames(null);
    expect((await pg1.observe()).query?.synchronousStandbyNames).toBe('');
  });

  it('creates, advances and drops physical and logical slots, leaving ignored ones', async () => {
    const { pg: pg1, port } = node('pg-1');
    const keep = { pg_2: { type: 'physical' as const } };
    await pg1.syncReplicationSlots({
      slots: {
        ...keep,
        perm: { type: 'physical' },
        logi: { type: 'logical', database: 'postgres', plugin: 'test_decoding' },
      },
      ignore: [],
      dropUnknown: true,
    });
    await sql(port, "SELECT pg_create_physical_replication_slot('external')");
    await sql(port, "SELECT pg_create_physical_replication_slot('stray')");
    let slots = (await pg1.observe()).query?.slots ?? [];
    expect(slots.map((s) => s.name).sort()).toEqual(['external', 'logi', 'perm', 'pg_2', 'stray']);
    const before = slots.find((s) => s.name === 'perm')?.restartLsn ?? 0;
    await sql(port, "INSERT INTO t SELECT 'x' FROM generate_series(1, 1000); SELECT pg_switch_wal()");
    const target = (await pg1.observe()).query?.walPosition ?? asLsn(0);
    await pg1.syncReplicationSlots({
      slots: {
        ...keep,
        perm: { type: 'physical', lsn: target },
        logi: { type: 'logical', database: 'postgres', plugin: 'test_decoding', lsn: target },
      },
      ignore: [{ name: 'external' }],
      dropUnknown: true,
    });
    slots = (await pg1.observe()).query?.slots ?? [];
    expect(slots.find((s) => s.name === 'perm')?.restartLsn).toBeGreaterThan(before);
    expect(slots.find((s) => s.name === 'logi')?.confirmedFlushLsn).toBe(target);
    await pg1.syncReplicationSlots({ slots: keep, ignore: [{ name: 'external' }], dropUnknown: true });
    slots = (await pg1.observe()).query?.slots ?? [];
    expect(slots.map((s) => s.name).sort()).toEqual(['external', 'pg_2']);
  });

  it('promotes the replica; pg_rewind brings the diverged old primary back as its replica', async () => {
    const { pg: pg1, port: port1 } = node('pg-1');
    const { pg: pg2, port: port2 } = node('pg-2');
    await pg2.syncReplicationSlots({ slots: { pg_1: { type: 'physical' } }, ignore: [], dropUnknown: false });
    expect(await pg2.promote(10_000, signal())).toEqual({ ok: true });
    expect(pg2.role).toBe('primary');
    const promoted = await pg2.observe();
    expect(promoted.query).toMatchObject({ inRecovery: false, timeline: 2 });
    // postgres.md §4.4: 00000002.history, its mtime as local ISO-8601 with offset on the newest line.
    const historyFile = join(root.path, 'pg-2', 'data', 'pg_wal', '00000002.history');
    const [switchLine] = readFileSync(historyFile, 'utf8').split('\n');
    const [, switchText, reason] = (switchLine ?? '').split('\t');
    expect(promoted.timelineHistory).toEqual([
      {
        parentTimeline: 1,
        switchLsn: parseLsn(switchText ?? ''),
        reason,
        fileModifiedAt: localIsoTimestamp(statSync(historyFile, { bigint: true }).mtimeNs),
      },
    ]);
    expect(reason).toBe('no recovery target specified');
    expect(promoted.timelineHistory?.[0]?.fileModifiedAt).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?[+-]\d\d:\d\d$/,
    );
    const lines = historyLines({
      timeline: 2,
      entries: promoted.timelineHistory ?? [],
      stored: [],
      me: 'pg-2',
      maxTimelinesHistory: 0,
    });
    expect(lines).toEqual([
      [1, parseLsn(switchText ?? ''), 'no recovery target specified', lines[0]?.[3], 'pg-2'],
    ]);
    history.timeline2 = lines;
    // TIMELINE_HISTORY over the replication protocol gives the same file, by either client.
    const replication = {
      host: '127.0.0.1',
      port: port2,
      user: auth.replication.username,
      password: auth.replication.password,
      database: 'postgres',
    };
    const wanted = [{ parentTimeline: 1, switchpoint: parseLsn(switchText ?? ''), reason }];
    expect(await withReplicationConnection(replication, (run) => timelineHistory(run, 2))).toEqual(wanted);
    expect(
      await withReplicationConnection({ ...replication, keepAlive: true }, (run) => timelineHistory(run, 2)),
    ).toEqual(wanted);
    // The old primary keeps writing on timeline 1: a real divergence.
    await sql(port1, "INSERT INTO t VALUES ('diverged')");
    const stopped = await pg1.stop({ mode: 'fast', checkpoint: true, timeoutMs: null });
    expect(stopped.ok).toBe(true);
    expect(stopped.checkpointLsn).toBeGreaterThan(0);
    expect(await pg2.checkpoint()).toEqual({ ok: true });
    expect(await pg1.checkDivergence(node('pg-2').upstream)).toBe('need');
    expect(await pg1.canRewind()).toBe(true);
    const started = Date.now();
    expect(await pg1.rewind(node('pg-2').upstream, signal())).toEqual({ ok: true });
    figures.rewind = Date.now() - started;
    expect(
      await pg1.start({ role: 'replica', upstream: node('pg-2').upstream, timeoutMs: 30_000 }, signal()),
    ).toEqual({ ok: true });
    await sql(port2, "INSERT INTO t VALUES ('after failover')");
    await waitUntil(
      'pg-1 follows pg-2',
      async () => {
        const rows = await sql<{ v: string }>(port1, 'SELECT v FROM t ORDER BY v');
        return rows.some((r) => r.v === 'after failover');
      },
      15_000,
    );
    const values = (await sql<{ v: string }>(port1, "SELECT v FROM t WHERE v <> 'x' ORDER BY v")).map(
      (r) => r.v,
    );
    expect(values).toEqual(['after failover', 'before failover']);
    expect((await pg1.observe()).query).toMatchObject({
      inRecovery: true,
      timeline: 2,
      receiverState: 'streaming',
    });
  });

  it('switches back: the demoted primary reports its shutdown checkpoint and re-follows without rewind', async () => {
    const { pg: pg1 } = node('pg-1');
    const { pg: pg2, port: port2 } = node('pg-2');
    await pg1.syncReplicationSlots({ slots: { pg_2: { type: 'physical' } }, ignore: [], dropUnknown: true });
    const reported: number[] = [];
    const stopped = await pg2.stop({
      mode: 'fast',
      checkpoint: true,
      timeoutMs: null,
      onShutdownCheckpoint: (lsn) => void reported.push(lsn),
    });
    expect(stopped.ok).toBe(true);
    expect(reported.length <= 1).toBe(true);
    if (reported.length === 1) expect(reported[0]).toBe(stopped.checkpointLsn);
    await waitUntil(
      'pg-1 replayed the shutdown checkpoint',
      async () => {
        const q = (await pg1.observe()).query;
        return q !== null && q.replayedLsn >= (stopped.checkpointLsn ?? 0);
      },
      10_000,
    );
    expect(await pg1.promote(10_000, signal())).toEqual({ ok: true });
    expect(await pg1.checkpoint()).toEqual({ ok: true });
    expect(await pg2.checkDivergence(node('pg-1').upstream)).toBe('not-need');
    expect(
      await pg2.start({ role: 'replica', upstream: node('pg-1').upstream, timeoutMs: 30_000 }, signal()),
    ).toEqual({ ok: true });
    await waitUntil(
      'pg-2 streams from pg-1',
      async () => (await pg2.observe()).query?.receiverState === 'streaming',
      15_000,
    );
    expect((await pg2.observe()).query?.timeline).toBe(3);
    // The new primary on timeline 3: two switches; the stored line of timeline 2 is carried over as is.
    const third = await pg1.observe();
    expect(third.timelineHistory?.map((e) => [e.parentTimeline, e.reason])).toEqual([
      [1, 'no recovery target specified'],
      [2, 'no recovery target specified'],
    ]);
    expect(third.timelineHistory?.[0]?.fileModifiedAt).toBeUndefined();
    const lines = historyLines({
      timeline: 3,
      entries: third.timelineHistory ?? [],
      stored: history.timeline2 ?? [],
      me: 'pg-1',
      maxTimelinesHistory: 0,
    });
    expect(lines[0]).toEqual(history.timeline2?.[0]);
    expect(lines[1]?.[4]).toBe('pg-1');
    expect(lines[1]?.[3]).toBe(third.timelineHistory?.[1]?.fileModifiedAt);
    // A sighup-context change of the recovery settings is applied with a reload.
    expect(await pg2.configureFollow({ ...node('pg-1').upstream, slotName: 'other_slot' })).toBe('reloaded');
    const slot = await sql<{ s: string }>(port2, "SELECT current_setting('primary_slot_name') AS s");
    expect(slot[0]?.s).toBe('other_slot');
  });

  it('reports a pending restart with old and new values after a reload', async () => {
    const { pg: pg1 } = node('pg-1');
    const config = parsePostgresqlConfig({
      listen: `127.0.0.1:${node('pg-1').port}`,
      data_dir: join(root.path, 'pg-1', 'data'),
      pgpass: join(root.path, 'pg-1', 'pgpass'),
      bin_dir: postgresBinDir(),
      authentication: auth,
      parameters: {
        unix_socket_directories: join(root.path, 'pg-1'),
        shared_buffers: '24MB',
        fsync: 'off',
        max_wal_size: '64MB',
      },
    });
    pg1.updateConfig(config);
    await pg1.reload();
    const observed = await pg1.observe();
    expect(observed.pendingRestart).toBe(true);
    expect(observed.pendingRestartReason).toEqual({
      shared_buffers: { old_value: '16MB', new_value: '24MB' },
    });
  });

  it('finds a replica timeline with IDENTIFY_SYSTEM when no WAL receiver reports one, cached for the probe', async () => {
    const { pg: pg2 } = node('pg-2');
    // No upstream: the WAL receiver stops, so pg_stat_wal_receiver has no timeline.
    expect(await pg2.configureFollow(null)).toBe('reloaded');
    await waitUntil('receiver gone', async () => (await pg2.probe())?.receiverState === null, 10_000);
    const observed = await pg2.observe();
    expect(observed.query).toMatchObject({
      inRecovery: true,
      receiverState: null,
      timeline: 3,
      latestEndLsn: null,
    });
    expect(observed.timelineHistory).toBeUndefined();
    expect(await pg2.probe()).toMatchObject({ inRecovery: true, timeline: 3 });
  });
});
