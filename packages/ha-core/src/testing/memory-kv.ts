/**
 * One agent's client of a `MemoryKvStore`, implementing `DcsKv` with fault injection: an unreachable store
 * (operations fail with `DcsUnavailableError` after the retry deadline, in clock time), added latency, and
 * session expiry as if the agent froze past its TTL. Deterministic on a `ManualClock`.
 */
import { DcsUnavailableError } from '../dcs/errors.js';
import type {
  DcsKv,
  KvCapabilities,
  KvCondition,
  KvSnapshot,
  KvTiming,
  KvWriteOptions,
  KvWriteResult,
} from '../dcs/kv.js';
import type { MemoryKvStore } from './memory-kv-store.js';

export interface MemoryKvOptions {
  readonly timing: KvTiming;
  /**
   * `session` (etcd3/Consul/ZooKeeper-like: ephemeral keys bound to one session per client) or `keyTtl`
   * (etcd v2-like: every ephemeral write sets the key's own TTL; no sessions).
   */
  readonly mode?: 'session' | 'keyTtl';
  /** Unreachable → throw at once instead of after retry_timeout. */
  readonly failFast?: boolean;
}

export class MemoryKv implements DcsKv {
  readonly capabilities: KvCapabilities;
  private timing: KvTiming;
  private session: string | null = null;
  private lastRefreshMs = Number.NEGATIVE_INFINITY;
  private unreachable = false;
  private latencyMs = 0;
  private closed = false;

  constructor(
    readonly store: MemoryKvStore,
    private readonly options: MemoryKvOptions,
  ) {
    this.timing = options.timing;
    this.capabilities = { ephemeralByKeyTtl: options.mode === 'keyTtl', leaderWatchIndex: false };
  }

  /** Cuts this client off the store (or reconnects it). */
  setUnreachable(unreachable: boolean): void {
    this.unreachable = unreachable;
  }

  /** Delay added before every operation, in clock time. */
  setLatencyMs(latencyMs: number): void {
    this.latencyMs = Math.max(0, latencyMs);
  }

  /** As if this agent froze past its TTL: the store ends its session, its ephemeral keys vanish. */
  expireSession(): void {
    if (this.session !== null) this.store.endSession(this.session);
  }

  private get clock() {
    return this.store.clock;
  }

  /** Runs `fn` against the store unless the store cannot be reached within retry_timeout. */
  private async op<T>(name: string, fn: () => T): Promise<T> {
    if (this.closed) throw new DcsUnavailableError(`${name}: client is closed`);
    if (this.latencyMs > 0) await this.clock.sleep(this.latencyMs);
    if (this.unreachable) {
      if (!this.options.failFast) await this.clock.sleep(this.timing.retryTimeoutMs);
      throw new DcsUnavailableError(`${name}: DCS is not reachable (retry_timeout exceeded)`);
    }
    return fn();
  }

  private ensureSession(): string {
    if (this.session === null || !this.store.isSessionAlive(this.session)) {
      this.session = this.store.createSession(this.timing.ttlMs);
      this.lastRefreshMs = this.clock.now();
    }
    return this.session;
  }

  readAll(_options: { consistent: boolean }): Promise<KvSnapshot> {
    return this.op('readAll', () => this.store.snapshot());
  }

  write(key: string, value: string, options: KvWriteOptions): Promise<KvWriteResult> {
    return this.op('write', () => {
      if (!options.ephemeral) return this.store.write(key, value, { condition: options.condition });
      if (this.capabilities.ephemeralByKeyTtl) {
        return this.store.write(key, value, { condition: options.condition, keyTtlMs: this.timing.ttlMs });
      }
      return this.store.write(key, value, { condition: options.condition, session: this.ensureSession() });
    });
  }

  remove(key: string, condition?: KvCondition): Promise<boolean> {
    return this.op(
      'remove',
      () => this.store.remove(key, condition) || (!condition && this.store.get(key) === null),
    );
  }

  removeAll(): Promise<void> {
    return this.op('removeAll', () => this.store.removeAll());
  }

  refreshSession(force: boolean): Promise<void> {
    return this.op('refreshSession', () => {
      if (this.capabilities.ephemeralByKeyTtl) return;
      const due = force || this.clock.now() - this.lastRefreshMs >= this.timing.loopWaitMs;
      if (this.session !== null && due && this.store.keepAlive(this.session)) {
        this.lastRefreshMs = this.clock.now();
        return;
      }
      this.ensureSession();
    });
  }

  sessionId(): string | null {
    return this.capabilities.ephemeralByKeyTtl ? null : this.session;
  }

  async watch(
    key: string,
    sinceVersion: string | null,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<boolean> {
    if (this.closed) return false;
    if (this.unreachable) {
      await this.clock.sleep(timeoutMs, signal);
      return false;
    }
    return this.store.watch(key, sinceVersion, timeoutMs, signal);
  }

  async watchKeySet(prefix: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.closed) return false;
    if (this.unreachable) {
      await this.clock.sleep(timeoutMs, signal);
      return false;
    }
    return this.store.watchKeySet(prefix, timeoutMs, signal);
  }

  setTiming(timing: KvTiming): void {
    // Like etcd3: a new ttl discards the session; a new one is created on next use.
    if (timing.ttlMs !== this.timing.ttlMs) this.session = null;
    this.timing = timing;
  }

  async close(options?: { keepSession?: boolean }): Promise<void> {
    if (!options?.keepSession && this.session !== null) this.store.endSession(this.session);
    this.closed = true;
  }
}
