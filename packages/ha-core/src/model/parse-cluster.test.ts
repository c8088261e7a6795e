import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KvNode } from '../dcs/kv.js';
import { clusterTimeline, isUnlocked, leaderName, minPatroniVersion } from './cluster-queries.js';
import { BACKEND_VERSION_SOURCES, emptyCluster, parseCluster } from './parse-cluster.js';
import { patroni302Snapshot } from './testdata/fixture.js';

const node = (key: string, value: string, extra: Partial<KvNode> = {}): KvNode => ({
  key,
  value,
  version: '7',
  session: null,
  ...extra,
});
const parseOne = (key: string, value: string, extra: Partial<KvNode> = {}) =>
  parseCluster({ nodes: [node(key, value, extra)] });

describe('parseCluster on values written by Python Patroni 3.0.2 (etcd3 capture)', () => {
  const { snapshot } = patroni302Snapshot();
  const cluster = parseCluster(snapshot);

  it('reads every key', () => {
    expect(cluster.initialize).toBe('7712418725868607391');
    expect(cluster.config?.version).toBe('11');
    expect(cluster.config?.modifyVersion).toBe('11');
    expect(cluster.config?.data).toMatchObject({ ttl: 30, loop_wait: 10, postgresql: { use_slots: true } });
    expect(cluster.failover).toMatchObject({
      version: '29',
      leader: null,
      candidate: null,
      scheduledAt: null,
    });
    expect(cluster.history?.lines).toEqual([
      [1, 67280280, 'no recovery target specified', '2026-11-26T10:03:51.516755+00:00', 'node2'],
    ]);
    expect(clusterTimeline(cluster)).toBe(2);
    expect(cluster.status).toEqual({ lastLsn: 67282344, slots: null, retainSlots: [] });
    expect(cluster.sync).toEqual({ version: null, leader: null, syncStandbys: [], quorum: 0 });
    expect(cluster.failsafe).toBeNull();
    expect(cluster.problems).toEqual([]);
  });

  it('reads the leader and its member (role master)', () => {
    expect(leaderName(cluster)).toBe('node2');
    expect(isUnlocked(cluster)).toBe(false);
    expect(cluster.leader?.session).toBe('3690315165677877258');
    expect(cluster.leader?.version).toBe('28');
    expect(cluster.leader?.member.data.role).toBe('master');
    expect(cluster.leader?.member.version).toBe('40');
  });

  it('reads members with derived fields', () => {
    expect(cluster.members.map((m) => m.name)).toEqual(['node1', 'node2', 'node3']);
    const node1 = cluster.members[0];
    expect(node1).toMatchObject({
      name: 'node1',
      session: '3690315165677877255',
      isRunning: true,
      lsn: 67282344,
      patroniVersion: [3, 0, 2],
    });
    expect(node1?.data.conn_url).toBe('postgres://127.0.0.1:15432/postgres');
    expect(node1?.data.timeline).toBe(2);
    expect(minPatroniVersion(cluster)).toEqual([3, 0, 2]);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(cluster)).toBe(true);
    expect(Object.isFrozen(cluster.members[0]?.data)).toBe(true);
    expect(Object.isFrozen(cluster.config?.data.postgresql)).toBe(true);
  });
});

describe('members', () => {
  it.each([
    ['JSON object', '{"state":"running","role":"primary"}', { state: 'running', role: 'primary' }, 0],
    ['JSON array', '[1]', {}, 1],
    ['JSON string', '"x"', {}, 1],
    ['garbage', 'not json', {}, 1],
    ['empty', '', {}, 1],
    [
      'Governor URL',
      'postgres://u:p@10.0.0.1:5432/postgres?application_name=http://10.0.0.1:8008/patroni',
      { conn_url: 'postgres://u:p@10.0.0.1:5432/postgres', api_url: 'http://10.0.0.1:8008/patroni' },
      0,
    ],
    ['Governor URL without query', 'postgres://h:5432/db', { conn_url: 'postgres://h:5432/db' }, 0],
  ])('%s', (_name, value, data, problems) => {
    const cluster = parseOne('members/pg1', value);
    expect(cluster.members[0]?.data).toEqual(data);
    expect(cluster.problems).toHaveLength(problems);
  });

  it('ignores keys deeper than one level and empty names', () => {
    const cluster = parseCluster({
      nodes: [node('members/a/b', '{}'), node('members/', '{}'), node('members/pg-1', '{}')],
    });
    expect(cluster.members.map((m) => m.name)).toEqual(['pg-1']);
  });

  it('derives lsn 0 and null version for missing or bad fields', () => {
    const member = parseOne('members/x', '{"xlog_location":"abc","version":"dev"}').members[0];
    expect(member).toMatchObject({ lsn: 0, patroniVersion: null, isRunning: false });
  });
});

