import type { Cluster, KeyVersion, Lsn, MemberData, MemberName, SyncState } from '../model/types.js';
import type { KvTiming } from './kv.js';

/** What the leader publishes in `/status` on renewal (dcs.md §3.4). */
export interface LeaderStatus {
  readonly lastLsn: Lsn;
  readonly slots?: Readonly<Record<string, number>>;
  readonly retainSlots?: readonly string[];
}

/**
 * The DCS contract the HA loop uses (dcs.md §4). `KvDcs` implements it for every key-value backend on top
 * of `DcsKv`; Kubernetes implements it directly.
 *
 * Leader operations and `loadCluster` throw `DcsUnavailableError` when the DCS cannot be reached within
 * retry_timeout; "someone else holds it" is `false`. Other writes return false on any DCS error.
 */
export interface Dcs {
  /** Reads the whole cluster and parses it once into a frozen snapshot. */
  loadCluster(options?: { consistent?: boolean }): Promise<Cluster>;

  /** Creates `/leader` = my name, bound to my session, only if absent. */
  acquireLeader(): Promise<boolean>;
  /** Keeps `/leader` only if it is still mine; on success writes `/status` and `/failsafe` when given. */
  renewLeader(
    cluster: Cluster,
    status?: LeaderStatus,
    failsafe?: Readonly<Record<MemberName, string>>,
  ): Promise<boolean>;
  /** Deletes `/leader` only if it is mine, first writing `/status` with `lastLsn` when given. */
  releaseLeader(lastLsn?: Lsn): Promise<boolean>;
  /** Writes `/leader` = my name without preconditions (right after a successful bootstrap). */
  takeLeader(): Promise<boolean>;

  /** `createNew`: create-if-absent (the bootstrap race); else overwrite. */
  initialize(createNew: boolean, sysid: string): Promise<boolean>;
  cancelInitialization(): Promise<boolean>;

  /** Writes my member key, bound to my session; may skip the write when nothing changed. */
  touchMember(data: MemberData): Promise<boolean>;

  /** `version` given → compare-and-set; null → unconditional. `value` is the JSON text to store. */
  setConfig(value: string, version: KeyVersion | null): Promise<boolean>;
  setFailover(value: FailoverRequest, version: KeyVersion | null): Promise<boolean>;
  /** Returns the written state with its new version, or null when the CAS failed. */
  writeSync(
    leader: MemberName | null,
    standbys: readonly MemberName[],
    quorum: number | null,
    version: KeyVersion | null,
  ): Promise<SyncState | null>;
  deleteSync(version: KeyVersion | null): Promise<boolean>;
  setHistory(value: string): Promise<boolean>;
  writeStatus(status: LeaderStatus): Promise<boolean>;
  writeFailsafe(value: Readonly<Record<MemberName, string>>): Promise<boolean>;

  /** `patronictl remove`: deletes everything under the cluster's base path. */
  deleteCluster(): Promise<void>;

  /**
   * Waits up to `timeoutMs`; resolves true early when woken (leader change when `leaderVersion` is given,
   * config change, or `wake()`), false on timeout.
   */
  watch(leaderVersion: KeyVersion | null, timeoutMs: number): Promise<boolean>;
  /** Makes a pending or the next `watch` return true at once (REST commands, finished async actions). */
  wake(): void;

  setTiming(timing: KvTiming): void;
  close(options?: { keepSession?: boolean }): Promise<void>;
}

/** The `/failover` value; all fields optional; `{}` means "nothing requested". */
export interface FailoverRequest {
  readonly leader?: MemberName;
  readonly member?: MemberName;
  readonly scheduled_at?: string;
}

/** Where the cluster lives in the DCS. */
export interface DcsScope {
  /** `namespace` from config, default `/service/`. */
  readonly namespace: string;
  readonly scope: string;
  /** This agent's member name. */
  readonly name: MemberName;
}

/** What a DCS package exports for the agent to build a backend from its config section. */
export interface DcsFactoryContext {
  readonly scope: DcsScope;
  readonly timing: KvTiming;
  readonly logger: Logger;
  /** true for patronictl: linearizable reads, no session until a write needs one. */
  readonly forCtl?: boolean;
}

/** The logger interface libraries take; the agent injects its Patroni-format logger. */
export interface Logger {
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string, ...args: unknown[]): void;
}

/** The base path Patroni uses: "/" + namespace + "/" + scope with runs of "/" collapsed (dcs.md §1). */
export function clusterBasePath(scope: Pick<DcsScope, 'namespace' | 'scope'>): string {
  return `/${scope.namespace}/${scope.scope}`.replace(/\/+/g, '/');
}

/**
 * What a DCS package exports (`export const backends = {...}`): one factory per config section it serves
 * (`etcd`, `etcd3`, `consul`, `zookeeper`, `exhibitor`, `kubernetes`). The factory validates its own
 * section and throws a `ConfigError`-coded error naming the bad keys.
 */
export type DcsBackendFactory = (section: unknown, context: DcsFactoryContext) => Promise<Dcs>;
export type DcsBackends = Readonly<Record<string, DcsBackendFactory>>;
