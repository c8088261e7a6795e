import { describe, expect, it } from 'vitest';
import { formatComparison, median, ratio } from './stats.js';

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
  it('ignores missing and non-finite values, and is undefined when none is left', () => {
    expect(median([undefined, 5, Number.NaN])).toBe(5);
    expect(median([undefined])).toBeUndefined();
    expect(median([])).toBeUndefined();
  });
});

describe('ratio', () => {
  it('is ours over theirs, undefined without both sides or with a zero denominator', () => {
    expect(ratio(1, 4)).toBe(0.25);
    expect(ratio(undefined, 4)).toBeUndefined();
    expect(ratio(1, 0)).toBeUndefined();
  });
});

describe('formatComparison', () => {
  it('prints aligned columns with the ratio and a dash for missing figures', () => {
    const text = formatComparison('fast profile', [
      { label: 'bootstrap', unit: 's', theirs: 9.1, ours: 3.04, target: 'no slot wait', digits: 1 },
      { label: 'rejoin', unit: 's', theirs: 3.2, ours: undefined, target: '≤ 0.5x' },
    ]);
    expect(text.split('\n')).toEqual([
      'fast profile',
      'metric         Patroni 3.0.2  ours  ours/theirs        target',
      '-------------  -------------  ----  -----------  ------------',
      'bootstrap (s)            9.1   3.0        0.33x  no slot wait',
      'rejoin (s)              3.20     —            —        ≤ 0.5x',
    ]);
  });
});
