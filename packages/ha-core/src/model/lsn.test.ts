import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatLsn, parseLsn, tryParseLsn } from './lsn.js';
import { asLsn } from './types.js';

describe('LSN text', () => {
  it.each([
    ['0/0', 0],
    ['0/3000060', 0x3000060],
    ['16/B374D848', 0x16 * 2 ** 32 + 0xb374d848],
    ['FFFFF/FFFFFFFF', 0xfffff * 2 ** 32 + 0xffffffff],
    ['16/b374d848', 0x16 * 2 ** 32 + 0xb374d848],
  ])('parses %s', (text, bytes) => {
    expect(parseLsn(text)).toBe(bytes);
  });

  it.each(['', '16', '/1', '1/', 'G/1', '1/2/3', '123456789/0', 'x'])('rejects %j', (text) => {
    expect(tryParseLsn(text)).toBeNull();
    expect(() => parseLsn(text)).toThrow(RangeError);
  });

  it('formats as %X/%X', () => {
    expect(formatLsn(asLsn(0x16 * 2 ** 32 + 0xb374d848))).toBe('16/B374D848');
    expect(formatLsn(asLsn(0))).toBe('0/0');
    expect(formatLsn(asLsn(0x3000060))).toBe('0/3000060');
  });

  it('round-trips every LSN below 2^53', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (bytes) => {
        expect(parseLsn(formatLsn(asLsn(bytes)))).toBe(bytes);
      }),
    );
  });
});
