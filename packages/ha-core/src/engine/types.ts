import type { DynamicConfig } from '../config/types.js';
import type { Cluster, Member, MemberName, MemberTags } from '../model/types.js';
import type { OperationResult, PostgresObservation } from '../ports/postgres.js';
import type { FailsafeHeartbeat } from '../ports/status.js';
import type { ActionWork } from './actions.js';

/** The role the agent tracks for its Postgres (ha-loop.md §2); 4.x spelling `primary`. */
export type AgentRole = 'primary' | 'replica' | 'standby_leader' | 'promoted' | 'demoted' | 'uninitialized';

/** Divergence-check state machine (ha-loop.md §8.2). */
export type RewindState = 'initial' | 'check' | 'need' | 'not-need' | 'success' | 'failed';

export type WatchdogMode = 'off' | 'automatic' | 'required';

/** What this node knows about itself that does not come from the DCS (local config, derived once). */
export interface LocalSettings {
  readonly name: MemberName;
  readonly scope: string;
  /** Patroni version this agent claims (`4.1.4`). */
  readonly patroniVersion: string;
  readonly tags: MemberTags;
  /** Tags as published in the member key (`publishedTags` of the configured ones). */
  readonly publishedTags: Readonly<Record<string, unknown>>;
  readonly connUrl: string | null;
  readonly apiUrl: string | null;
  readonly proxyUrl: string | null;
  /** Local config has a `bootstrap` section (only such nodes race for `/initialize`). */
  readonly hasBootstrapSection: boolean;
  /** A create_replica_method that needs no running leader (backup tools, `no_leader`) is configured. */
  readonly canCreateReplicaWithoutLeader: boolean;
  readonly removeDataDirectoryOnRewindFailure: boolean;
  readonly removeDataDirectoryOnDivergedTimelines: boolean;
  readonly watchdogMode: WatchdogMode;
}

/** The long action running in the background, as the loop reports it at the start of a cycle. */
export interface RunningAction {
  readonly name: string;
  readonly work: ActionWork;
  readonly startedAtMs: number;
}

/** A background action that ended since the previous cycle; delivered exactly once. */
export interface FinishedAction {
  readonly name: string;
  readonly work: ActionWork;
  readonly result: ActionResult;
}

export type ActionResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly error: string;
      readonly cancelled?: boolean;
      readonly vetoed?: boolean;
      /** A rewind whose source was unreachable or not a primary (OperationResult.sourceUnavailable). */
      readonly sourceUnavailable?: boolean;
    };

/** A `POST /failsafe` this node accepted from a primary during a DCS outage (ha-loop.md §9). */
export interface ReceivedFailsafe {
  readonly payload: FailsafeHeartbeat;
  readonly receivedAtMs: number;
}

/** A scheduled restart this node stores in its member key (ha-loop.md §12.3), already parsed by the loop. */
export interface ScheduledRestart {
  readonly atMs: number;
  /** The raw object as published in the member key. */
  readonly raw: Readonly<Record<string, unknown>>;
  readonly postmasterStartTime: string | null;
  readonly role: string | null;
  /** Restart only if the running server version is lower (`postgres_version` filter, as server_version_num). */
  readonly postgresVersionNum: number | null;
  readonly restartPending: boolean;
  readonly timeoutMs: number | null;
}

/** Everything one HA cycle decides from. Nothing else is read: the cycle is a pure function of this. */
export interface CycleInput {
  readonly nowMs: number;
  /** A uniform random number in [0, 1) for choices Patroni makes randomly (clone source). */
  readonly random: number;
  readonly local: LocalSettings;
  readonly state: HaState;
  /** The dynamic configuration in effect before this cycle (last applied, or the local bootstrap one). */
  readonly config: DynamicConfig;
  readonly postgres: PostgresObservation;
  /** pg_rewind can be used (use_pg_rewind, binary present, wal_log_hints or checksums). */
  readonly rewindUsable: boolean;
  /** The watchdog device cannot be used (required mode then refuses to race). */
  readonly watchdogUsable: boolean;
  readonly action: RunningAction | null;
  readonly finishedAction: FinishedAction | null;
  readonly failsafeReceived: ReceivedFailsafe | null;
  readonly scheduledRestart: ScheduledRestart | null;
}

