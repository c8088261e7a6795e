import { describe, expect, it } from 'vitest';
import { parseTimelineHistory } from './replication-connection.js';
import { historyFileName, localIsoTimestamp } from './timeline.js';

describe('timeline history helpers (postgres.md §4.4)', () => {
  it('names the history file with the timeline as 8 upper-case hex digits', () => {
    expect(historyFileName(2)).toBe('00000002.history');
    expect(historyFileName(26)).toBe('0000001A.history');
  });

  it('prints a file time like Python isoformat: local time, microseconds unless zero, offset', () => {
    const ns = 1_790_000_000_123_456_789n;
    const text = localIsoTimestamp(ns);
    expect(text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.123456[+-]\d\d:\d\d$/);
    expect(Date.parse(text)).toBe(1_790_000_000_123);
    const whole = localIsoTimestamp(1_790_000_000_000_000_000n);
    expect(whole).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
    expect(Date.parse(whole)).toBe(1_790_000_000_000);
  });

  it('keeps the reason column and skips lines that are not switches', () => {
    const content =
      '1\t0/3000060\tno recovery target specified\n\n# comment\n2\t0/5000000\tbefore 2024-01-01\n3\t0/6000000\n';
    expect(parseTimelineHistory(content)).toEqual([
      { parentTimeline: 1, switchpoint: 0x3000060, reason: 'no recovery target specified' },
      { parentTimeline: 2, switchpoint: 0x5000000, reason: 'before 2024-01-01' },
      { parentTimeline: 3, switchpoint: 0x6000000, reason: '' },
    ]);
  });
});
