import type { MemoryKvStore } from '@patroni/ha-core/testing';
import type { PgWorld } from './pg-world.js';

/** Invariant 7, first half: one node holds the leader key and it is the only one accepting writes. */
export function leaderProblem(store: MemoryKvStore, world: PgWorld, sinceHealMs: number): string | null {
  const holder = store.get('leader')?.value ?? null;
  const writers = [...world.machines.values()].filter((m) => m.acceptingWrites).map((m) => m.name);
  if (!holder) return `no leader ${(sinceHealMs / 1000).toFixed(0)}s after healing`;
  if (writers.length !== 1 || writers[0] !== holder) {
    return `leader key held by ${holder} but writers are [${writers.join(',')}] after healing`;
  }
  return null;
}

/** Invariant 7, second half: every other node streams from the leader. */
export function replicationProblem(store: MemoryKvStore, world: PgWorld): string | null {
  const holder = store.get('leader')?.value ?? null;
  const stuck = [...world.machines.values()]
    .filter((m) => m.name !== holder && m.streamingFrom !== holder)
    .map(
      (m) =>
        `${m.name}(${m.process}${m.inRecovery ? ', replica' : ''}, upstream ${m.recovery?.upstream ?? 'none'})`,
    );
  return stuck.length === 0 ? null : `not replicating from ${holder} after healing: ${stuck.join(' ')}`;
}
