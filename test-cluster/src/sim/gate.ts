/**
 * What makes one agent process (an incarnation) hang or die. Every call the agent makes into the simulated
 * world (DCS, Postgres, peers, sleeps) passes the gate before and after: while the process is stopped
 * (SIGSTOP) calls wait; once it is killed they never return, so a dead incarnation can do nothing more.
 */
/** More calls than this by one process at one virtual instant is a livelock (virtual time would stop). */
const MAX_CALLS_PER_INSTANT = 20_000;

export class LivelockError extends Error {
  readonly code = 'SIM_LIVELOCK';
}

export class ProcessGate {
  private stopped = false;
  private instantMs = -1;
  private callsThisInstant = 0;

  constructor(private readonly now: () => number) {}

  private killed = false;
  private waiters: (() => void)[] = [];

  get isStopped(): boolean {
    return this.stopped;
  }

  get isKilled(): boolean {
    return this.killed;
  }

  stop(): void {
    this.stopped = true;
  }

  resume(): void {
    this.stopped = false;
    if (this.killed) return;
    const waiters = this.waiters.splice(0);
    for (const wake of waiters) wake();
  }

  private countCall(): void {
    const now = this.now();
    if (now !== this.instantMs) {
      this.instantMs = now;
      this.callsThisInstant = 0;
    }
    if (++this.callsThisInstant > MAX_CALLS_PER_INSTANT) {
      throw new LivelockError(
        `more than ${MAX_CALLS_PER_INSTANT} calls at one virtual instant: zero-time livelock`,
      );
    }
  }

  kill(): void {
    this.killed = true;
    this.waiters = [];
  }

  /** Resolves when the process may run; never when it was killed. */
  pass(): Promise<void> {
    if (this.killed) return new Promise<void>(() => {});
    if (!this.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Runs `call` as this process: gated before and after. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    this.countCall();
    await this.pass();
    let result: T;
    try {
      result = await call();
    } catch (error) {
      await this.pass();
      throw error;
    }
    await this.pass();
    return result;
  }
}
