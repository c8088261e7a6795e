import { describe, expect, it } from 'vitest';
import { parseDcsUrl } from './ctl-config.js';
import { yamlFlow } from './output.js';
import { pyJsonDumps } from './py-json.js';
import { parseScheduled } from './scheduled.js';
import { unifiedDiff } from './unified-diff.js';

describe('parseDcsUrl', () => {
  it.each([
    ['', { etcd: { host: 'localhost:2379' } }],
    ['etcd://:2399', { etcd: { host: 'localhost:2399' } }],
    ['etcd://test', { etcd: { host: 'test:2379' } }],
    ['etcd3://random.com:2399', { etcd3: { host: 'random.com:2399' } }],
    [
      'etcd3://random.com:2399/customnamespace',
      { etcd3: { host: 'random.com:2399' }, namespace: '/customnamespace' },
    ],
    ['127.0.0.1:2181', { zookeeper: { hosts: ['127.0.0.1:2181'] } }],
    ['exhibitor://ex1', { exhibitor: { hosts: ['ex1'], port: 8181 } }],
    ['consul://c:8500/', { consul: { host: 'c:8500' } }],
  ])('%s', (url, expected) => {
    expect(parseDcsUrl(url)).toEqual(expected);
  });
  it('an unknown scheme', () => {
    expect(() => parseDcsUrl('raft://x')).toThrow('Unknown dcs scheme: raft');
  });
});

describe('parseScheduled', () => {
  it('keeps the given offset, as Python isoformat', () => {
    expect(parseScheduled('2023-05-29T04:32:31-03')?.iso).toBe('2023-05-29T04:32:31-03:00');
    expect(parseScheduled('2023-05-29 04:32Z')?.iso).toBe('2023-05-29T04:32:00+00:00');
    expect(parseScheduled('2023-05-29T04:32:31.5+05:30')?.iso).toBe('2023-05-29T04:32:31.500000+05:30');
    expect(parseScheduled('now')).toBeNull();
    expect(parseScheduled(undefined)).toBeNull();
  });
  it('a local time gets the local offset', () => {
    const local = parseScheduled('2023-05-29T04:32:31');
    expect(local?.epochMs).toBe(new Date(2023, 4, 29, 4, 32, 31).getTime());
  });
});

describe('unifiedDiff (difflib.unified_diff)', () => {
  it('separate hunks when more than 6 equal lines apart', () => {
    const before = Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n');
    const after = before.replace('l1\n', 'L1\n').replace('l18', 'L18');
    expect(unifiedDiff(before, after)).toEqual([
      '--- ',
      '+++ ',
      '@@ -1,5 +1,5 @@',
      ' l0',
      '-l1',
      '+L1',
      ' l2',
      ' l3',
      ' l4',
      '@@ -16,5 +16,5 @@',
      ' l15',
      ' l16',
      ' l17',
      '-l18',
      '+L18',
      ' l19',
    ]);
  });
  it('no difference → no lines; pure insertion at the end', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n')).toEqual([]);
    expect(unifiedDiff('a\n', 'a\nb\n')).toEqual(['--- ', '+++ ', '@@ -1 +1,2 @@', ' a', '+b']);
    expect(unifiedDiff('a\n', 'b\n')).toEqual(['--- ', '+++ ', '@@ -1 +1 @@', '-a', '+b']);
  });
});

describe('python-compatible text', () => {
  it('json.dumps separators and escapes', () => {
    expect(pyJsonDumps([{ a: 1, b: 'é', c: null, d: [true] }])).toBe(
      '[{"a": 1, "b": "\\u00e9", "c": null, "d": [true]}]',
    );
  });
  it('YAML flow style of tags', () => {
    expect(yamlFlow({ nofailover: true, dc: 'eu1', on: 'on' })).toBe("{dc: eu1, nofailover: true, on: 'on'}");
  });
});
