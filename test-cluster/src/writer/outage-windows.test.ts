import { describe, expect, it } from 'vitest';
import { longestWindow, OutageTracker } from './outage-windows.js';

describe('OutageTracker', () => {
  it('reports nothing while writes are acknowledged at a steady pace', () => {
    const tracker = new OutageTracker(0, 250);
    for (let t = 20; t <= 1_000; t += 20) tracker.acknowledged(t);
    expect(tracker.finish(1_010)).toEqual([]);
  });

  it('measures a window from the last acknowledgement before failures to the first one after', () => {
    const tracker = new OutageTracker(0, 250);
    tracker.acknowledged(100);
    tracker.failed(120, 'connection refused');
    tracker.failed(140, 'the database system is starting up');
    expect(tracker.inOutage).toBe(true);
    tracker.acknowledged(1_300);
    expect(tracker.inOutage).toBe(false);
    expect(tracker.finish(1_320)).toEqual([
      {
        startMs: 100,
        endMs: 1_300,
        durationMs: 1_200,
        failedAttempts: 2,
        firstError: 'connection refused',
        open: false,
      },
    ]);
  });

  it('counts a slow acknowledgement without failures as an outage only above the threshold', () => {
    const tracker = new OutageTracker(0, 250);
    tracker.acknowledged(200);
    tracker.acknowledged(700);
    const windows = tracker.finish(710);
    expect(windows).toHaveLength(1);
    expect(windows[0]).toMatchObject({ startMs: 200, endMs: 700, failedAttempts: 0, open: false });
  });

  it('reports an outage still going on when the writer stops as open', () => {
    const tracker = new OutageTracker(0, 250);
    tracker.acknowledged(50);
    tracker.failed(70, 'timeout');
    expect(tracker.finish(900)).toEqual([
      { startMs: 50, endMs: 900, durationMs: 850, failedAttempts: 1, firstError: 'timeout', open: true },
    ]);
  });

  it('picks the longest of several windows', () => {
    const tracker = new OutageTracker(0, 250);
    tracker.failed(10, 'a');
    tracker.acknowledged(400);
    tracker.failed(420, 'b');
    tracker.acknowledged(2_000);
    tracker.failed(2_020, 'c');
    tracker.acknowledged(2_100);
    const windows = tracker.finish(2_120);
    expect(windows.map((w) => w.durationMs)).toEqual([400, 1_600, 100]);
    expect(longestWindow(windows)?.firstError).toBe('b');
    expect(longestWindow([])).toBeUndefined();
  });
});
