/**
 * Health endpoints over real HTTP: the captured 3.0.2 status-code matrix, then every role and condition
 * (standby leader, pause, DCS lost, lag, tags, sync/quorum, replication state) with GET, HEAD and OPTIONS.
 */
import { readFileSync } from 'node:fs';
import { asLsn, type PublishedStatus } from '@patroni/ha-core';
import { afterEach, describe, expect, test } from 'vitest';
import {
  BENCH_CONFIG,
  benchCluster,
  LEADER_LSN,
  NOW_MS,
  replicaQuery,
  statusOf,
} from './test-support/builders.js';
import { type Harness, startApi } from './test-support/harness.js';
import { request } from './test-support/http-client.js';

const REFERENCE = '/work/shared/reference/patroni-3.0.2';

let api: Harness | null = null;
afterEach(async () => {
  await api?.close();
  api = null;
});

async function codes(
  status: PublishedStatus,
  paths: string[],
  method = 'GET',
): Promise<Record<string, number>> {
  api = await startApi(status);
  const out: Record<string, number> = {};
  for (const path of paths) out[path] = (await request(api.port, path, { method })).status;
  await api.close();
  api = null;
  return out;
}

function capturedMatrix(): { path: string; get: [number, number]; options: [number, number] }[] {
  const lines = readFileSync(`${REFERENCE}/http_status_codes.tsv`, 'utf8').split('\n');
  return lines
    .filter((line) => line.startsWith('/'))
    .map((line) => {
      const [path = '', gl, gr, ol, or] = line.split('\t');
      return { path, get: [Number(gl), Number(gr)], options: [Number(ol), Number(or)] };
    });
}

describe('the captured Python Patroni 3.0.2 status-code matrix', () => {
  const matrix = capturedMatrix();
  test.each([
    ['leader', 0, 'primary'],
    ['replica', 1, 'replica'],
  ] as const)('%s: every path, GET and OPTIONS, answers the captured code', async (_name, column, role) => {
    api = await startApi(statusOf(role));
    for (const row of matrix) {
      const get = await request(api.port, row.path);
      const options = await request(api.port, row.path, { method: 'OPTIONS' });
      expect([row.path, get.status, options.status]).toEqual([
        row.path,
        row.get[column],
        row.options[column],
      ]);
    }
  });
});

describe('status document bytes', () => {
  function expectedFromCapture(file: string, name: string, dcsLastSeen: number): string {
    const captured = readFileSync(`${REFERENCE}/${file}`, 'utf8');
    return captured
      .replace('"role": "master"', '"role": "primary"')
      .replace(/"dcs_last_seen": \d+/, `"dcs_last_seen": ${dcsLastSeen}`)
      .replace(
        '{"version": "3.0.2", "scope": "bench"}',
        `{"version": "4.1.4", "scope": "bench", "name": "${name}"}`,
      );
  }

  test('leader GET /patroni equals the capture (4.x role and patroni block), with its headers', async () => {
    api = await startApi(statusOf('primary'));
    const response = await request(api.port, '/patroni');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.body).toBe(
      expectedFromCapture('GET_patroni.leader.json', 'node2', (NOW_MS - 1000) / 1000),
    );
  });

  test('replica GET /patroni equals the capture plus replication_state (3.0.4+)', async () => {
    api = await startApi(statusOf('replica'));
    const response = await request(api.port, '/patroni');
    const expected = expectedFromCapture('GET_patroni.replica.json', 'node1', (NOW_MS - 1000) / 1000).replace(
      '"timeline": 2,',
      '"timeline": 2, "replication_state": "streaming",',
    );
    expect(response.body).toBe(expected);
  });

  test('every GET health answer, 200 or 503, carries the status document; HEAD/OPTIONS carry none', async () => {
    api = await startApi(statusOf('replica'));
    const patroni = (await request(api.port, '/patroni')).body;
    for (const path of ['/replica', '/primary', '/nonexistent', '/health']) {
      expect((await request(api.port, path)).body).toBe(patroni);
    }
    for (const method of ['HEAD', 'OPTIONS']) {
      const response = await request(api.port, '/primary', { method });
      expect([response.status, response.body, response.headers['content-type']]).toEqual([
        503,
        '',
        undefined,
      ]);
    }
  });

  test('postgres not answering while running: state unknown, agent role, no xlog', async () => {
    const status = statusOf('primary');
    api = await startApi(status);
    api.commands.probeResult = null;
    const body = JSON.parse((await request(api.port, '/patroni')).body);
    expect(body).toMatchObject({ state: 'unknown', role: 'primary' });
    expect(body.xlog).toBeUndefined();
    expect((await request(api.port, '/primary')).status).toBe(200);
    expect((await request(api.port, '/health')).status).toBe(503);
  });
});

