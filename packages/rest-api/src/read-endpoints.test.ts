/** GET /cluster, /history, /config, /metrics, /failsafe, /liveness, /readiness against captures and rules. */
import { readFileSync } from 'node:fs';
import { asLsn } from '@patroni/ha-core';
import { afterEach, describe, expect, test } from 'vitest';
import { benchCluster, LEADER_LSN, NOW_MS, replicaQuery, statusOf } from './test-support/builders.js';
import { type Harness, startApi } from './test-support/harness.js';
import { request } from './test-support/http-client.js';

const REFERENCE = '/work/shared/reference/patroni-3.0.2';
const captured = (file: string) => readFileSync(`${REFERENCE}/${file}`, 'utf8');

let api: Harness | null = null;
afterEach(async () => {
  await api?.close();
  api = null;
});

describe('GET /history and /config', () => {
  test.each(['primary', 'replica'] as const)('%s: bodies equal the captures byte for byte', async (role) => {
    api = await startApi(statusOf(role));
    const history = await request(api.port, '/history');
    const config = await request(api.port, '/config');
    expect([history.status, history.headers['content-type'], history.body]).toEqual([
      200,
      'application/json',
      captured('GET_history.leader.json'),
    ]);
    expect([config.status, config.body]).toEqual([200, captured('GET_config.leader.json')]);
  });

  test('without a config key GET /config is a 502 error page; a stale view triggers a fresh read', async () => {
    const status = statusOf('replica', { dcsLastSeenMs: NOW_MS - 60_000 });
    api = await startApi(status);
    api.commands.cluster = benchCluster({ config: null });
    expect((await request(api.port, '/config')).status).toBe(502);
    expect(api.commands.calls.map((c) => c.method)).toContain('loadCluster');
  });

  test('history is [] when the key is absent', async () => {
    const cluster = benchCluster();
    api = await startApi(statusOf('primary', { cluster: { ...cluster, history: null } }));
    expect((await request(api.port, '/history')).body).toBe('[]');
  });
});

describe('GET /cluster', () => {
  test('matches the capture in Patroni 4.x form (scope, lag/lsn pairs)', async () => {
    api = await startApi(statusOf('primary'));
    const response = await request(api.port, '/cluster');
    const pairs =
      '"receive_lsn": "unknown", "receive_lag": "unknown", "replay_lsn": "unknown", "replay_lag": "unknown", "lag": 0, "lsn": "0/402A5A8"';
    const expected = captured('GET_cluster.leader.json')
      .replaceAll('"timeline": 2, "lag": 0}', `"timeline": 2, ${pairs}}`)
      .replace(/]}$/, '], "scope": "bench"}');
    expect(response.body).toBe(expected);
    expect(api.commands.calls.map((c) => c.method)).toEqual(['loadCluster']);
  });

  test('roles, replication state, lag numbers, pause and scheduled switchover', async () => {
    const config = { ttl: 30, synchronous_mode: true, pause: true };
    const cluster = benchCluster({
      config,
      sync: { leader: 'node2', sync_standby: 'node3' },
      lastLsn: LEADER_LSN + 100,
      failover: { leader: 'node2', member: 'node1', scheduled_at: '2026-11-26T12:00:00+00:00' },
      memberExtra: {
        node1: { replication_state: 'streaming', receive_lsn: LEADER_LSN, replay_lsn: LEADER_LSN - 50 },
      },
    });
    api = await startApi(statusOf('primary'));
    api.commands.cluster = cluster;
    const body = JSON.parse((await request(api.port, '/cluster')).body);
    expect(body.members.map((m: { role: string }) => m.role)).toEqual(['replica', 'leader', 'sync_standby']);
    expect(body.members[0]).toMatchObject({
      state: 'streaming',
      receive_lag: 100,
      receive_lsn: '0/402A5A8',
      replay_lag: 150,
      lag: 100,
    });
    expect(body.pause).toBe(true);
    expect(body.scheduled_switchover).toEqual({
      at: '2026-11-26T12:00:00+00:00',
      from: 'node2',
      to: 'node1',
    });
  });

  test('a DCS read failure answers 503 instead of crashing', async () => {
    api = await startApi(statusOf('primary'));
    api.commands.cluster = () => {
      throw new Error('etcd down');
    };
    expect((await request(api.port, '/cluster')).status).toBe(503);
    expect((await request(api.port, '/health')).status).toBe(200);
  });
});

