import type { KvTiming } from '../dcs/kv.js';
import type { Cluster, MemberName } from '../model/types.js';
import type { PostgresObservation, PostgresQueryResult, PostgresState } from './postgres.js';

/**
 * What the HA loop publishes after every cycle for the REST API (and logs, metrics, patronictl via REST).
 * REST handlers only read this and call `AgentCommands`; they never touch Postgres or the DCS.
 */
export interface PublishedStatus {
  readonly scope: string;
  readonly name: MemberName;
  readonly patroniVersion: string;
  /** Agent-tracked role: `primary`, `replica`, `standby_leader`, `demoted`, `promoted`, `uninitialized`. */
  readonly role: string;
  readonly state: PostgresState;
  /** Last successful DCS read (null after a failed read); its age decides whether REST may use it. */
  readonly cluster: Cluster | null;
  /** Epoch ms of the last successful DCS read, 0 if never. */
  readonly dcsLastSeenMs: number;
  /** This node believes it holds the leader key until this epoch ms (0: not leader). */
  readonly leaderUntilMs: number;
  /** The dynamic config in effect (from the DCS or the last valid/bootstrap one). */
  readonly dynamicConfig: Readonly<Record<string, unknown>>;
  readonly timing: KvTiming;
  readonly paused: boolean;
  /** Effective tags as published in the member key (includes `nosync: true` while released from sync duty). */
  readonly tags: Readonly<Record<string, unknown>>;
  readonly failsafeActive: boolean;
  readonly watchdogFailed: boolean;
  readonly scheduledRestart: Readonly<Record<string, unknown>> | null;
  /** The last observation of Postgres the loop made (REST refreshes the query part with a short-lived probe). */
  readonly postgres: PostgresObservation | null;
  /** The long action in progress, if any (`restart`, `reinitialize`, `running pg_rewind from pg1`...). */
  readonly asyncAction: string | null;
  /** The summary line of the last cycle (`no action. I am (pg1), the leader with the lock`). */
  readonly lastSummary: string;
  readonly apiUrl: string | null;
  readonly connUrl: string | null;
  /**
   * Epoch ms at which the next HA cycle is due (Patroni `next_run`); `GET /liveness` fails when it is more than
   * `ttl` (primary) or `2 × ttl` (others) in the past. Absent: liveness cannot tell and answers 200.
   */
  readonly nextRunAtMs?: number;
}

/** Requests the REST API hands to the agent; each resolves with what the endpoint answers. */
export interface AgentCommands {
  /** A fresh (≤ ~1 s old) Postgres query result for health checks; null when Postgres does not answer. */
  probePostgres(): Promise<PostgresQueryResult | null>;
  /** Re-read the config files and apply them (POST /reload, SIGHUP). */
  reload(): Promise<CommandResult>;
  restart(request: RestartRequest): Promise<CommandResult>;
  cancelScheduledRestart(): Promise<CommandResult>;
  reinitialize(request: { force: boolean; fromLeader: boolean }): Promise<CommandResult>;
  /** Writes `/failover` (switchover when `leader` is set) and, unless scheduled, waits for the outcome. */
  switchover(request: SwitchoverRequest): Promise<CommandResult>;
  cancelScheduledSwitchover(): Promise<CommandResult>;
  /** PATCH /config: JSON merge-patch, CAS on the version read. PUT /config: `replace`. */
  updateConfig(change: {
    kind: 'patch' | 'replace';
    value: Readonly<Record<string, unknown>>;
  }): Promise<CommandResult>;
  /** POST /failsafe from the primary during a DCS outage. */
  failsafeHeartbeat(payload: FailsafeHeartbeat): Promise<CommandResult>;
  /** Read the cluster straight from the DCS (for /cluster, /history, /config when the cached view is stale). */
  loadCluster(): Promise<Cluster>;
}

export interface CommandResult {
  /** HTTP status the endpoint answers with (200, 202, 400, 409, 412, 503...). */
  readonly status: number;
  /** Body text (Patroni answers these endpoints in plain text), or a JSON value. */
  readonly body: string | Readonly<Record<string, unknown>>;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Answer with a bare HTTP error page for `status` (what Patroni's `send_error` writes: 409 on a lost CAS,
   * 502/503 when the config key is missing or cannot be written) instead of `body`.
   */
  readonly errorPage?: boolean;
}

export interface RestartRequest {
  readonly schedule?: string;
  readonly role?: string;
  readonly postgresVersion?: string;
  readonly timeoutSeconds?: number;
  readonly restartPending?: boolean;
}

export interface SwitchoverRequest {
  /** `failover` when only a candidate is named (POST /failover). */
  readonly kind: 'switchover' | 'failover';
  readonly leader?: MemberName;
  readonly candidate?: MemberName;
  readonly scheduledAt?: string;
}

export interface FailsafeHeartbeat {
  readonly name: MemberName;
  readonly conn_url: string;
  readonly api_url: string;
  readonly slots?: Readonly<Record<string, number>>;
}
