import type {
  DynamicConfig,
  Logger,
  Lsn,
  PostgresState,
  Timeline,
  TimelineSwitch,
  UpstreamMember,
} from '@patroni/ha-core';
import type pg from 'pg';
import { Binaries } from './binaries.js';
import { CallbackExecutor } from './callbacks.js';
import type { BootstrapConfig, PostgresqlConfig } from './config.js';
import { localHost } from './conninfo.js';
import type { ControlDataReading } from './controldata.js';
import { PostgresError, PostgresErrorCode } from './errors.js';
import {
  connectOptionsOf,
  HeartbeatConnection,
  HeartbeatUnsupported,
  ServerError,
} from './heartbeat-connection.js';
import { newPgClient } from './pg-driver.js';
import type { PostmasterCheck } from './postmaster.js';
import { type Run, withTextConnection } from './replication-connection.js';
import { LogicalSlotAdvancer } from './slot-advance.js';
import type { ObservedSlots } from './slots.js';

export interface PostgresDeps {
  /** Cluster name (`scope`): cluster_name, callback argument, custom method `--scope`. */
  readonly scope: string;
  /** This member's name: application_name in primary_conninfo, slot name. */
  readonly name: string;
  readonly logger?: Logger;
  /** The `bootstrap:` section (method, initdb options, post_bootstrap), parsed by bootstrapConfigSchema. */
  readonly bootstrap?: BootstrapConfig | null;
  /** The current dynamic configuration (`/config`); null before one is known. Read on every config write. */
  readonly dynamicConfig?: () => DynamicConfig | null;
  /** Where the postmaster's stdout/stderr go (appended); default: inherited from the agent. */
  readonly postmasterLogFile?: string;
}

export type PostgresRole =
  | 'uninitialized'
  | 'primary'
  | 'promoted'
  | 'replica'
  | 'standby_leader'
  | 'demoted';

const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** The state one managed server shares between the lifecycle, observation, bootstrap and rewind modules. */
export class PgContext {
  readonly logger: Logger;
  readonly binaries: Binaries;
  readonly callbacks: CallbackExecutor;
  state: PostgresState = 'stopped';
  role: PostgresRole = 'uninitialized';
  /** The upstream the recovery configuration was last written for. */
  upstream: UpstreamMember | null = null;
  /** Set by setSynchronousStandbyNames: string, null (removed), undefined (user's parameter applies). */
  syncStandbyNames: string | null | undefined = undefined;
  pendingRestartReason: Record<string, { old_value: string; new_value: string }> = {};
  /** The primary's parsed `<TL>.history` (immutable once written), by timeline. */
  timelineHistoryCache: { timeline: Timeline; entries: readonly TimelineSwitch[] | null } | null = null;
  /** IDENTIFY_SYSTEM's timeline of a replica without WAL receiver, for one postmaster and replay position. */
  replicaTimelineCache: { startTime: string; replayedLsn: Lsn; timeline: Timeline | null } | null = null;
  /** The postmaster check of the last observe(), reused in the same cycle by canRewind and configureFollow; start and stop clear it. */
  observedPostmaster: PostmasterCheck | null = null;
  /** The last pg_controldata reading (controldata.ts decides when it may be reused). */
  controlData: ControlDataReading | null = null;
  /** `pg_rewind --help` outcome per binary (path, size, mtime): asked once per binary, not every cycle. */
  readonly rewindBinaryWorks = new Map<string, boolean>();
  /**
   * The settings stamp and wanted recovery values of the last pg_settings comparison that found no
   * difference (follow.ts); null when the next comparison must query.
   */
  recoverySettingsMatched: string | null = null;
  /** What writePgpass last wrote where, so an unchanged file is not rewritten every cycle. */
  pgpassWritten: { readonly path: string; readonly content: string } | null = null;
  /** Replica: advances copied logical slots in the background (postgres.md §9.4). */
  readonly slotAdvancer: LogicalSlotAdvancer;
  /** Replica: copied logical slots not yet known to be safe after a failover (slot-readiness.ts). */
  readonly pendingLogicalSlots = new Map<string, number | null>();
  /** Put every existing logical slot on the pending list at the next sync (agent start, Patroni's schedule()). */
  forceReadinessCheck = true;
  /**
   * The slots and server facts the last observe() read, for the slot sync later in the same HA cycle (slots.ts
   * takes it once); the role and state it was read in tell whether a promote or restart came in between.
   */
  observedSlots: ObservedSlots | null = null;
  /** `hot_standby_feedback = on` is forced into postgresql.conf (postgres.md §9.4). */
  enforceHotStandbyFeedback = false;
  private client: pg.Client | null = null;
  /** The status query's connection, while it is being opened or open. */
  private heartbeat: Promise<HeartbeatConnection> | null = null;
  /** The heartbeat connection cannot log in here (TLS, another method): node-postgres serves instead. */
  private heartbeatUnsupported = false;

