import { describe, expect, it } from 'vitest';
import type { KvNode } from '../dcs/kv.js';
import { clusterAsJson, memberHostPort } from './cluster-json.js';
import { parseCluster } from './parse-cluster.js';

const node = (key: string, value: unknown): KvNode => ({
  key,
  value: typeof value === 'string' ? value : JSON.stringify(value),
  version: '7',
  session: null,
});

const member = (name: string, data: Record<string, unknown>) =>
  node(`members/${name}`, { conn_url: `postgres://${name.toUpperCase()}:5433/postgres`, ...data });

function clusterOf(config: Record<string, unknown> | null, extra: KvNode[] = []) {
  return parseCluster({
    nodes: [
      ...(config ? [node('config', config)] : []),
      node('leader', 'pg1'),
      node('status', { optime: 5000 }),
      node('sync', { leader: 'pg1', sync_standby: 'PG2' }),
      member('pg1', { state: 'running', role: 'primary', xlog_location: 5000, timeline: 3 }),
      member('pg2', { state: 'running', replication_state: 'streaming', xlog_location: '4000' }),
      node('members/pg0', { state: 'starting', api_url: 'http://pg0:8008/patroni' }),
      ...extra,
    ],
  });
}

describe('clusterAsJson (Patroni cluster_as_json)', () => {
  it('sorts members, puts lag before lsn, and keeps Patroni’s key order', () => {
    const json = clusterAsJson(clusterOf({ synchronous_mode: 'on', pause: 'true' }), 'batman');
    expect(Object.keys(json)).toEqual(['members', 'pause', 'scope']);
    expect(json.members.map((m) => [m.name, m.role, m.state])).toEqual([
      ['pg0', 'replica', 'starting'],
      ['pg1', 'leader', 'running'],
      ['pg2', 'sync_standby', 'streaming'],
    ]);
    expect(json.members[1]).toEqual({
      name: 'pg1',
      role: 'leader',
      state: 'running',
      api_url: null,
      host: 'pg1',
      port: 5433,
      timeline: 3,
    });
    const pg2 = json.members[2] ?? {};
    expect(Object.keys(pg2).slice(-6)).toEqual([
      'receive_lsn',
      'receive_lag',
      'replay_lsn',
      'replay_lag',
      'lag',
      'lsn',
    ]);
    expect(pg2).toMatchObject({ lag: 1000, lsn: '0/FA0', receive_lsn: 'unknown' });
    expect(json.members[0]).toMatchObject({ api_url: 'http://pg0:8008/patroni', lsn: 'unknown' });
    expect(json.members[0]?.host).toBeUndefined();
  });

  it('standby and quorum roles; the fallback config applies only without /config', () => {
    const standby = { standby_cluster: { host: 'remote' }, synchronous_mode: true };
    expect(clusterAsJson(clusterOf(standby), 's').members.map((m) => m.role)).toEqual([
      'replica',
      'standby_leader',
      'replica',
    ]);
    const quorum = { synchronous_mode: 'quorum' };
    expect(clusterAsJson(clusterOf(null), 's', { fallbackConfig: quorum }).members[2]?.role).toBe(
      'quorum_standby',
    );
    expect(clusterAsJson(clusterOf({}), 's', { fallbackConfig: quorum }).members[2]?.role).toBe('replica');
  });

  it('scheduled switchover: from/to when set, `at` through the caller’s formatter', () => {
    const failover = node('failover', { scheduled_at: '2026-01-02T03:04:05Z', member: 'pg2' });
    const cluster = clusterOf({}, [failover]);
    expect(clusterAsJson(cluster, 's').scheduled_switchover).toEqual({
      at: '2026-01-02T03:04:05Z',
      to: 'pg2',
    });
    const formatted = clusterAsJson(cluster, 's', { formatScheduledAt: (text) => `<${text}>` });
    expect(formatted.scheduled_switchover?.at).toBe('<2026-01-02T03:04:05Z>');
  });

  it('reads host and port as Patroni’s conn_kwargs() does', () => {
    expect(memberHostPort('postgres://DB.Example:6432/x')).toEqual({ host: 'db.example', port: 6432 });
    expect(memberHostPort('postgres://[::1]/x')).toEqual({ host: '::1', port: 5432 });
    expect(memberHostPort('not a url')).toEqual({});
    expect(memberHostPort(42)).toEqual({});
  });
});
