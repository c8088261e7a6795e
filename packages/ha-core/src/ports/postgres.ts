import type { Lsn, MemberName, Timeline } from '../model/types.js';

/**
 * The Postgres port: what the HA loop asks of the local PostgreSQL server. `@patroni/postgres` implements it
 * against real binaries; the simulator implements it in memory. Long operations take an AbortSignal and a
 * deadline; the loop keeps renewing the leader key while they run.
 */
export interface PostgresPort {
  /** One observation per HA cycle (postgres.md §4.1): process, recovery state, positions, replication. */
  observe(): Promise<PostgresObservation>;

  /** initdb (or the configured custom bootstrap method) into the empty data directory. */
  bootstrap(signal: AbortSignal): Promise<OperationResult>;
  /** After the first start of a new primary: users from `authentication`, post_bootstrap script. */
  postBootstrap(signal: AbortSignal): Promise<OperationResult>;
  /** Clone the data directory: create_replica_methods in order; `source` null for methods that need no leader. */
  createReplica(source: UpstreamMember | null, signal: AbortSignal): Promise<OperationResult>;

  /** Start the server (writing config and recovery settings first); waits until it accepts connections. */
  start(options: StartOptions, signal: AbortSignal): Promise<OperationResult>;
  /** Stop the server. `onShutdownCheckpoint` is called once controldata says `shut down` while the postmaster still runs. */
  stop(options: StopOptions): Promise<StopResult>;
  restart(options: StartOptions, signal: AbortSignal): Promise<OperationResult>;
  /** Rewrite config files from the current config and SIGHUP the server. */
  reload(): Promise<void>;
  /** `pg_ctl promote`, then wait up to `waitMs` for the server to leave recovery. */
  promote(waitMs: number, signal: AbortSignal): Promise<OperationResult>;
  /** CHECKPOINT on the local server (post-promote, before a rewind source is used). */
  checkpoint(): Promise<OperationResult>;

  /**
   * Compare the recovery configuration with what following `upstream` needs (postgres.md §7.2) and apply
   * it: `unchanged`, `reloaded` (applied with a reload), or `restart-required` (caller restarts).
   */
  configureFollow(upstream: UpstreamMember | null): Promise<'unchanged' | 'reloaded' | 'restart-required'>;

  /** Is a pg_rewind needed to follow `leader` (postgres.md §7.3)? `unknown` when it cannot tell yet. */
  checkDivergence(leader: UpstreamMember): Promise<'need' | 'not-need' | 'unknown'>;
  /** Whether pg_rewind can be used (use_pg_rewind, binary present, wal_log_hints or checksums). */
  canRewind(): Promise<boolean>;
  /** pg_rewind from `leader` (postgres.md §7.4); a failure whose source went away sets `sourceUnavailable`. */
  rewind(leader: UpstreamMember, signal: AbortSignal): Promise<OperationResult>;
  /** Single-user crash recovery (postgres.md §7.5). */
  crashRecovery(signal: AbortSignal): Promise<OperationResult>;
  /** Moves or removes the data directory; only called when config or an operator allows it. */
  removeDataDirectory(reason: string): Promise<OperationResult>;

  /**
   * Reconcile physical/logical slots with what the HA logic wants on this node. On a replica it also reports
   * the logical slots that must be copied from the primary (postgres.md §9.4).
   */
  syncReplicationSlots(desired: DesiredSlots): Promise<SlotSyncResult>;
  /**
   * PG ≥ 11 replica: copy the state files of `slots` from `leader` (postgres.md §9.4). Stops PostgreSQL,
   * writes the slot directories and starts it again with `start`; nothing is stopped when no slot qualifies.
   */
  copyLogicalSlots(
    leader: UpstreamMember,
    slots: Readonly<Record<string, DesiredSlot>>,
    start: StartOptions,
    signal: AbortSignal,
  ): Promise<OperationResult>;
  /** Set `synchronous_standby_names` (null removes it) and reload. */
  setSynchronousStandbyNames(value: string | null): Promise<void>;

  /** Fire-and-forget user callback (`on_start`, `on_role_change`...): `script action role scope`. */
  runCallback(action: CallbackAction, role: string): void;
  /** The `pre_promote` script; false vetoes the promotion. */
  runPrePromote(): Promise<boolean>;
}