describe('leader', () => {
  it('is a stub member when the member key is missing', () => {
    const cluster = parseOne('leader', 'pg-9', { session: 's1' });
    expect(cluster.leader).toMatchObject({ name: 'pg-9', session: 's1', version: '7' });
    expect(cluster.leader?.member).toMatchObject({ name: 'pg-9', data: {}, version: null });
  });

  it('an empty leader value means unlocked', () => {
    expect(isUnlocked(parseOne('leader', ''))).toBe(true);
    expect(isUnlocked(emptyCluster())).toBe(true);
  });

  it('uses the etcd v2 watch index when told to', () => {
    const cluster = parseCluster(
      { nodes: [node('leader', 'a', { version: '10', altVersion: '12' })] },
      BACKEND_VERSION_SOURCES.etcd,
    );
    expect(cluster.leader?.version).toBe('12');
  });
});

describe('config', () => {
  it.each([
    ['object', '{"ttl":30}', { ttl: 30 }, '7'],
    ['empty object', '{}', {}, '7'],
    ['array', '[1]', {}, 0],
    ['garbage', 'x', {}, 0],
    ['number', '3', {}, 0],
  ])('%s', (_name, value, data, modifyVersion) => {
    expect(parseOne('config', value).config).toEqual({ version: '7', data, modifyVersion });
  });

  it('uses ZooKeeper mzxid for modifyVersion and history version', () => {
    const cluster = parseCluster(
      {
        nodes: [
          node('config', '{}', { version: '3', altVersion: '4096' }),
          node('history', '[]', { version: '1', altVersion: '5000' }),
        ],
      },
      BACKEND_VERSION_SOURCES.zookeeper,
    );
    expect(cluster.config).toMatchObject({ version: '3', modifyVersion: '4096' });
    expect(cluster.history?.version).toBe('5000');
  });
});

describe('failover', () => {
  it.each([
    ['absent-like {}', '{}', { leader: null, candidate: null, scheduledAt: null }],
    ['switchover', '{"leader":"a","member":"b"}', { leader: 'a', candidate: 'b' }],
    ['failover', '{"member":"b"}', { leader: null, candidate: 'b' }],
    [
      'scheduled',
      '{"leader":"a","scheduled_at":"2024-07-02T14:00:00+00:00"}',
      { leader: 'a', scheduledAt: '2024-07-02T14:00:00+00:00', scheduledAtMs: Date.UTC(2024, 6, 2, 14) },
    ],
    ['legacy text', ' a : b ', { leader: 'a', candidate: 'b' }],
    ['legacy text leader only', 'a', { leader: 'a', candidate: null }],
    ['JSON array', '[1]', { leader: null, candidate: null }],
    ['empty string', '', { leader: null, candidate: null }],
  ])('%s', (_name, value, expected) => {
    expect(parseOne('failover', value).failover).toMatchObject({ version: '7', ...expected });
  });

  it('an unparseable scheduled_at is NaN (stale, to be cleaned up)', () => {
    expect(parseOne('failover', '{"leader":"a","scheduled_at":"soon"}').failover?.scheduledAtMs).toBeNaN();
  });
});

