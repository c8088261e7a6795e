import type { InvariantId } from './invariants.js';

/**
 * Bugs the simulator found in `@patroni/ha-core` that are not fixed yet (README "Findings"). Their seeds
 * are kept as regression tests (sim.test.ts asserts each still breaks its invariant) and left out of the CI
 * sweep, so the sweep stays a zero-violation gate for everything else. When a bug is fixed, delete its
 * entries here.
 */
export interface KnownBug {
  readonly id: string;
  readonly title: string;
  readonly invariant: InvariantId;
}

const EARLY_RELEASE: KnownBug = {
  id: 'early-release-candidates',
  title:
    'graceful demotion releases /leader early when ANY member has the shutdown checkpoint, not the requested candidate (loop/stop-release.ts vs ha-loop.md §8.1.3/§7.3)',
  invariant: 2,
};

const REWIND_FAILED: KnownBug = {
  id: 'rewind-failure-sticks',
  title:
    'a pg_rewind that ended because its source died or the action was cancelled is recorded as FAILED, so the diverged node never rewinds again (engine/cycle-start.ts vs postgres.md §7.4.8)',
  invariant: 7,
};

const WATCHDOG_LAG: KnownBug = {
  id: 'watchdog-keepalive-after-status-write',
  title:
    'watchdog keepalive comes after renewLeader returns (status/failsafe writes included): with a slow DCS it lags the lease start by more than safety_margin (Patroni-compatible)',
  invariant: 1,
};

const FAILSAFE_DEADLOCK: KnownBug = {
  id: 'failsafe-topology-deadlock',
  title:
    'the best node is missing from a stale /failsafe so it may not race, and every other node defers to it (ahead or higher failover_priority): no leader ever (Patroni-compatible, ha-loop.md §7.2.8)',
  invariant: 7,
};

const QUORUM_PRIORITY: KnownBug = {
  id: 'quorum-priority-non-voter',
  title:
    'in quorum mode a /sync voter defers to a higher failover_priority node that is not a voter (Patroni 4.x ignores non-voters: `low_priority and (not sync_mode_is_active() or quorum_vote)`); with the failsafe deadlock above: no leader',
  invariant: 7,
};

const STALE_DIVERGENCE: KnownBug = {
  id: 'diverged-replica-same-upstream',
  title:
    'suspected: a replica whose upstream (same name) was rewound and promoted is never re-checked for divergence while its upstream name does not change, so it never streams again',
  invariant: 7,
};

const NO_HISTORY: KnownBug = {
  id: 'history-never-written',
  title:
    'the engine never writes /history (ha-loop.md §6.4.2, dcs.md §3.8), so cluster.timeline is 0 and a former primary still running on an older timeline retakes the key (§7.2.4 guard never fires)',
  invariant: 3,
};

const SYNC_CONFIRMATION: KnownBug = {
  id: 'pre-promote-sync-names-unrecorded',
  title:
    "pre-promote sets synchronous_standby_names to '*' without recording the flush LSN (engine/primary.ts), so the first /sync after promotion lists a lagging standby; a switchover to it then loses commits",
  invariant: 2,
};

/** Seed → the bug it reproduces (runs with the default 10 + 3 virtual minutes). */
export const KNOWN_FAILING_SEEDS: ReadonlyMap<number, KnownBug> = new Map([
  [279, EARLY_RELEASE],
  [992, EARLY_RELEASE],
  [1025, EARLY_RELEASE],
  [212, REWIND_FAILED],
  [458, REWIND_FAILED],
  [481, REWIND_FAILED],
  [748, REWIND_FAILED],
  [781, REWIND_FAILED],
  [281, WATCHDOG_LAG],
  [1513, REWIND_FAILED],
  [2158, REWIND_FAILED],
  [2486, REWIND_FAILED],
  [2975, NO_HISTORY],
  [2621, SYNC_CONFIRMATION],
  [2309, FAILSAFE_DEADLOCK],
  [1576, FAILSAFE_DEADLOCK],
  [2000, QUORUM_PRIORITY],
  [1751, STALE_DIVERGENCE],
]);