  constructor(
    public config: PostgresqlConfig,
    readonly deps: PostgresDeps,
  ) {
    this.logger = deps.logger ?? silentLogger;
    this.binaries = new Binaries(config);
    this.callbacks = new CallbackExecutor(() => this.config.callbacks, deps.scope, this.logger);
    this.slotAdvancer = new LogicalSlotAdvancer(async (database) => {
      const client = await newPgClient({
        ...this.localConnection('Patroni'),
        database,
        options: '-c statement_timeout=0',
      });
      client.on('error', () => undefined);
      try {
        await client.connect();
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
      return client;
    }, this.logger);
  }

  get dataDir(): string {
    return this.config.dataDir;
  }

  dynamic(): DynamicConfig | null {
    return this.deps.dynamicConfig?.() ?? null;
  }

  /** The first absolute directory of unix_socket_directories (for use_unix_socket). */
  unixSocketDir(): string | null {
    const value =
      this.config.parameters.unix_socket_directories ??
      this.dynamic()?.postgresql.parameters.unix_socket_directories;
    if (value === undefined) return null;
    return (
      String(value)
        .split(',')
        .map((d) => d.trim())
        .find((d) => d.startsWith('/')) ?? null
    );
  }

  /** libpq parameters of the local superuser connection (postgres.md §3). */
  localConnection(applicationName = 'Patroni heartbeat'): pg.ClientConfig {
    const su = this.config.authentication.superuser;
    return {
      host: localHost(this.config, this.unixSocketDir(), this.config.useUnixSocket),
      port: this.config.port,
      user: su.username,
      password: su.password ?? undefined,
      database: this.config.database,
      application_name: applicationName,
      connectionTimeoutMillis: 3000,
      options: '-c statement_timeout=2000',
      ssl: su.options.sslmode === 'require' ? { rejectUnauthorized: false } : undefined,
    };
  }

  /** The local replication connection (IDENTIFY_SYSTEM): replication user, `use_unix_socket_repl`. */
  localReplicationConnection(): pg.ClientConfig {
    const repl = this.config.authentication.replication;
    return {
      host: localHost(this.config, this.unixSocketDir(), this.config.useUnixSocketRepl),
      port: this.config.port,
      user: repl.username,
      password: repl.password ?? undefined,
      database: this.config.database,
      application_name: 'Patroni',
      ssl: repl.options.sslmode === 'require' ? { rejectUnauthorized: false } : undefined,
    };
  }

  /**
   * A query on the local connection. Without parameters it runs on the heartbeat connection when that can
   * log in, its rows read back as JSON (booleans, int4 and text come back as node-postgres gives them;
   * int8, numeric and timestamps would not, so such columns must be cast to text). With parameters, or
   * where the heartbeat connection cannot log in, it runs on the cached node-postgres connection, which is
   * dropped on any error.
   */
  async query<T extends pg.QueryResultRow = Record<string, unknown>>(
    sql: string,
    params: unknown[] = [],
  ): Promise<T[]> {
    if (params.length === 0) {
      const rows = await this.heartbeatJson<T[]>(`SELECT pg_catalog.json_agg(q) FROM (${sql}) AS q`);
      if (rows !== undefined) return rows ?? [];
    }
    return this.driverQuery<T>(sql, params);
  }

  /** A query on the cached node-postgres connection, dropped on any error. */
  private async driverQuery<T extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<T[]> {
    try {
      if (this.client === null) {
        const client = await newPgClient(this.localConnection());
        client.on('error', () => this.closeConnection());
        this.client = client;
        await client.connect();
      }
      const result = await this.client.query<T>(sql, params);
      return result.rows;
    } catch (error) {
      await this.closeConnection();
      throw new PostgresError(PostgresErrorCode.QueryFailed, (error as Error).message, { cause: error });
    }
  }

  /**
   * A parameterless query whose first row's first column is JSON (the status query), parsed; null for no
   * row. On the heartbeat connection when it can log in, else on the cached node-postgres connection.
   */
  async queryJson<T>(sql: string): Promise<T | null> {
    const value = await this.heartbeatJson<T>(sql);
    if (value !== undefined) return value;
    const rows = await this.driverQuery<{ value: T }>(sql, []);
    const row = rows[0] as Record<string, unknown> | undefined;
    return row === undefined ? null : ((Object.values(row)[0] ?? null) as T | null);
  }

  /**
   * The first column of the first row of `sql` on the heartbeat connection, parsed as JSON (null for no row
   * or SQL NULL); undefined when the heartbeat connection cannot log in here and node-postgres must serve.
   */
  private async heartbeatJson<T>(sql: string): Promise<T | null | undefined> {
    if (this.heartbeatUnsupported) return undefined;
    try {
      const connection = await this.openHeartbeat();
      const text = (await connection.query(sql)).rows[0]?.[0];
      return text === undefined || text === null ? null : (JSON.parse(text) as T);
    } catch (error) {
      if (!(error instanceof HeartbeatUnsupported)) {
        // An SQL error leaves the session usable; anything else may not have.
        if (!(error instanceof ServerError)) this.closeHeartbeat();
        throw new PostgresError(PostgresErrorCode.QueryFailed, (error as Error).message, { cause: error });
      }
      this.heartbeatUnsupported = true;
      this.closeHeartbeat();
      this.logger.debug(`status queries use node-postgres: ${error.message}`);
      return undefined;
    }
  }

  /** The open heartbeat connection: the current one, or a new one when it failed since (one at a time). */
  private async openHeartbeat(): Promise<HeartbeatConnection> {
    const current = this.heartbeat;
    if (current !== null) {
      const connection = await current;
      if (connection.isOpen) return connection;
      // Whoever resumes first replaces it; the others then wait for that one.
      if (this.heartbeat !== current) return this.openHeartbeat();
    }
    const opening = HeartbeatConnection.open(connectOptionsOf(this.localConnection()));
    this.heartbeat = opening;
    // A failed opening is forgotten, so the next query tries again.
    opening.catch(() => {
      if (this.heartbeat === opening) this.heartbeat = null;
    });
    return opening;
  }

  private closeHeartbeat(): void {
    const heartbeat = this.heartbeat;
    this.heartbeat = null;
    heartbeat?.then((c) => c.close()).catch(() => undefined);
  }

  /**
   * A one-off connection without statement timeout (CHECKPOINT, role creation), its rows as text: on the
   * heartbeat client where it can log in, else on node-postgres (withTextConnection).
   */
  withConnection<T>(work: (run: Run) => Promise<T>, config: pg.ClientConfig = {}): Promise<T> {
    return withTextConnection({ ...this.localConnection('Patroni'), options: undefined, ...config }, work);
  }

  async closeConnection(): Promise<void> {
    this.closeHeartbeat();
    this.heartbeatUnsupported = false;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}