export type CallbackAction = 'on_start' | 'on_stop' | 'on_restart' | 'on_reload' | 'on_role_change';

/** The node a replica streams from: the leader, a `replicatefrom` member, or a standby cluster's remote primary. */
export interface UpstreamMember {
  readonly name: MemberName;
  /** `postgres://host:port/dbname` from the member key; null for a remote that restores from archive only. */
  readonly connUrl: string | null;
  /** Replication slot to use on the upstream (standby cluster: `primary_slot_name`). */
  readonly slotName?: string | null;
  readonly restoreCommand?: string | null;
  readonly archiveCleanupCommand?: string | null;
  readonly recoveryMinApplyDelay?: string | number | null;
  /** Whether the leader finished its post-promote checkpoint (member data `checkpoint_after_promote`). */
  readonly checkpointAfterPromote?: boolean | null;
}

export interface StartOptions {
  /** primary: no recovery config; replica / standby_leader: follow `upstream`. */
  readonly role: 'primary' | 'replica' | 'standby_leader';
  readonly upstream: UpstreamMember | null;
  /** Wait at most this long for the server to accept connections. */
  readonly timeoutMs: number;
}

export interface StopOptions {
  readonly mode: 'smart' | 'fast' | 'immediate';
  /** CHECKPOINT before stopping (graceful demotion) to shorten the shutdown. */
  readonly checkpoint: boolean;
  /** SIGKILL the postmaster after this long (primary_stop_timeout in sync mode); null waits. */
  readonly timeoutMs: number | null;
  /** Called once when the shutdown checkpoint is written while the postmaster is still up. */
  readonly onShutdownCheckpoint?: (checkpointLsn: Lsn) => Promise<void> | void;
}

export type OperationResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly error: string;
      /**
       * `rewind` only: the attempt ended because its source was unreachable, not (or no longer) a primary, or
       * not ready (postgres.md §7.4.8): it does not count as a failed rewind and nothing was removed.
       */
      readonly sourceUnavailable?: boolean;
    };

export interface StopResult {
  readonly ok: boolean;
  /** Latest checkpoint location after a clean shutdown (the "last WAL position" of a demoted primary). */
  readonly checkpointLsn: Lsn | null;
  readonly error?: string;
}

/** PostgreSQL states as Patroni names them (postgres.md §2.4). */
export type PostgresState =
  | 'stopped'
  | 'starting'
  | 'running'
  | 'stopping'
  | 'stop failed'
  | 'crashed'
  | 'start failed'
  | 'restarting'
  | 'restart failed'
  | 'initializing new cluster'
  | 'initdb failed'
  | 'running custom bootstrap script'
  | 'custom bootstrap failed'
  | 'starting after custom bootstrap'
  | 'creating replica'
  | 'unknown';

export interface PostgresObservation {
  readonly state: PostgresState;
  readonly dataDirectory: DataDirectoryState;
  /** `Database system identifier`, null when the data directory is not initialised. */
  readonly sysid: string | null;
  /** The postmaster process is alive (postmaster.pid names a live postgres). */
  readonly postmasterRunning: boolean;
  /** Query results; null when the server did not answer (not running, starting, query failed). */
  readonly query: PostgresQueryResult | null;
  /** pg_controldata, empty when unavailable. */
  readonly controlData: Readonly<Record<string, string>>;
  /** Major version of the data directory (PG_VERSION) × 10000, e.g. 150000; null when unknown. */
  readonly majorVersion: number | null;
  readonly pendingRestart: boolean;
  readonly pendingRestartReason: Readonly<Record<string, { old_value: string; new_value: string }>>;
  /** Whether a recovery configuration (standby.signal) is in place. */
  readonly hasRecoveryConfig: boolean;
  /**
   * The primary's timeline history (`<timeline>.history`, postgres.md §4.4), oldest first; absent when
   * unknown or not a primary. The leader publishes it in `/history`.
   */
  readonly timelineHistory?: readonly TimelineSwitch[];
}

/** One line of a timeline history file. */
export interface TimelineSwitch {
  readonly parentTimeline: number;
  readonly switchLsn: Lsn;
  readonly reason: string;
  /** The history file's mtime as ISO 8601 with the local offset (Patroni's `promoted_at`), when known. */
  readonly fileModifiedAt?: string;
}

