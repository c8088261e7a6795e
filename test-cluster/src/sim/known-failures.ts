import type { InvariantId } from './invariants.js';

/**
 * Bugs the simulator found in `@patroni/ha-core` that are not fixed yet (README "Findings"). Their seeds
 * are kept as regression tests (sim.test.ts asserts each still breaks its invariant) and left out of the CI
 * sweep, so the sweep stays a zero-violation gate for everything else. When a bug is fixed, move its seeds
 * to FIXED_BUG_SEEDS (asserted green).
 */
export interface KnownBug {
  readonly id: string;
  readonly title: string;
  readonly invariant: InvariantId;
}

const FAILSAFE_PRIMARY_OUTLIVES_FORCED_FAILOVER: KnownBug = {
  id: 'failsafe-primary-outlives-forced-failover',
  title:
    'suspected Patroni-compatible: while the primary rides out a DCS cut in failsafe mode, the operator forces a failover to a node missing from /failsafe; it promotes, and the old primary keeps acknowledging commits (its failsafe round never asks the new one) until it sees the new key, and those commits are lost. The simulator only excuses commits acknowledged before the forced promotion',
  invariant: 2,
};

const STALE_TIMELINE_WINS: KnownBug = {
  id: 'stale-timeline-wins-without-check-timeline',
  title:
    "Patroni-compatible (check_timeline defaults off): a crashed former primary restarted as a replica on an older timeline is ahead by LSN of the newer timeline's voters (its unreplicated tail); in quorum mode it races from outside /sync on their votes and wins, losing commits acknowledged on the newer timeline. check_timeline: true prevents it",
  invariant: 2,
};

/** Seed → the bug it reproduces (runs with the default 10 + 3 virtual minutes). */
export const KNOWN_FAILING_SEEDS: ReadonlyMap<number, KnownBug> = new Map([
  [311, FAILSAFE_PRIMARY_OUTLIVES_FORCED_FAILOVER],
  [1019, STALE_TIMELINE_WINS],
]);

/** A bug found by the simulator and fixed; its seeds must stay green (sim.test.ts). */
export interface FixedBug {
  readonly id: string;
  readonly fix: string;
}

const fixed = (id: string, fix: string): FixedBug => ({ id, fix });
const EARLY_RELEASE = fixed(
  'early-release-candidates',
  'the early leader release counts only §7.3 candidates (named /failover.member, /sync standbys, quorum + 1)',
);
const REWIND_FAILED = fixed(
  'rewind-failure-sticks',
  'a pg_rewind cut short (source unreachable, lost, not primary; action cancelled) leaves NEED, not FAILED',
);
const NO_HISTORY = fixed(
  'history-never-written',
  'SimPostgres reports timelineHistory; the engine writes /history',
);
const SYNC_CONFIRMATION = fixed(
  'pre-promote-sync-names-unrecorded',
  'the pre-promote synchronous_standby_names change records the confirmation LSN',
);
const QUORUM_PRIORITY = fixed(
  'quorum-priority-non-voter',
  'with sync mode active only a quorum voter outranks me by failover_priority (Patroni 4.x)',
);
const WATCHDOG_LAG = fixed(
  'watchdog-keepalive-after-status-write',
  'the watchdog keepalive runs right after the lease renewal, before /status and /failsafe writes',
);
const WATCHDOG_AFTER_PAUSE = fixed(
  'watchdog-armed-after-renewal',
  'a running primary whose watchdog is off (first cycle after a pause) arms it before renewing the lock, so a hang between the two cannot leave it writing past the lease unwatched',
);
const FAILSAFE_DEADLOCK = fixed(
  'failsafe-topology-deadlock',
  'a node missing from /failsafe (it cannot race) no longer outranks others by failover_priority',
);
const OPERATOR_FAILOVER = fixed(
  'operator-failover-interrupted-handover',
  'simulator: a manual failover to an async node (any node in quorum mode) is the operator giving up the commits the winner lacks and another node still has (Patroni-compatible), even when the old leader hands over: it checks only maximum_lag_on_failover',
);
const QUORUM_RACE_OUTSIDE_SYNC = fixed(
  'quorum-race-defers-to-node-outside-sync',
  'with quorum mode active the race compares only with /sync members (Patroni 4.x, ha-loop.md §7.2 step 9): a node outside /sync that is ahead (here one that may not race, missing from /failsafe) no longer stalls every voter',
);
const REWIND_AFTER_CRASHED_STOP = fixed(
  'rewind-refused-after-crashed-stop',
  'a pg_rewind refused because PostgreSQL crashed while the rewind stopped it leaves NEED once: single-user crash recovery runs first, then the rewind (Patroni marks it FAILED)',
);
const LEADER_TIMELINE_BUMP = fixed(
  'diverged-replica-same-upstream',
  'Patroni 4.1.1 (#3457): a replica whose timeline is behind the one its unchanged leader publishes re-checks divergence (and rewinds) although primary_conninfo did not change',
);
const UNCLASSIFIED = fixed(
  'unclassified-before',
  'failed before this round of fixes (README Findings, unclassified); green since, cause not isolated',
);

/** Seeds of fixed bugs, kept as named regression tests that must find no violation. */
export const FIXED_BUG_SEEDS: ReadonlyMap<number, FixedBug> = new Map([
  [279, EARLY_RELEASE],
  [992, EARLY_RELEASE],
  [2975, NO_HISTORY],
  [2621, SYNC_CONFIRMATION],
  [458, REWIND_FAILED],
  [481, REWIND_FAILED],
  [748, REWIND_FAILED],
  [781, REWIND_FAILED],
  [1513, REWIND_FAILED],
  [2158, REWIND_FAILED],
  [2486, REWIND_FAILED],
  [143, REWIND_FAILED],
  [2000, QUORUM_PRIORITY],
  [281, WATCHDOG_LAG],
  [923, WATCHDOG_AFTER_PAUSE],
  [2309, FAILSAFE_DEADLOCK],
  [2972, FAILSAFE_DEADLOCK],
  [3033, FAILSAFE_DEADLOCK],
  [21, OPERATOR_FAILOVER],
  [1025, OPERATOR_FAILOVER],
  [2606, OPERATOR_FAILOVER],
  [3447, OPERATOR_FAILOVER],
  [1576, QUORUM_RACE_OUTSIDE_SYNC],
  [212, REWIND_AFTER_CRASHED_STOP],
  [1751, LEADER_TIMELINE_BUMP],
  [2398, LEADER_TIMELINE_BUMP],
  [2015, UNCLASSIFIED],
  [2173, UNCLASSIFIED],
  [2268, UNCLASSIFIED],
  [2373, UNCLASSIFIED],
  [2751, UNCLASSIFIED],
  [3072, UNCLASSIFIED],
  [3089, UNCLASSIFIED],
  [3412, UNCLASSIFIED],
  [3567, UNCLASSIFIED],
  [3577, UNCLASSIFIED],
]);
