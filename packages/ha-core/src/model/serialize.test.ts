import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCluster } from './parse-cluster.js';
import {
  pythonJsonDumps,
  serializeFailover,
  serializeFailsafe,
  serializeHistory,
  serializeMemberData,
  serializeStatus,
  serializeSync,
} from './serialize.js';
import { patroni302Snapshot } from './testdata/fixture.js';
import { asLsn } from './types.js';

describe('writers are byte-compatible with what Patroni 3.0.2 wrote', () => {
  const { snapshot, values } = patroni302Snapshot();
  const cluster = parseCluster(snapshot);

  it.each(['node1', 'node2', 'node3'])('member %s', (name) => {
    const member = cluster.members.find((m) => m.name === name);
    expect(member && serializeMemberData(member.data)).toBe(values.get(`members/${name}`));
  });

  it('status, failover, history, config', () => {
    expect(serializeStatus({ lastLsn: cluster.status.lastLsn })).toBe(values.get('status'));
    expect(serializeFailover({})).toBe(values.get('failover'));
    expect(serializeHistory(cluster.history?.lines ?? [])).toBe(values.get('history'));
    expect(pythonJsonDumps(cluster.config?.data)).toBe(values.get('config'));
  });
});

describe('pythonJsonDumps (ensure_ascii)', () => {
  it.each([
    [{ a: 'é' }, '{"a":"\\u00e9"}'],
    [{ a: '😀' }, '{"a":"\\ud83d\\ude00"}'],
    [{ a: '\u007f\n\t"\\/' }, '{"a":"\\u007f\\n\\t\\"\\\\/"}'],
    [{ a: '\u0001' }, '{"a":"\\u0001"}'],
    [{ ключ: [1, true, null] }, '{"\\u043a\\u043b\\u044e\\u0447":[1,true,null]}'],
  ])('%j', (value, text) => {
    expect(pythonJsonDumps(value)).toBe(text);
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe('serializers', () => {
  it('member data in Patroni field order, unknown fields last', () => {
    expect(
      serializeMemberData({
        timeline: 3,
        custom: 1,
        role: 'replica',
        conn_url: 'c',
        api_url: 'a',
        state: 'running',
        version: '4.1.0',
        xlog_location: 5,
        replication_state: 'streaming',
        receive_lsn: 6,
        replay_lsn: 5,
        tags: { nofailover: false, failover_priority: 2 },
      }),
    ).toBe(
      '{"conn_url":"c","api_url":"a","state":"running","role":"replica","version":"4.1.0",' +
        '"tags":{"nofailover":false,"failover_priority":2},"xlog_location":5,"replay_lsn":5,"receive_lsn":6,' +
        '"replication_state":"streaming","timeline":3,"custom":1}',
    );
  });

  it.each([
    [
      { leader: 'a', member: 'b', scheduled_at: '2024-07-02T14:00:00+00:00' },
      '{"leader":"a","member":"b","scheduled_at":"2024-07-02T14:00:00+00:00"}',
    ],
    [{ member: 'b' }, '{"member":"b"}'],
    [{ leader: '', member: null }, '{}'],
  ])('failover %j', (request, text) => {
    expect(serializeFailover(request)).toBe(text);
  });

  it.each([
    ['n0', ['n3', 'n1', 'n2'], 1, '{"leader":"n0","quorum":1,"sync_standby":"n1,n2,n3"}'],
    ['a', [], 0, '{"leader":"a","quorum":0,"sync_standby":null}'],
    ['a', ['b'], null, '{"leader":"a","sync_standby":"b"}'],
    ['a', ['b', 'B', 'a-1'], null, '{"leader":"a","sync_standby":"B,a-1,b"}'],
  ] as const)('sync %s %j quorum %s', (leader, standbys, quorum, text) => {
    expect(serializeSync(leader, standbys, quorum)).toBe(text);
  });

  it.each([
    [{ lastLsn: asLsn(5) }, '{"optime":5}'],
    [{ lastLsn: asLsn(5), slots: {}, retainSlots: [] }, '{"optime":5}'],
    [
      { lastLsn: asLsn(5), slots: { a: 4 }, retainSlots: ['a', 'b'] },
      '{"optime":5,"slots":{"a":4},"retain_slots":["a","b"]}',
    ],
  ])('status %j', (status, text) => {
    expect(serializeStatus(status)).toBe(text);
  });

  it('failsafe', () => {
    expect(serializeFailsafe({ a: 'http://a/patroni', b: 'http://b/patroni' })).toBe(
      '{"a":"http://a/patroni","b":"http://b/patroni"}',
    );
  });
});

describe('pythonJsonDumps property', () => {
  it('is printable ASCII and parses back to the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = pythonJsonDumps(value);
        expect(text).toMatch(/^[\x20-\x7e]*$/);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});