export type DataDirectoryState =
  | { readonly kind: 'empty' }
  | { readonly kind: 'initialized' }
  | { readonly kind: 'inaccessible'; readonly error: string }
  /** Not empty but no valid system identifier / PG_VERSION. */
  | { readonly kind: 'invalid'; readonly error: string };

export interface PostgresQueryResult {
  readonly serverVersion: number;
  readonly postmasterStartTime: string;
  readonly inRecovery: boolean;
  /** Primary: from the current WAL file; replica: the WAL receiver's timeline, null when unknown. */
  readonly timeline: Timeline | null;
  /** Primary: flush LSN; 0 in recovery. */
  readonly walPosition: Lsn;
  readonly replayedLsn: Lsn;
  readonly receivedLsn: Lsn;
  /** [4.x] WAL receiver's latest_end_lsn (replicas, PG ≥ 9.6): fresher than the DCS for lag checks. */
  readonly latestEndLsn?: Lsn | null;
  /** [4.x] WAL receiver's written_lsn (PG ≥ 13): preferred for the received position when non-zero. */
  readonly writtenLsn?: Lsn | null;
  readonly replayedTimestamp: string | null;
  readonly replayPaused: boolean;
  /** WAL receiver status (`streaming`...), null when none. */
  readonly receiverState: string | null;
  readonly restoreCommand: string | null;
  /** pg_stat_replication rows of streaming walsenders. */
  readonly replication: readonly ReplicationConnection[];
  readonly synchronousStandbyNames: string;
  readonly synchronousCommit: string;
  /** Slots present on the server (PG ≥ 11). */
  readonly slots: readonly ServerSlot[];
}

export interface ReplicationConnection {
  readonly pid: number;
  readonly usename: string | null;
  readonly applicationName: string;
  readonly clientAddr: string | null;
  readonly state: string;
  readonly syncState: string;
  readonly syncPriority: number;
  readonly writeLsn: Lsn;
  readonly flushLsn: Lsn;
  readonly replayLsn: Lsn;
}

export interface ServerSlot {
  readonly name: string;
  readonly type: 'physical' | 'logical';
  readonly database: string | null;
  readonly plugin: string | null;
  readonly restartLsn: Lsn | null;
  readonly confirmedFlushLsn: Lsn | null;
  readonly catalogXmin: number | null;
}

export interface DesiredSlot {
  readonly type: 'physical' | 'logical';
  readonly database?: string;
  readonly plugin?: string;
  /**
   * Physical: advance the slot to this position when it is behind (PG ≥ 11, only slots not expected to be
   * active). Logical on a replica: the leader's published position; a missing slot is copied, an existing
   * one advanced asynchronously to min(lsn, replay LSN).
   */
  readonly lsn?: Lsn;
  /**
   * [4.x] Physical: whether a walsender is expected to feed the slot (postgres.md §9.2); undefined: unknown.
   * Only slots with `false` are subject to the xmin hygiene rule.
   */
  readonly expectedActive?: boolean;
}

export interface DesiredSlots {
  readonly slots: Readonly<Record<string, DesiredSlot>>;
  /** Slots matching these are never dropped (`ignore_slots`). */
  readonly ignore: readonly Readonly<Record<string, string>>[];
  /** Drop server slots that are neither desired nor ignored (false while paused). */
  readonly dropUnknown: boolean;
  /**
   * [4.x] Drop and recreate physical slots expected to be inactive that hold an `xmin` (the cluster has a
   * leader and this node is that leader's replica or the primary itself).
   */
  readonly cleanInactivePhysical?: boolean;
  /** Replica: the leader, for the readiness check of copied logical slots (postgres.md §9.4); null: none. */
  readonly leader?: UpstreamMember | null;
  /** This node's physical slot on the primary (cascading: the slot of the replica that connects us). */
  readonly slotNameOnPrimary?: string | null;
  /** Force `hot_standby_feedback = on` (this node, or one cascading from it, should hold logical slots). */
  readonly hotStandbyFeedback?: boolean;
}

/** What `syncReplicationSlots` reports back. */
export interface SlotSyncResult {
  /** Logical slots to copy from the primary: missing here, or their advance found the WAL gone. */
  readonly copy: readonly string[];
}
