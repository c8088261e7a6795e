import type { Scheduler } from './scheduler.js';

/**
 * The node's watchdog device (the kernel's, so it keeps counting while the agent hangs or after it died
 * without disarming it). When it is not kept alive within its timeout it resets the machine.
 */
export class SimWatchdog {
  private armed = false;
  private deadlineMs = 0;
  private timeoutMs = 0;
  private generation = 0;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly onFire: () => void,
    private readonly note: (message: string) => void = () => {},
  ) {}

  get isArmed(): boolean {
    return this.armed;
  }

  activate(timeoutMs: number): void {
    if (!this.armed) this.note(`watchdog armed (${timeoutMs}ms)`);
    this.armed = true;
    this.timeoutMs = timeoutMs;
    this.keepalive();
  }

  keepalive(): void {
    if (!this.armed) return;
    this.deadlineMs = this.scheduler.nowMs + this.timeoutMs;
    const generation = ++this.generation;
    this.scheduler.schedule(this.timeoutMs, () => {
      if (this.armed && generation === this.generation && this.scheduler.nowMs >= this.deadlineMs) {
        this.armed = false;
        this.onFire();
      }
    });
  }

  disable(): void {
    if (this.armed) this.note('watchdog disarmed');
    this.armed = false;
    this.generation++;
  }
}