describe('GET /metrics', () => {
  function expected4x(file: string, name: string, extra: { streaming: number }): string {
    const labels = `{scope="bench",name="${name}"}`;
    let text = captured(file)
      .replaceAll('{scope="bench"}', labels)
      .replace(/# HELP patroni_master .*\n# TYPE patroni_master gauge\npatroni_master.*\n/, '')
      .replace(`patroni_version${labels} 030002`, `patroni_version${labels} 040104`)
      .replace('patroni_postgres_server_version {', 'patroni_postgres_server_version{')
      .replace('sync standby replica, 0 otherwise.', 'sync standby, 0 otherwise.')
      .replace(
        '# HELP patroni_failsafe_mode_is_active Value is 1 if the cluster is unlocked, 0 if locked.',
        '# HELP patroni_failsafe_mode_is_active Value is 1 if failsafe mode is active, 0 if inactive.',
      )
      .replace('# TYPE patroni_postgres_timeline counter', '# TYPE patroni_postgres_timeline gauge')
      .replace(/patroni_dcs_last_seen(\{[^}]*\}) \d+/, `patroni_dcs_last_seen$1 ${(NOW_MS - 1000) / 1000}`);
    text = text.replace(
      /(patroni_sync_standby\{[^}]*\} \d\n)/,
      `$1# HELP patroni_quorum_standby Value is 1 if this node is a quorum standby, 0 otherwise.\n# TYPE patroni_quorum_standby gauge\npatroni_quorum_standby${labels} 0\n`,
    );
    text = text.replace(
      /(patroni_xlog_paused\{[^}]*\} \d\n)/,
      `$1# HELP patroni_postgres_streaming Value is 1 if Postgres is streaming, 0 otherwise.\n# TYPE patroni_postgres_streaming gauge\npatroni_postgres_streaming${labels} ${extra.streaming}\n# HELP patroni_postgres_in_archive_recovery Value is 1 if Postgres is replicating from archive, 0 otherwise.\n# TYPE patroni_postgres_in_archive_recovery gauge\npatroni_postgres_in_archive_recovery${labels} 0\n`,
    );
    return (
      `${text}# HELP patroni_postgres_state Numeric representation of Postgres state.\n` +
      '# Values: 0=initdb, 1=initdb_failed, 2=custom_bootstrap, 3=custom_bootstrap_failed, 4=creating_replica, ' +
      '5=running, 6=starting, 7=bootstrap_starting, 8=start_failed, 9=restarting, 10=restart_failed, ' +
      '11=stopping, 12=stopped, 13=stop_failed, 14=crashed\n' +
      `# TYPE patroni_postgres_state gauge\npatroni_postgres_state${labels} 5\n`
    );
  }

  test('leader: the captured metrics in 4.1 form, text/plain', async () => {
    api = await startApi(statusOf('primary'));
    const response = await request(api.port, '/metrics');
    expect(response.headers['content-type']).toBe('text/plain');
    expect(response.body).toBe(expected4x('endpoints/GET_metrics.leader.body', 'node2', { streaming: 0 }));
  });

  test('replica: the captured metrics in 4.1 form', async () => {
    api = await startApi(statusOf('replica'));
    const response = await request(api.port, '/metrics');
    expect(response.body).toBe(expected4x('endpoints/GET_metrics.replica.body', 'node1', { streaming: 1 }));
  });

  test('postgres down: zeros, no streaming metrics, state index', async () => {
    api = await startApi(statusOf('replica', { state: 'stopped' }));
    const body = (await request(api.port, '/metrics')).body;
    expect(body).toContain('patroni_postgres_running{scope="bench",name="node1"} 0');
    expect(body).toContain('patroni_postgres_server_version{scope="bench",name="node1"} 0');
    expect(body).not.toContain('patroni_postgres_streaming');
    expect(body).toContain('patroni_postgres_state{scope="bench",name="node1"} 12');
  });
});

