/**
 * The cluster model: what Patroni keeps in the DCS, as typed, frozen values.
 * One parser (`parse-cluster.ts`) builds these from raw DCS values for every backend.
 */

/**
 * A WAL position in bytes. A JSON number on the wire (Patroni writes integers); kept as a number because every
 * real LSN is below 2^53 (8 PiB of WAL) and the value travels through JSON everywhere.
 */
export type Lsn = number & { readonly __brand: 'Lsn' };
export const asLsn = (n: number): Lsn => n as Lsn;

/** A member name, as configured (`name`). May contain dashes and dots. */
export type MemberName = string;

/** A PostgreSQL timeline id. */
export type Timeline = number;

/** Opaque backend version of a key (etcd mod_revision, ZooKeeper znode version, Consul ModifyIndex...). */
export type KeyVersion = string;

/** Member roles as written in member keys and REST bodies. `master` is what Patroni 3.x writes for a primary. */
export type MemberRole =
  | 'primary'
  | 'master'
  | 'replica'
  | 'standby_leader'
  | 'demoted'
  | 'promoted'
  | 'uninitialized';

/** The member key's JSON (dcs.md §3.5). Unknown fields written by other versions are kept in `extra`. */
export interface MemberData {
  readonly conn_url?: string;
  readonly api_url?: string;
  readonly proxy_url?: string;
  readonly state?: string;
  readonly role?: MemberRole | string;
  readonly version?: string;
  readonly xlog_location?: number;
  readonly receive_lsn?: number;
  readonly replay_lsn?: number;
  readonly replication_state?: string;
  readonly timeline?: number;
  readonly checkpoint_after_promote?: boolean;
  readonly tags?: Readonly<Record<string, unknown>>;
  readonly pending_restart?: boolean;
  readonly pending_restart_reason?: Readonly<Record<string, { old_value: string; new_value: string }>>;
  readonly scheduled_restart?: Readonly<Record<string, unknown>>;
  readonly pause?: boolean;
  readonly [extra: string]: unknown;
}

/** Tags as the HA logic reads them (dcs.md §3.5), normalised from strings or booleans. */
export interface MemberTags {
  readonly nofailover: boolean;
  readonly failoverPriority: number;
  readonly clonefrom: boolean;
  readonly noloadbalance: boolean;
  readonly replicatefrom: MemberName | null;
  readonly nosync: boolean;
  readonly nostream: boolean;
  readonly syncPriority: number;
}

export interface Member {
  readonly name: MemberName;
  readonly version: KeyVersion | null;
  /** Lease / session / ephemeral owner the key is bound to, when the backend has one. */
  readonly session: string | null;
  readonly data: MemberData;
  readonly tags: MemberTags;
  /** `state == running` */
  readonly isRunning: boolean;
  /** `xlog_location` as an LSN, 0 when absent. */
  readonly lsn: Lsn;
  /** Patroni version of that member as [major, minor, patch], null when unparseable. */
  readonly patroniVersion: readonly [number, number, number] | null;
}

export interface Leader {
  readonly name: MemberName;
  readonly version: KeyVersion | null;
  readonly session: string | null;
  /** The member key with the leader's name, or a stub with empty data when that key is missing. */
  readonly member: Member;
}

export interface ClusterConfig {
  readonly version: KeyVersion | null;
  /** The parsed JSON object (empty when the value was not a JSON object). */
  readonly data: Readonly<Record<string, unknown>>;
  /** Truthy only when `data` parsed as an object; nodes apply a config only when this changes. */
  readonly modifyVersion: KeyVersion | 0;
}

export interface Failover {
  readonly version: KeyVersion | null;
  readonly leader: MemberName | null;
  readonly candidate: MemberName | null;
  /** ISO 8601 as written; `scheduledAtMs` is its parse, null when absent; NaN when unparseable. */
  readonly scheduledAt: string | null;
  readonly scheduledAtMs: number | null;
}

export interface SyncState {
  readonly version: KeyVersion | null;
  readonly leader: MemberName | null;
  /** Names from `sync_standby` (comma separated on the wire), as written. */
  readonly syncStandbys: readonly MemberName[];
  /** [4.x] quorum; 0 when absent or when `leader` is empty. */
  readonly quorum: number;
}

/** One `history` entry: [parent timeline, switch LSN, reason, promoted_at?, new_leader?]. */
export type HistoryLine = readonly [number, number, string, string?, string?];

export interface TimelineHistory {
  readonly version: KeyVersion | null;
  readonly rawValue: string;
  readonly lines: readonly HistoryLine[];
}

export interface Status {
  readonly lastLsn: Lsn;
  readonly slots: Readonly<Record<string, number>> | null;
  readonly retainSlots: readonly string[];
}

/** A problem found while parsing a key written by someone else; surfaced in the snapshot and the log. */
export interface ParseProblem {
  readonly key: string;
  readonly message: string;
}

/** The frozen snapshot the HA cycle works on (dcs.md §5). */
export interface Cluster {
  /** null: key absent; "": bootstrap in progress; else the system identifier. */
  readonly initialize: string | null;
  readonly config: ClusterConfig | null;
  readonly leader: Leader | null;
  readonly status: Status;
  readonly members: readonly Member[];
  readonly failover: Failover | null;
  readonly sync: SyncState;
  readonly history: TimelineHistory | null;
  readonly failsafe: Readonly<Record<MemberName, string>> | null;
  readonly problems: readonly ParseProblem[];
}
