import type { Clock } from '../dcs/clock.js';

interface Timer {
  readonly atMs: number;
  readonly seq: number;
  readonly fire: () => void;
}

/** Lets pending promise continuations run (they may schedule new timers) before time moves on. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Virtual time for tests and the simulator: nothing happens until `advance()` moves the clock; timers fire
 * in time order, and code woken by a timer runs before the next one fires.
 */
export class ManualClock implements Clock {
  private nowMs: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(startMs = 0) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer: Timer = {
        atMs: this.nowMs + ms,
        seq: this.seq++,
        fire: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.timers = this.timers.filter((t) => t !== timer);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
    });
  }

  /** Number of sleeps waiting for time to pass. */
  pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing every timer due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const targetMs = this.nowMs + Math.max(0, ms);
    for (;;) {
      await settle();
      const next = this.nextTimer(targetMs);
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.nowMs = next.atMs;
      next.fire();
    }
    this.nowMs = targetMs;
    await settle();
  }

  /** Advances in `stepMs` steps until `condition()` holds or `maxMs` passed; returns whether it held. */
  async advanceUntil(condition: () => boolean, maxMs: number, stepMs = 100): Promise<boolean> {
    for (let elapsed = 0; elapsed <= maxMs; elapsed += stepMs) {
      if (condition()) return true;
      await this.advance(stepMs);
    }
    return condition();
  }

  private nextTimer(targetMs: number): Timer | undefined {
    let next: Timer | undefined;
    for (const timer of this.timers) {
      if (timer.atMs > targetMs) continue;
      if (!next || timer.atMs < next.atMs || (timer.atMs === next.atMs && timer.seq < next.seq)) next = timer;
    }
    return next;
  }
}