describe('sync', () => {
  it.each([
    ['3.x', '{"leader":"a","sync_standby":"b"}', { leader: 'a', syncStandbys: ['b'], quorum: 0 }],
    ['3.x none', '{"leader":"a","sync_standby":null}', { leader: 'a', syncStandbys: [], quorum: 0 }],
    [
      '4.x quorum',
      '{"leader":"n0","quorum":1,"sync_standby":"n1,n2,n3"}',
      { leader: 'n0', syncStandbys: ['n1', 'n2', 'n3'], quorum: 1 },
    ],
    ['quorum without leader', '{"leader":null,"quorum":2,"sync_standby":"b"}', { leader: null, quorum: 0 }],
    ['ZooKeeper cleared', '{}', { leader: null, syncStandbys: [], quorum: 0 }],
    ['garbage', 'x', { leader: null, syncStandbys: [], quorum: 0 }],
  ])('%s', (_name, value, expected) => {
    expect(parseOne('sync', value).sync).toMatchObject({ version: '7', ...expected });
  });
});

describe('history and timeline', () => {
  it.each([
    ['[]', 1],
    ['[[1,100,"r"]]', 2],
    ['[[1,100,"r"],[2,200,"r","2024-07-01T10:11:12+02:00","pg2"]]', 3],
    ['garbage', 0],
    ['{}', 0],
  ])('%s → timeline %d', (value, timeline) => {
    expect(clusterTimeline(parseOne('history', value))).toBe(timeline);
  });

  it('absent history → timeline 0', () => {
    expect(clusterTimeline(emptyCluster())).toBe(0);
  });
});

describe('status', () => {
  it.each([
    ['legacy int', '12345', { lastLsn: 12345, slots: null, retainSlots: [] }],
    [
      '3.x object',
      '{"optime":50331648,"slots":{"pg_node_1":50331648}}',
      { lastLsn: 50331648, slots: { pg_node_1: 50331648 } },
    ],
    ['slots as JSON string', '{"optime":1,"slots":"{\\"a\\":2}"}', { lastLsn: 1, slots: { a: 2 } }],
    ['bad slot values → 0', '{"optime":1,"slots":{"a":"x"}}', { slots: { a: 0 } }],
    ['slots garbage', '{"optime":1,"slots":5}', { slots: null }],
    ['4.x retain_slots', '{"optime":1,"retain_slots":["a","b"]}', { retainSlots: ['a', 'b'] }],
    ['retain_slots as JSON string', '{"optime":1,"retain_slots":"[\\"a\\"]"}', { retainSlots: ['a'] }],
    ['optime garbage', '{"optime":"x"}', { lastLsn: 0 }],
    ['not JSON', 'abc', { lastLsn: 0, slots: null, retainSlots: [] }],
  ])('%s', (_name, value, expected) => {
    expect(parseOne('status', value).status).toMatchObject(expected);
  });

  it('falls back to optime/leader only when status is absent', () => {
    expect(parseOne('optime/leader', '999').status.lastLsn).toBe(999);
    const both = parseCluster({ nodes: [node('optime/leader', '999'), node('status', '{"optime":5}')] });
    expect(both.status.lastLsn).toBe(5);
  });
});

describe('failsafe', () => {
  it.each([
    ['{"a":"http://a:8008/patroni"}', { a: 'http://a:8008/patroni' }],
    ['garbage', null],
    ['[1]', null],
  ])('%s', (value, expected) => {
    expect(parseOne('failsafe', value).failsafe).toEqual(expected);
  });
});

describe('garbage never throws', () => {
  const keys = [
    'initialize',
    'config',
    'leader',
    'status',
    'optime/leader',
    'members/a',
    'failover',
    'sync',
    'history',
    'failsafe',
  ];
  it('for any string in any key', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: fc.constantFrom(...keys), value: fc.oneof(fc.string(), fc.json()) }), {
          maxLength: 12,
        }),
        (entries) => {
          const cluster = parseCluster({ nodes: entries.map((e) => node(e.key, e.value)) });
          expect(typeof clusterTimeline(cluster)).toBe('number');
          expect(Number.isFinite(cluster.status.lastLsn)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
