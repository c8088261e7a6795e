import type { Clock } from '../dcs/clock.js';
import type { DcsKv, KvTiming } from '../dcs/kv.js';
import type { DcsConformanceFixture } from './conformance-fixture.js';
import { MemoryKv } from './memory-kv.js';
import { MemoryKvStore } from './memory-kv-store.js';

/** Short timing for tests on the system clock. */
export const FAST_TEST_TIMING: KvTiming = { ttlMs: 1000, loopWaitMs: 200, retryTimeoutMs: 300 };

/** A conformance fixture over a fresh in-memory store (system clock by default, so the suite runs as is). */
export function memoryConformanceFixture(
  options: { clock?: Clock; timing?: KvTiming; mode?: 'session' | 'keyTtl' } = {},
): DcsConformanceFixture {
  const store = new MemoryKvStore({ clock: options.clock });
  const timing = options.timing ?? FAST_TEST_TIMING;
  const agents: MemoryKv[] = [];
  let unreachable = false;
  const asMemory = (kv: DcsKv): MemoryKv => {
    if (!(kv instanceof MemoryKv)) throw new TypeError('not an agent of this fixture');
    return kv;
  };
  return {
    timing,
    slackMs: 500,
    newAgent: async (_memberName, agentTiming) => {
      const kv = new MemoryKv(store, { timing: agentTiming ?? timing, mode: options.mode });
      kv.setUnreachable(unreachable);
      agents.push(kv);
      return kv;
    },
    makeUnreachable: async () => {
      unreachable = true;
      for (const kv of agents) kv.setUnreachable(true);
    },
    restore: async () => {
      unreachable = false;
      for (const kv of agents) kv.setUnreachable(false);
    },
    expireSession: async (kv) => asMemory(kv).expireSession(),
    cleanup: async () => {
      for (const kv of agents) await kv.close();
      store.removeAll();
    },
  };
}
