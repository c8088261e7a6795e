import type { KeyVersion } from '../model/types.js';

/**
 * The key-value layer every KV-shaped backend implements (etcd v3, etcd v2, Consul, ZooKeeper, Exhibitor).
 * Keys are relative to the cluster's base path (`leader`, `members/pg1`, `config`, ...); the backend maps
 * them onto its own layout (`/service/<scope>/leader`, Consul without the leading slash, ...).
 *
 * Error discipline: every method throws `DcsUnavailableError` when the store cannot be reached within the
 * retry deadline; expected outcomes (condition failed, key exists) are return values.
 */
export interface DcsKv {
  readonly capabilities: KvCapabilities;

  /** Every key under the cluster's base path. `consistent` asks for a linearizable read (patronictl). */
  readAll(options: { consistent: boolean }): Promise<KvSnapshot>;

  /**
   * Writes `value` at `key` when `condition` holds. `ephemeral` binds the key to this agent's
   * session/lease/TTL (leader and member keys); otherwise the key is persistent.
   * Returns the new version, or `null` when the condition did not hold. The version MUST be the same kind of
   * value `readAll` reports as that key's `version` (KvDcs compares them to tell a live lock from a stale one).
   */
  write(key: string, value: string, options: KvWriteOptions): Promise<KvWriteResult>;

  /** Deletes `key` when `condition` holds; false when it did not (or the key was absent with a condition). */
  remove(key: string, condition?: KvCondition): Promise<boolean>;

  /** Deletes every key under the cluster's base path (`patronictl remove`). */
  removeAll(): Promise<void>;

  /**
   * Keeps this agent's session/lease alive. `force` renews even if renewed less than loop_wait ago
   * (leader renewal always forces). Creates a new session when the old one is gone; keys bound to the
   * old one are then gone too. A backend without sessions (etcd v2: TTL per key) does nothing here.
   */
  refreshSession(force: boolean): Promise<void>;

  /** The id of the current session/lease (compared with `Member.session` / `Leader.session`), if any. */
  sessionId(): string | null;

  /**
   * Resolves true as soon as `key` changes after `sinceVersion` (null: any change from now on, including
   * the creation of an absent key — KvDcs watches an absent leader key this way), false after
   * `timeoutMs` without a change. Never throws for an unreachable store: it then waits out the timeout
   * (a watch is only a way to wake the loop early). `signal` aborts the wait (resolves false).
   */
  watch(
    key: string,
    sinceVersion: KeyVersion | null,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<boolean>;

  /**
   * Optional: resolves true as soon as a key directly under `prefix` (`members/`) is created or deleted,
   * false after `timeoutMs` (value updates of existing keys do not count: replicas rewrite their member keys
   * whenever their WAL position moves). Same error and `signal` discipline as `watch`. The leader waits on
   * it between cycles so a new member gets its replication slot at once (KvDcs sleeps without it).
   */
  watchKeySet?(prefix: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;

  /** Applies new timing (ttl is the session/lease/key TTL; retry_timeout the per-operation deadline). */
  setTiming(timing: KvTiming): void;

  /** Closes connections; ends the session (ephemeral keys vanish) unless `keepSession`. */
  close(options?: { keepSession?: boolean }): Promise<void>;
}

export interface KvTiming {
  readonly ttlMs: number;
  readonly loopWaitMs: number;
  readonly retryTimeoutMs: number;
}

export interface KvCapabilities {
  /** Ephemeral keys live by a TTL on the key itself (etcd v2) rather than on a session: rewrite them to renew. */
  readonly ephemeralByKeyTtl: boolean;
  /** `readAll` returns a watch index for the leader key that differs from its version (etcd v2 §5). */
  readonly leaderWatchIndex: boolean;
}

/** A precondition for a write or delete. */
export type KvCondition =
  | { readonly kind: 'absent' }
  | { readonly kind: 'version'; readonly version: KeyVersion }
  | { readonly kind: 'value'; readonly value: string };

export interface KvWriteOptions {
  readonly ephemeral?: boolean;
  readonly condition?: KvCondition;
}

export type KvWriteResult = { readonly ok: true; readonly version: KeyVersion } | { readonly ok: false };

export interface KvNode {
  /** Relative key: `leader`, `members/pg1`, `optime/leader`... */
  readonly key: string;
  readonly value: string;
  readonly version: KeyVersion;
  /** Session / lease / ephemeral owner the key is bound to; null for persistent keys. */
  readonly session: string | null;
  /**
   * Another version-like number a backend exposes, used where Patroni uses it: ZooKeeper's `mzxid`
   * for config/history, etcd v2's `X-Etcd-Index`-derived leader watch index.
   */
  readonly altVersion?: KeyVersion;
}

export interface KvSnapshot {
  readonly nodes: readonly KvNode[];
}