/** State the engine keeps between cycles (ha-loop.md §2). Plain data: the loop stores and hands it back. */
export interface HaState {
  readonly role: AgentRole;
  /** `isLeader()` is `nowMs < leaderExpiryMs`; set to now + ttl on every successful acquire/renew. */
  readonly leaderExpiryMs: number;
  /** A background (re)start was scheduled; checked once the action ended (post_recover). */
  readonly recovering: boolean;
  /** Between winning `/initialize` and finishing post-bootstrap. */
  readonly bootstrapping: boolean;
  readonly postBootstrapDone: boolean;
  /** The bootstrap action (initdb / custom / standby clone) failed: post_bootstrap cancels initialization. */
  readonly bootstrapFailed: boolean;
  readonly watchdogActive: boolean;
  readonly rewind: RewindState;
  /** A rewind (or reinit) ran since the last reset (`executed`). */
  readonly rewindExecuted: boolean;
  readonly crashRecoveryStartedMs: number;
  /** Per-restart override of primary_start_timeout. */
  readonly startTimeoutMs: number | null;
  /** When Postgres was first seen `starting` in the current start (time in state). */
  readonly startingSinceMs: number | null;
  /** Postgres was running/starting and is found dead: state `crashed`. */
  readonly crashed: boolean;
  /** Set when a failed pre_promote made us drop the lock; blocks racing for ttl. */
  readonly releasedLeaderKeyAtMs: number;
  readonly prePromoteFailed: boolean;
  /** Primary: failsafe mode kept us running since this time (0: not active). */
  readonly failsafeActiveSinceMs: number;
  readonly wasPaused: boolean;
  /** The on_start callback has been called (the first full cycle happened). */
  readonly startCallbackDone: boolean;
  /** Post-promote CHECKPOINT: null = not tracking, false = pending, true = done. */
  readonly checkpointAfterPromote: boolean | null;
  /** Members of the latest snapshot that had a leader (`old_cluster`), used as candidates in a race. */
  readonly knownMembers: readonly Member[];
  /** Name of the leader in that snapshot (the "former leader" of a race). */
  readonly knownLeader: MemberName | null;
  /** Primary flush LSN when `synchronous_standby_names` last changed, and the names then set. */
  readonly syncNamesChangedAtLsn: number;
  readonly syncNamesSet: readonly MemberName[] | null;
  /**
   * [4.x] Leader: when each member slot name was last seen in a member key (`/status.retain_slots`, kept for
   * `member_slots_ttl`). Optional so states built before it existed stay valid.
   */
  readonly memberSlotsSeenAtMs?: Readonly<Record<string, number>>;
  /** The last snapshot read successfully (null after a failed read). */
  readonly cluster: Cluster | null;
  /**
   * `/failsafe` of the last snapshot read successfully: failsafe mode must keep working through a DCS outage
   * that lasts several cycles (Patroni keeps `dcs.failsafe` across failed reads).
   */
  readonly lastKnownFailsafe?: Readonly<Record<MemberName, string>> | null;
  readonly dcsLastSeenMs: number;
  /** The effective Postgres state this agent publishes (observation, with `crashed` applied). */
  readonly publishedPgState: string;
}

export function initialHaState(): HaState {
  return {
    role: 'uninitialized',
    leaderExpiryMs: 0,
    recovering: false,
    bootstrapping: false,
    postBootstrapDone: false,
    bootstrapFailed: false,
    watchdogActive: false,
    rewind: 'initial',
    rewindExecuted: false,
    crashRecoveryStartedMs: 0,
    startTimeoutMs: null,
    startingSinceMs: null,
    crashed: false,
    releasedLeaderKeyAtMs: 0,
    prePromoteFailed: false,
    failsafeActiveSinceMs: 0,
    wasPaused: false,
    startCallbackDone: false,
    checkpointAfterPromote: null,
    knownMembers: [],
    knownLeader: null,
    syncNamesChangedAtLsn: 0,
    syncNamesSet: null,
    cluster: null,
    dcsLastSeenMs: 0,
    publishedPgState: 'stopped',
  };
}

/** What a cycle returns besides its effects. */
export interface CycleOutcome {
  readonly state: HaState;
  /** The one line Patroni logs at INFO for this cycle (`PAUSE: ` prefixed while paused). */
  readonly summary: string;
  /** The dynamic config in effect after this cycle. */
  readonly config: DynamicConfig;
  /** The cycle could not read the DCS. */
  readonly dcsFailed: boolean;
  /** Set when Patroni would exit (system ID mismatch, failed bootstrap): the agent stops. */
  readonly fatal: string | null;
}

export type { OperationResult };
