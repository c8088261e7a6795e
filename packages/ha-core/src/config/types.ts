/**
 * The dynamic configuration (the `/config` key, seeded from `bootstrap.dcs`) after validation and defaults:
 * frozen, units in names. `raw` keeps the document as stored (unknown keys included) for GET /config and
 * for writing it back.
 */
export interface DynamicConfig {
  readonly ttlMs: number;
  readonly loopWaitMs: number;
  readonly retryTimeoutMs: number;
  readonly maximumLagOnFailoverBytes: number;
  /** ≤ 0 disables. */
  readonly maximumLagOnSyncnodeBytes: number;
  /** 0 = unlimited. */
  readonly maxTimelinesHistory: number;
  readonly primaryStartTimeoutMs: number;
  /** ≤ 0 disables. */
  readonly primaryStopTimeoutMs: number;
  readonly synchronousMode: 'off' | 'on' | 'quorum';
  readonly synchronousModeStrict: boolean;
  readonly synchronousNodeCount: number;
  readonly failsafeMode: boolean;
  readonly checkTimeline: boolean;
  readonly paused: boolean;
  readonly memberSlotsTtlMs: number;
  /** null when this is not a standby cluster. */
  readonly standbyCluster: StandbyClusterConfig | null;
  /** Permanent slots by name (from `permanent_replication_slots`, `permanent_slots` or `slots`). */
  readonly permanentSlots: Readonly<Record<string, PermanentSlot>>;
  readonly ignoreSlots: readonly Readonly<Record<string, string>>[];
  readonly postgresql: DynamicPostgresqlConfig;
  /** The document as stored in the DCS. */
  readonly raw: Readonly<Record<string, unknown>>;
}

export interface StandbyClusterConfig {
  readonly host: string | null;
  readonly port: number | null;
  readonly primarySlotName: string | null;
  readonly createReplicaMethods: readonly string[];
  readonly restoreCommand: string | null;
  readonly archiveCleanupCommand: string | null;
  readonly recoveryMinApplyDelay: string | number | null;
}

export type PermanentSlot =
  | { readonly type: 'physical'; readonly clusterType?: 'primary' | 'standby' }
  | { readonly type: 'logical'; readonly database: string; readonly plugin: string };

export interface DynamicPostgresqlConfig {
  readonly useSlots: boolean;
  readonly usePgRewind: boolean;
  readonly parameters: Readonly<Record<string, string | number | boolean>>;
  readonly pgHba: readonly string[] | null;
  readonly pgIdent: readonly string[] | null;
  readonly recoveryConf: Readonly<Record<string, unknown>>;
  /** Other keys of the dynamic `postgresql` section, honoured unless set locally. */
  readonly other: Readonly<Record<string, unknown>>;
}
