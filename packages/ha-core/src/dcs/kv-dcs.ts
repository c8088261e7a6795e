/**
 * Patroni's key tree mapped once onto the `DcsKv` layer (dcs.md §3-4): every KV-shaped backend (etcd v3,
 * etcd v2, Consul, ZooKeeper, Exhibitor) gets the same leader, member, config and status semantics.
 *
 * Error discipline: `loadCluster` and the leader operations throw `DcsUnavailableError` ("cannot tell");
 * the other writes log and return false. A lost lock is never reported as held.
 */
import { minPatroniVersion } from '../model/cluster-queries.js';
import { KEY, type ParseClusterOptions, parseCluster } from '../model/parse-cluster.js';
import { parseSyncValue } from '../model/parse-values.js';
import {
  serializeFailover,
  serializeFailsafe,
  serializeMemberData,
  serializeStatus,
  serializeSync,
} from '../model/serialize.js';
import type { Cluster, KeyVersion, Lsn, MemberData, MemberName, SyncState } from '../model/types.js';
import { type Clock, systemClock } from './clock.js';
import type { Dcs, DcsScope, FailoverRequest, LeaderStatus, Logger } from './dcs.js';
import { DcsUnavailableError, isDcsUnavailable } from './errors.js';
import type { DcsKv, KvCondition, KvNode, KvSnapshot, KvTiming, KvWriteOptions } from './kv.js';

/** Optional hooks of `KvDcs.renewLeader` (additive to the `Dcs` contract). */
export interface RenewHooks {
  readonly afterLeaseRenewed?: () => Promise<void>;
}

export interface KvDcsOptions {
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Which backend version feeds which snapshot version (`BACKEND_VERSION_SOURCES`). */
  readonly parseOptions?: ParseClusterOptions;
  /** Added to a non-leader's leader watch so its loop trails the leader's (etcd3, ZooKeeper: 500 ms). */
  readonly nonLeaderWatchExtraMs?: number;
}

/** The last value of a key as read or written, with the session it was bound to. */
interface KnownValue {
  readonly value: string;
  readonly session: string | null;
}

const LEGACY_OPTIME_BELOW: readonly [number, number, number] = [2, 1, 0];

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function versionBelow(version: readonly number[], limit: readonly number[]): boolean {
  for (let i = 0; i < 3; i++) {
    if ((version[i] ?? 0) !== (limit[i] ?? 0)) return (version[i] ?? 0) < (limit[i] ?? 0);
  }
  return false;
}

