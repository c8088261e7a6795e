/**
 * The one virtual clock of a run: an event queue ordered by (time, insertion order). Nothing in the simulator
 * uses real timers; an event runs, then every promise it settled runs to completion (one `setImmediate` hop
 * drains the microtask queue, and there is no real IO to interleave), then the next event runs. Same seed,
 * same order, same trace.
 */
interface Timer {
  readonly atMs: number;
  readonly seq: number;
  readonly run: () => void;
  cancelled: boolean;
}

export interface TimerHandle {
  cancel(): void;
}

/** Virtual time starts here (2027-01-15T08:00:00Z), so timestamps the agents write look real. */
export const SIM_EPOCH_MS = 1_799_999_200_000;

export class Scheduler {
  private current = 0;
  private seq = 0;
  private readonly heap: Timer[] = [];
  /** Events run so far (a run's cost). */
  eventsRun = 0;

  /** Virtual ms since the start of the run. */
  get nowMs(): number {
    return this.current;
  }

  /** The `Clock` view: epoch ms. */
  now(): number {
    return SIM_EPOCH_MS + this.current;
  }

  /** Runs `run` at `now + delayMs` (delay clamped to ≥ 0). */
  schedule(delayMs: number, run: () => void): TimerHandle {
    const timer: Timer = {
      atMs: this.current + Math.max(0, delayMs),
      seq: this.seq++,
      run,
      cancelled: false,
    };
    this.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Resolves after `delayMs` of virtual time; an abort resolves it at once. */
  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) {
        resolve();
        return;
      }
      const onAbort = (): void => {
        handle.cancel();
        resolve();
      };
      const handle = this.schedule(delayMs, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Runs events until the queue is empty, the next event is after `endMs`, or `afterEvent` returns 'stop'.
   * The clock ends at `endMs` unless stopped early.
   */
  async runUntil(endMs: number, afterEvent: () => 'stop' | undefined): Promise<void> {
    await settle();
    for (;;) {
      const next = this.heap[0];
      if (!next || next.atMs > endMs) break;
      this.pop();
      if (next.cancelled) continue;
      this.current = next.atMs;
      this.eventsRun++;
      next.run();
      await settle();
      if (afterEvent() === 'stop') return;
    }
    this.current = Math.max(this.current, endMs);
  }

  private push(timer: Timer): void {
    const heap = this.heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(timer, heap[parent] as Timer)) break;
      heap[i] = heap[parent] as Timer;
      i = parent;
    }
    heap[i] = timer;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (!last || heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right] as Timer, heap[left] as Timer) ? right : left;
      if (!before(heap[child] as Timer, last)) break;
      heap[i] = heap[child] as Timer;
      i = child;
    }
    heap[i] = last;
  }
}

function before(x: Timer, y: Timer): boolean {
  return x.atMs < y.atMs || (x.atMs === y.atMs && x.seq < y.seq);
}

/** Lets every settled promise run to completion: microtasks drain before the next macrotask. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