const standbyConfig = { ...BENCH_CONFIG, standby_cluster: { host: '10.0.0.1', port: 5432 } };

function standbyLeader(): PublishedStatus {
  const cluster = benchCluster({ config: standbyConfig });
  const replicaObservation = statusOf('replica').postgres;
  if (!replicaObservation) throw new Error('the replica builder always has an observation');
  return statusOf('primary', {
    role: 'standby_leader',
    cluster,
    dynamicConfig: standbyConfig,
    postgres: { ...replicaObservation, query: replicaQuery() },
  });
}

describe('roles and conditions', () => {
  const paths = [
    '/',
    '/primary',
    '/leader',
    '/standby-leader',
    '/standby_leader',
    '/replica',
    '/read-only',
    '/health',
    '/sync',
    '/async',
    '/read-only-sync',
  ];

  test('standby leader: leader and standby-leader 200, primary and replica 503', async () => {
    const got = await codes(standbyLeader(), paths);
    expect(got).toEqual({
      '/': 503,
      '/primary': 503,
      '/leader': 200,
      '/standby-leader': 200,
      '/standby_leader': 200,
      '/replica': 503,
      '/read-only': 200,
      '/health': 200,
      '/sync': 503,
      '/async': 503,
      '/read-only-sync': 200,
    });
  });

  test('standby leader body reports role standby_leader', async () => {
    api = await startApi(standbyLeader());
    expect(JSON.parse((await request(api.port, '/patroni')).body).role).toBe('standby_leader');
  });

  test('paused primary with the DCS lost still answers 200 on /primary by its role', async () => {
    const status = statusOf('primary', {
      paused: true,
      cluster: null,
      leaderUntilMs: 0,
      dcsLastSeenMs: NOW_MS - 60_000,
    });
    const got = await codes(status, [
      '/primary',
      '/leader',
      '/standby-leader',
      '/replica',
      '/health',
      '/sync',
    ]);
    expect(got).toEqual({
      '/primary': 200,
      '/leader': 200,
      '/standby-leader': 503,
      '/replica': 503,
      '/health': 200,
      '/sync': 503,
    });
  });

  test('primary that lost the DCS beyond its lock: 503 on /primary (not paused)', async () => {
    const status = statusOf('primary', {
      cluster: null,
      leaderUntilMs: NOW_MS - 1,
      dcsLastSeenMs: NOW_MS - 40_000,
    });
    const got = await codes(status, ['/primary', '/leader', '/health', '/read-only']);
    expect(got).toEqual({ '/primary': 503, '/leader': 503, '/health': 200, '/read-only': 503 });
  });

  test('replica with a stale DCS view: /replica 200, /sync /async /read-only-sync 503, cluster_unlocked', async () => {
    const status = statusOf('replica', { dcsLastSeenMs: NOW_MS - 31_000 });
    const got = await codes(status, [
      '/replica',
      '/async',
      '/asynchronous',
      '/sync',
      '/read-only-sync',
      '/read-only',
    ]);
    expect(got).toEqual({
      '/replica': 200,
      '/async': 503,
      '/asynchronous': 503,
      '/sync': 503,
      '/read-only-sync': 503,
      '/read-only': 200,
    });
    api = await startApi(status);
    expect(JSON.parse((await request(api.port, '/patroni')).body).cluster_unlocked).toBe(true);
  });

  test('lagging replica honours ?lag= in bytes and units on every replica-based path', async () => {
    const behindBytes = 2 * 1024 * 1024;
    const status = statusOf('replica');
    api = await startApi(status);
    api.commands.probeResult = replicaQuery({
      replayedLsn: asLsn(LEADER_LSN - behindBytes),
      receivedLsn: asLsn(LEADER_LSN - behindBytes),
    });
    const expected: Record<string, number> = {
      '/replica': 200,
      '/replica?lag=1MB': 503,
      '/replica?lag=1048576': 503,
      '/replica?lag=2MB': 200,
      '/replica?lag=10%20MB': 200,
      '/replica?lag=nonsense': 200,
      '/read-only?lag=1MB': 503,
      '/async?lag=1MB': 503,
      '/async?lag=3MB': 200,
      '/health?lag=1kB': 200,
    };
    for (const [path, code] of Object.entries(expected)) {
      expect([path, (await request(api.port, path)).status]).toEqual([path, code]);
    }
  });

  test('tags: ?tag_k=v must match the node tags (text, lower-cased non-strings)', async () => {
    const status = statusOf('replica', { tags: { dc: 'eu1', weight: 3, clonefrom: true } });
    const got = await codes(status, [
      '/replica?tag_dc=eu1',
      '/replica?tag_dc=eu1&tag_weight=3',
      '/replica?tag_dc=EU1',
      '/replica?tag_clonefrom=true',
      '/replica?tag_nofailover=false',
      '/replica?tag_dc=eu1&tag_dc=us1',
      '/health?tag_dc=us1',
      '/read-only?tag_weight=4',
    ]);
    expect(got).toEqual({
      '/replica?tag_dc=eu1': 200,
      '/replica?tag_dc=eu1&tag_weight=3': 200,
      '/replica?tag_dc=EU1': 503,
      '/replica?tag_clonefrom=true': 200,
      '/replica?tag_nofailover=false': 503,
      '/replica?tag_dc=eu1&tag_dc=us1': 200,
      '/health?tag_dc=us1': 503,
      '/read-only?tag_weight=4': 503,
    });
  });

  test('tags are ignored on leader checks', async () => {
    const got = await codes(statusOf('primary', { tags: { dc: 'eu1' } }), [
      '/primary?tag_dc=us1',
      '/leader?tag_x=1',
    ]);
    expect(got).toEqual({ '/primary?tag_dc=us1': 200, '/leader?tag_x=1': 200 });
  });

  test('noloadbalance replica: out of /replica and /read-only, still healthy', async () => {
    const got = await codes(statusOf('replica', { tags: { noloadbalance: true } }), [
      '/replica',
      '/read-only',
      '/health',
    ]);
    expect(got).toEqual({ '/replica': 503, '/read-only': 503, '/health': 200 });
  });

  test('synchronous mode: the sync standby answers /sync, not /async', async () => {
    const config = { ...BENCH_CONFIG, synchronous_mode: true };
    const cluster = benchCluster({ config, sync: { leader: 'node2', sync_standby: 'node1' } });
    const status = statusOf('replica', { cluster, dynamicConfig: config });
    const got = await codes(status, [
      '/sync',
      '/synchronous',
      '/async',
      '/read-only-sync',
      '/quorum',
      '/read-only-quorum',
    ]);
    expect(got).toEqual({
      '/sync': 200,
      '/synchronous': 200,
      '/async': 503,
      '/read-only-sync': 200,
      '/quorum': 503,
      '/read-only-quorum': 503,
    });
    api = await startApi(status);
    expect(JSON.parse((await request(api.port, '/patroni')).body).sync_standby).toBe(true);
  });

  test('quorum mode: voters answer /quorum and /read-only-quorum, not /sync', async () => {
    const config = { ...BENCH_CONFIG, synchronous_mode: 'quorum' };
    const cluster = benchCluster({ config, sync: { leader: 'node2', sync_standby: 'node1', quorum: 1 } });
    const status = statusOf('replica', { cluster, dynamicConfig: config });
    const got = await codes(status, ['/sync', '/async', '/quorum', '/read-only-quorum', '/read-only-sync']);
    expect(got).toEqual({
      '/sync': 503,
      '/async': 503,
      '/quorum': 200,
      '/read-only-quorum': 200,
      '/read-only-sync': 503,
    });
  });

  test('primary answers /read-only-quorum and /read-only-sync', async () => {
    const got = await codes(statusOf('primary'), ['/read-only-quorum', '/read-only-sync', '/quorum']);
    expect(got).toEqual({ '/read-only-quorum': 200, '/read-only-sync': 200, '/quorum': 503 });
  });

  test('?replication_state= narrows /replica', async () => {
    const status = statusOf('replica');
    const got = await codes(status, [
      '/replica?replication_state=streaming',
      '/replica?replication_state=in%20archive%20recovery',
    ]);
    expect(got).toEqual({
      '/replica?replication_state=streaming': 200,
      '/replica?replication_state=in%20archive%20recovery': 503,
    });
  });

  test('HEAD answers the same code as GET with no body', async () => {
    const status = statusOf('replica');
    expect(await codes(status, ['/replica', '/primary', '/patroni', '/liveness'], 'HEAD')).toEqual({
      '/replica': 200,
      '/primary': 503,
      '/patroni': 503,
      '/liveness': 503,
    });
  });
});
