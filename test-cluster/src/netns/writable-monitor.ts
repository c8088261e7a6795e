import { setTimeout as sleep } from 'node:timers/promises';
import { acceptsWrites } from '../e2e/support.js';

/** A moment when more than one member committed a write transaction. */
export interface SplitBrainSample {
  readonly atMs: number;
  readonly writable: readonly string[];
}

export interface WritableMonitor {
  /** Stops polling; returns every sample where more than one member accepted writes, and the sample count. */
  stop(): Promise<{ readonly splitBrain: readonly SplitBrainSample[]; readonly samples: number }>;
}

/**
 * Polls every member (each through its own connection) for a committed write transaction, all members at
 * once, every `intervalMs`, until stopped: the record of how many writable primaries a client could reach.
 */
export function startWritableMonitor(
  members: readonly { readonly name: string; readonly connectionString: string }[],
  intervalMs = 200,
): WritableMonitor {
  const splitBrain: SplitBrainSample[] = [];
  let samples = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const atMs = Date.now();
      const answers = await Promise.all(members.map((m) => acceptsWrites(m.connectionString)));
      const writable = members.filter((_, i) => answers[i]).map((m) => m.name);
      samples += 1;
      if (writable.length > 1) splitBrain.push({ atMs, writable });
      await sleep(intervalMs);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { splitBrain, samples };
    },
  };
}