/** The same node objects in the same order (a backend returns new objects for anything it read afresh). */
function sameNodes(a: readonly KvNode[], b: readonly KvNode[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class KvDcs implements Dcs {
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly name: MemberName;
  private lastCluster: Cluster | null = null;
  /** The nodes lastCluster was parsed from. */
  private lastNodes: readonly KvNode[] = [];
  private myMember: KnownValue | null = null;
  private lastStatus: { readonly value: string; readonly status: LeaderStatus | null } | null = null;
  private lastLegacyOptime: string | null = null;
  private lastFailsafe: string | null = null;
  private lastProblems = '';
  private wakePending = false;
  private watchAbort: AbortController | null = null;
  private ttlMs: number | null = null;
  /** Version of the leader key as I last wrote it or saw it bound to my session; null when not mine. */
  private heldLeaderVersion: KeyVersion | null = null;

  constructor(
    private readonly kv: DcsKv,
    readonly scope: DcsScope,
    private readonly options: KvDcsOptions,
  ) {
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.name = scope.name;
  }

  async loadCluster(options: { consistent?: boolean } = {}): Promise<Cluster> {
    let snapshot: KvSnapshot;
    try {
      snapshot = await this.kv.readAll({ consistent: options.consistent ?? false });
    } catch (error) {
      throw this.unavailable('load cluster', error);
    }
    // A backend serving reads from its watch cache hands back the very same nodes while nothing changed:
    // the cluster parsed from them then is the same too (clusters are immutable).
    const cluster =
      this.lastCluster !== null && sameNodes(snapshot.nodes, this.lastNodes)
        ? this.lastCluster
        : parseCluster(snapshot, this.options.parseOptions);
    this.lastNodes = snapshot.nodes;
    this.remember(snapshot, cluster);
    return cluster;
  }

  private remember(snapshot: KvSnapshot, cluster: Cluster): void {
    this.lastCluster = cluster;
    const leader = cluster.leader;
    const session = this.kv.sessionId();
    const holdsIt = leader?.name === this.name && session !== null && leader.session === session;
    this.heldLeaderVersion = holdsIt ? leader.version : null;
    const byKey = new Map(snapshot.nodes.map((node) => [node.key, node] as const));
    const member = byKey.get(KEY.membersPrefix + this.name);
    this.myMember = member ? { value: member.value, session: member.session } : null;
    const status = byKey.get(KEY.status);
    if (status && status.value !== this.lastStatus?.value)
      this.lastStatus = { value: status.value, status: null };
    this.lastFailsafe = byKey.get(KEY.failsafe)?.value ?? null;
    this.lastLegacyOptime = byKey.get(KEY.legacyOptime)?.value ?? null;
    const problems = cluster.problems.map((p) => `${p.key}: ${p.message}`).join('; ');
    if (problems !== this.lastProblems && problems !== '')
      this.logger.warn(`Unusable DCS values: ${problems}`);
    this.lastProblems = problems;
  }

  async acquireLeader(): Promise<boolean> {
    try {
      await this.kv.refreshSession(false);
      const result = await this.kv.write(KEY.leader, this.name, {
        ephemeral: true,
        condition: { kind: 'absent' },
      });
      this.heldLeaderVersion = result.ok ? result.version : this.heldLeaderVersion;
      return result.ok;
    } catch (error) {
      throw this.unavailable('acquire leader lock', error);
    }
  }

  /**
   * `hooks.afterLeaseRenewed` runs as soon as the lease is renewed, before `/status` and `/failsafe` are
   * written (the loop's watchdog keepalive: those round trips must not delay it past safety_margin).
   */
  async renewLeader(
    cluster: Cluster,
    status?: LeaderStatus,
    failsafe?: Readonly<Record<MemberName, string>>,
    hooks?: RenewHooks,
  ): Promise<boolean> {
    let renewed: boolean;
    try {
      await this.kv.refreshSession(true);
      renewed = await this.keepLeaderKey(cluster);
    } catch (error) {
      throw this.unavailable('update leader lock', error);
    }
    if (!renewed) {
      this.heldLeaderVersion = null;
      return false;
    }
    await hooks?.afterLeaseRenewed?.();
    if (status) await this.writeStatus(status);
    if (failsafe) await this.writeFailsafe(failsafe);
    return true;
  }

  /** The renewal proper, per backend capability (dcs.md §3.3, §7). */
  private async keepLeaderKey(cluster: Cluster): Promise<boolean> {
    const leaderWrite = async (condition: KvCondition) => {
      const result = await this.kv.write(KEY.leader, this.name, { ephemeral: true, condition });
      if (result.ok) this.heldLeaderVersion = result.version;
      return result.ok;
    };
    if (!this.kv.capabilities.ephemeralByKeyTtl && this.snapshotShowsMyLiveLock(cluster)) return true;
    if (await leaderWrite({ kind: 'value', value: this.name })) return true;
    // The key vanished (TTL expired, session recreated): take it again only if nobody else did.
    return leaderWrite({ kind: 'absent' });
  }

  /**
   * A live session keeps every key bound to it, so there is nothing to rewrite when the snapshot shows the
   * key bound to my current session at the very version I hold (not a stale snapshot from before a release).
   */
  private snapshotShowsMyLiveLock(cluster: Cluster): boolean {
    const leader = cluster.leader;
    const session = this.kv.sessionId();
    return (
      leader !== null &&
      leader.name === this.name &&
      session !== null &&
      leader.session === session &&
      this.heldLeaderVersion !== null &&
      leader.version === this.heldLeaderVersion
    );
  }

  async releaseLeader(lastLsn?: Lsn): Promise<boolean> {
    if (lastLsn !== undefined) await this.writeStatus({ ...this.lastKnownStatus(), lastLsn });
    this.heldLeaderVersion = null;
    try {
      return await this.kv.remove(KEY.leader, { kind: 'value', value: this.name });
    } catch (error) {
      throw this.unavailable('delete leader lock', error);
    }
  }

  /** [4.x] carries the last known slots over when only a new optime is written. */
  private lastKnownStatus(): Omit<LeaderStatus, 'lastLsn'> {
    if (this.lastStatus?.status) return this.lastStatus.status;
    const status = this.lastCluster?.status;
    return status ? { slots: status.slots ?? {}, retainSlots: status.retainSlots } : {};
  }

  async takeLeader(): Promise<boolean> {
    try {
      await this.kv.refreshSession(false);
      const result = await this.kv.write(KEY.leader, this.name, { ephemeral: true });
      this.heldLeaderVersion = result.ok ? result.version : null;
      return result.ok;
    } catch (error) {
      throw this.unavailable('take leader lock', error);
    }
  }

  initialize(createNew: boolean, sysid: string): Promise<boolean> {
    const options: KvWriteOptions = createNew ? { condition: { kind: 'absent' } } : {};
    return this.tryWrite(KEY.initialize, sysid, options);
  }

  cancelInitialization(): Promise<boolean> {
    return this.tryRemove(KEY.initialize);
  }

  async touchMember(data: MemberData): Promise<boolean> {
    const value = serializeMemberData(data);
    const key = KEY.membersPrefix + this.name;
    try {
      await this.kv.refreshSession(false);
      const session = this.kv.sessionId();
      const unchanged =
        this.myMember?.value === value && this.myMember.session === session && session !== null;
      if (unchanged && !this.kv.capabilities.ephemeralByKeyTtl) return true;
      const result = await this.kv.write(key, value, { ephemeral: true });
      this.myMember = result.ok ? { value, session: this.kv.sessionId() } : null;
      return result.ok;
    } catch (error) {
      this.myMember = null;
      this.logWriteFailure(key, error);
      return false;
    }
  }

  setConfig(value: string, version: KeyVersion | null): Promise<boolean> {
    return this.tryWrite(KEY.config, value, versionCondition(version));
  }

  setFailover(value: FailoverRequest, version: KeyVersion | null): Promise<boolean> {
    return this.tryWrite(KEY.failover, serializeFailover(value), versionCondition(version));
  }

  async writeSync(
    leader: MemberName | null,
    standbys: readonly MemberName[],
    quorum: number | null,
    version: KeyVersion | null,
  ): Promise<SyncState | null> {
    const value = serializeSync(leader, standbys, quorum);
    try {
      const result = await this.kv.write(KEY.sync, value, versionCondition(version));
      return result.ok ? parseSyncValue(value, result.version).value : null;
    } catch (error) {
      this.logWriteFailure(KEY.sync, error);
      return null;
    }
  }

  deleteSync(version: KeyVersion | null): Promise<boolean> {
    return this.tryRemove(KEY.sync, version === null ? undefined : { kind: 'version', version });
  }

  setHistory(value: string): Promise<boolean> {
    return this.tryWrite(KEY.history, value, {});
  }

  async writeStatus(status: LeaderStatus): Promise<boolean> {
    const value = serializeStatus(status);
    let ok = true;
    if (value !== this.lastStatus?.value) {
      ok = await this.tryWrite(KEY.status, value, {});
      if (ok) this.lastStatus = { value, status };
    } else {
      this.lastStatus = { value, status };
    }
    const version = this.lastCluster ? minPatroniVersion(this.lastCluster) : null;
    const legacy = String(status.lastLsn);
    if (version && versionBelow(version, LEGACY_OPTIME_BELOW) && legacy !== this.lastLegacyOptime) {
      if (await this.tryWrite(KEY.legacyOptime, legacy, {})) this.lastLegacyOptime = legacy;
    }
    return ok;
  }

  async writeFailsafe(value: Readonly<Record<MemberName, string>>): Promise<boolean> {
    const text = serializeFailsafe(value);
    if (text === this.lastFailsafe) return true;
    const ok = await this.tryWrite(KEY.failsafe, text, {});
    if (ok) this.lastFailsafe = text;
    return ok;
  }

  async deleteCluster(): Promise<void> {
    await this.kv.removeAll();
    this.heldLeaderVersion = null;
    this.myMember = null;
    this.lastStatus = null;
    this.lastFailsafe = null;
    this.lastLegacyOptime = null;
  }

  /**
   * Waits for the next cycle. With `leaderVersion` (a non-leader following someone): wakes when the leader key
   * changes after it. Without it, what the last snapshot says decides (all additive wake-ups, Patroni's etcd3
   * client wakes on any leader change): I hold the lock → wake when a member key appears or vanishes (a new
   * replica gets its slot at once; backends without `watchKeySet` sleep); no leader → wake when the leader key
   * is created (replicas waiting to clone, a failover's losers); someone else leads (the loop runs an action)
   * → sleep.
   */
  async watch(leaderVersion: KeyVersion | null, timeoutMs: number): Promise<boolean> {
    if (this.wakePending) {
      this.wakePending = false;
      return true;
    }
    const abort = new AbortController();
    this.watchAbort = abort;
    try {
      const changed = await this.waitForChange(leaderVersion, timeoutMs, abort.signal);
      return this.takeWake() || changed;
    } finally {
      if (this.watchAbort === abort) this.watchAbort = null;
    }
  }

  private async waitForChange(
    leaderVersion: KeyVersion | null,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<boolean> {
    if (leaderVersion !== null) {
      const waitMs = timeoutMs + (this.options.nonLeaderWatchExtraMs ?? 0);
      return this.kv.watch(KEY.leader, leaderVersion, waitMs, signal);
    }
    if (this.heldLeaderVersion !== null && this.kv.watchKeySet) {
      return this.kv.watchKeySet(KEY.membersPrefix, timeoutMs, signal);
    }
    if (this.heldLeaderVersion === null && this.lastCluster !== null && this.lastCluster.leader === null) {
      return this.kv.watch(KEY.leader, null, timeoutMs, signal);
    }
    await this.clock.sleep(timeoutMs, signal);
    return false;
  }

  private takeWake(): boolean {
    const woken = this.wakePending;
    this.wakePending = false;
    return woken;
  }

  wake(): void {
    this.wakePending = true;
    this.watchAbort?.abort();
  }

  setTiming(timing: KvTiming): void {
    // A ttl change makes the next watch return at once, so the new timing is used right away.
    if (this.ttlMs !== null && this.ttlMs !== timing.ttlMs) this.wake();
    this.ttlMs = timing.ttlMs;
    this.kv.setTiming(timing);
  }

  async close(options?: { keepSession?: boolean }): Promise<void> {
    this.watchAbort?.abort();
    await this.kv.close(options);
  }

  private async tryWrite(key: string, value: string, options: KvWriteOptions): Promise<boolean> {
    try {
      return (await this.kv.write(key, value, options)).ok;
    } catch (error) {
      this.logWriteFailure(key, error);
      return false;
    }
  }

  private async tryRemove(key: string, condition?: KvCondition): Promise<boolean> {
    try {
      return await this.kv.remove(key, condition);
    } catch (error) {
      this.logWriteFailure(key, error);
      return false;
    }
  }

  private logWriteFailure(key: string, error: unknown): void {
    this.logger.error(`Failed to update /${key}: ${errorText(error)}`);
  }

  private unavailable(operation: string, error: unknown): DcsUnavailableError {
    if (isDcsUnavailable(error)) return error;
    this.logger.error(`Unexpected error in ${operation}: ${errorText(error)}`);
    return new DcsUnavailableError(`${operation} failed: ${errorText(error)}`, { cause: error });
  }
}

function versionCondition(version: KeyVersion | null): KvWriteOptions {
  return version === null ? {} : { condition: { kind: 'version', version } };
}
