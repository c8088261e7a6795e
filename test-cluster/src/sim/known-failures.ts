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

const STALE_DIVERGENCE: KnownBug = {
  id: 'diverged-replica-same-upstream',
  title:
    'suspected Patroni-compatible: a running replica that streamed WAL its upstream later discarded (the upstream, same name, was rewound and promoted again) is never re-checked for divergence while the upstream name does not change, so it never streams again',
  invariant: 7,
};

const STALE_TIMELINE_WINS: KnownBug = {
  id: 'stale-timeline-wins-without-check-timeline',
  title:
    'Patroni-compatible (check_timeline defaults off): a former primary restarted as a replica on an older timeline is "ahead" by LSN of the newer timeline\'s nodes, so they defer to it and it wins the race, discarding the newer timeline\'s acknowledged commits',
  invariant: 2,
};

const REWIND_AFTER_CRASHED_STOP: KnownBug = {
  id: 'rewind-refused-after-crashed-demotion-stop',
  title:
    'Patroni-compatible: PostgreSQL crashed during the stop before pg_rewind, pg_rewind refuses a target that was not shut down cleanly, the rewind is FAILED and the node stays a diverged replica (Patroni does the same unless remove_data_directory_on_rewind_failure); crash recovery before the rewind would fix it',
  invariant: 7,
};

const NO_LEADER_AFTER_STORM: KnownBug = {
  id: 'no-leader-after-fault-storm',
  title:
    'under investigation: after a 6-node fault storm with an operator failover written while the cluster had no leader, every node concludes "not the healthiest node" and nobody races (surfaced when the reaction-latency change moved cycle timing; the same seed was green before)',
  invariant: 7,
};

/** Seed → the bug it reproduces (runs with the default 10 + 3 virtual minutes). */
export const KNOWN_FAILING_SEEDS: ReadonlyMap<number, KnownBug> = new Map([
  [2398, STALE_DIVERGENCE],
  [2609, STALE_TIMELINE_WINS],
  [224, STALE_TIMELINE_WINS],
  [212, REWIND_AFTER_CRASHED_STOP],
  [1576, NO_LEADER_AFTER_STORM],
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
  'simulator: a manual failover whose old primary released the key without a clean, drained shutdown is the operator giving commits up (Patroni-compatible), not a handover',
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
  [1025, OPERATOR_FAILOVER],
  [2606, OPERATOR_FAILOVER],
  [3447, OPERATOR_FAILOVER],
  [1751, UNCLASSIFIED],
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