describe('GET /failsafe', () => {
  test('502 error page without a failsafe key, the map when present', async () => {
    api = await startApi(statusOf('primary'));
    const missing = await request(api.port, '/failsafe');
    expect([missing.status, missing.headers['content-type']]).toEqual([502, 'text/html;charset=utf-8']);
    api.status = statusOf('primary', {
      cluster: benchCluster({ failsafe: { node1: 'http://127.0.0.1:18008/patroni' } }),
    });
    const present = await request(api.port, '/failsafe');
    expect([present.status, present.body]).toEqual([200, '{"node1": "http://127.0.0.1:18008/patroni"}']);
  });
});

describe('probes', () => {
  test('liveness: 200 while the loop runs, 503 once next_run is ttl (primary) / 2×ttl (replica) late', async () => {
    api = await startApi(statusOf('primary', { nextRunAtMs: NOW_MS - 29_000 }));
    const live = await request(api.port, '/liveness');
    expect([live.status, live.body, live.headers['content-type']]).toEqual([200, '', undefined]);
    api.status = statusOf('primary', { nextRunAtMs: NOW_MS - 31_000 });
    expect((await request(api.port, '/liveness')).status).toBe(503);
    api.status = statusOf('replica', { nextRunAtMs: NOW_MS - 31_000 });
    expect((await request(api.port, '/liveness')).status).toBe(200);
    api.status = statusOf('replica', { nextRunAtMs: NOW_MS - 61_000 });
    expect((await request(api.port, '/liveness')).status).toBe(503);
    api.status = statusOf('replica', { nextRunAtMs: NOW_MS - 61_000, paused: true });
    expect((await request(api.port, '/liveness')).status).toBe(200);
  });

  test('readiness: leader ready; replica by streaming and lag (mode, lag, max lag on failover)', async () => {
    api = await startApi(statusOf('primary', { state: 'stopped' }));
    expect((await request(api.port, '/readiness')).status).toBe(200);
    api.status = statusOf('replica');
    api.commands.probeResult = replicaQuery();
    expect((await request(api.port, '/readiness')).status).toBe(200);
    const twoMbBehind = LEADER_LSN - 2 * 1024 * 1024;
    api.commands.probeResult = replicaQuery({
      replayedLsn: asLsn(twoMbBehind),
      receivedLsn: asLsn(LEADER_LSN),
    });
    api.nowMs += 2000; // let the cached probe expire
    expect((await request(api.port, '/readiness')).status).toBe(503);
    expect((await request(api.port, '/readiness?mode=write')).status).toBe(200);
    expect((await request(api.port, '/readiness?lag=3MB')).status).toBe(200);
    api.commands.probeResult = replicaQuery({ receiverState: null, restoreCommand: 'cp %f %p' });
    api.nowMs += 2000;
    expect((await request(api.port, '/readiness')).status).toBe(503);
    api.status = statusOf('replica', { state: 'starting' });
    expect((await request(api.port, '/readiness')).status).toBe(503);
  });

  test('readiness without a DCS view: 503 unless failsafe is active', async () => {
    api = await startApi(statusOf('replica', { cluster: null }));
    expect((await request(api.port, '/readiness')).status).toBe(503);
    api.status = statusOf('replica', { cluster: null, failsafeActive: true });
    expect((await request(api.port, '/readiness')).status).toBe(200);
  });
});
