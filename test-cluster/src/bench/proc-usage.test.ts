import { describe, expect, it } from 'vitest';
import { cpuPercentOfCore, readProcUsage, readRssBytes, rssOverWindow } from './proc-usage.js';

/** Spins on this thread for `ms` of CPU time. */
function burn(ms: number): void {
  const start = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) return;
  }
}

describe('readProcUsage', () => {
  it("counts this process's CPU time in nanoseconds from its threads' schedstat, as its own clock does", () => {
    const before = readProcUsage(process.pid);
    const ownBefore = process.cpuUsage();
    burn(300);
    const own = process.cpuUsage(ownBefore);
    const after = readProcUsage(process.pid);
    expect(before?.cpuNs).toBeDefined();
    expect(after?.cpuNs).toBeDefined();
    if (!before || !after || before.cpuNs === undefined || after.cpuNs === undefined) return;
    const measuredMs = (after.cpuNs - before.cpuNs) / 1e6;
    const ownMs = (own.user + own.system) / 1000;
    // Other threads of the test worker may run too: never less than this thread's time, not far more.
    expect(measuredMs).toBeGreaterThanOrEqual(ownMs * 0.95);
    expect(measuredMs).toBeLessThan(ownMs + 200);
    const percent = cpuPercentOfCore(before, after, 1000);
    expect(percent).toBeCloseTo(measuredMs / 10, 5);
  });

  it('falls back to clock ticks when the readings have no schedstat', () => {
    const before = { rssBytes: 0, cpuTicks: 100, childCpuTicks: 0 };
    const after = { rssBytes: 0, cpuTicks: 150, childCpuTicks: 30 };
    expect(cpuPercentOfCore(before, after, 10_000)).toBeCloseTo(5, 5);
    expect(cpuPercentOfCore(before, after, 10_000, true)).toBeCloseTo(8, 5);
  });

  it('is undefined for a process that is gone', () => {
    expect(readProcUsage(2 ** 22 + 12345)).toBeUndefined();
  });

  it("reads this process's RSS, and sums readings up as mean and peak", () => {
    const rss = readRssBytes(process.pid);
    expect(rss).toBeGreaterThan(10 * 1024 * 1024);
    expect(readRssBytes(2 ** 22 + 12345)).toBeUndefined();
    const mib = 1024 * 1024;
    expect(rssOverWindow([58 * mib, 60 * mib, 59 * mib])).toEqual({ meanMiB: 59, peakMiB: 60 });
    expect(() => rssOverWindow([])).toThrow(/no RSS reading/);
  });
});
