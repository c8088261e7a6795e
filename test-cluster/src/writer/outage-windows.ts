/**
 * A period during which no write was acknowledged: from the last acknowledgement before it (or the writer's
 * start) to the first acknowledgement after it (or the writer's end, then `open`).
 */
export interface OutageWindow {
  readonly startMs: number;
  readonly endMs: number;
  readonly durationMs: number;
  /** Attempts that failed inside the window (0 when writes were only slow). */
  readonly failedAttempts: number;
  readonly firstError: string | undefined;
  /** True when the writer stopped before writes came back. */
  readonly open: boolean;
}

/**
 * Turns a stream of write outcomes into outage windows. Pure bookkeeping over times the caller passes in, so
 * it is tested without clocks. A gap between acknowledgements is an outage when an attempt failed inside it or
 * when it is longer than `slowGapMs` (a write that hung and then succeeded also kept clients waiting).
 */
export class OutageTracker {
  readonly #slowGapMs: number;
  readonly #windows: OutageWindow[] = [];
  #lastAckMs: number;
  #failedAttempts = 0;
  #firstError: string | undefined;

  constructor(startMs: number, slowGapMs: number) {
    this.#lastAckMs = startMs;
    this.#slowGapMs = slowGapMs;
  }

  acknowledged(atMs: number): void {
    this.#closeIfOutage(atMs, false);
    this.#lastAckMs = atMs;
  }

  failed(_atMs: number, error: string): void {
    this.#failedAttempts += 1;
    this.#firstError ??= error;
  }

  /** True while the latest attempt failed and no acknowledgement followed it. */
  get inOutage(): boolean {
    return this.#failedAttempts > 0;
  }

  /** Closes any open outage at `atMs` and returns all windows, oldest first. */
  finish(atMs: number): readonly OutageWindow[] {
    this.#closeIfOutage(atMs, true);
    this.#lastAckMs = atMs;
    return [...this.#windows];
  }

  windows(): readonly OutageWindow[] {
    return [...this.#windows];
  }

  #closeIfOutage(atMs: number, open: boolean): void {
    const gapMs = atMs - this.#lastAckMs;
    if (this.#failedAttempts > 0 || gapMs > this.#slowGapMs) {
      this.#windows.push({
        startMs: this.#lastAckMs,
        endMs: atMs,
        durationMs: gapMs,
        failedAttempts: this.#failedAttempts,
        firstError: this.#firstError,
        open,
      });
    }
    this.#failedAttempts = 0;
    this.#firstError = undefined;
  }
}

/** The longest window, or undefined when writes never stopped. */
export function longestWindow(windows: readonly OutageWindow[]): OutageWindow | undefined {
  let longest: OutageWindow | undefined;
  for (const w of windows) if (!longest || w.durationMs > longest.durationMs) longest = w;
  return longest;
}
