import { describe, expect, it } from 'vitest';
import { leaderWatchIndex } from './v2/etcd2-kv.js';
import { prefixRangeEnd } from './v3/etcd3-kv.js';

describe('key helpers', () => {
  it('prefixRangeEnd increments the last byte (etcd prefix ranges)', () => {
    expect(prefixRangeEnd(Buffer.from('/service/batman/')).toString()).toBe('/service/batman0');
    expect([...prefixRangeEnd(Buffer.from([0x61, 0xff]))]).toEqual([0x62]);
    expect([...prefixRangeEnd(Buffer.from([0xff]))]).toEqual([0]);
  });

  it('leaderWatchIndex: X-Etcd-Index when greater than modifiedIndex, else modifiedIndex + 1', () => {
    expect(leaderWatchIndex(10, 15)).toBe(15);
    expect(leaderWatchIndex(10, 10)).toBe(11);
    expect(leaderWatchIndex(10, null)).toBe(11);
  });
});
