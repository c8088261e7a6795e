/** The readable event trace of a run: one line per event, stamped with virtual time. Same seed → same bytes. */
export class Trace {
  private readonly lines: string[] = [];

  constructor(private readonly now: () => number) {}

  add(who: string, message: string): void {
    this.lines.push(`${formatTime(this.now())} ${who.padEnd(6)} ${message}`);
  }

  get length(): number {
    return this.lines.length;
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }

  /** The last `count` lines (what a failure report shows by default). */
  tail(count: number): string {
    return `${this.lines.slice(-count).join('\n')}\n`;
  }
}

/** `+0123.456s`: fixed width so traces diff well. */
export function formatTime(ms: number): string {
  return `+${(ms / 1000).toFixed(3).padStart(9, '0')}s`;
}
