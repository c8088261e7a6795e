import {
  type DcsKv,
  DcsUnavailableError,
  type KeyVersion,
  type KvCapabilities,
  type KvCondition,
  type KvSnapshot,
  type KvTiming,
  type KvWriteOptions,
  type KvWriteResult,
  type Logger,
} from '@patroni/ha-core';
import type { RequestCounter } from '../request-counter.js';
import { sleep } from '../request-plan.js';
import {
  asRecord,
  base64,
  gatewayKvsOf,
  int64Of,
  nodeOf,
  prefixRangeEnd,
  requireRevision,
} from './etcd3-codec.js';
import { directChildren, PrefixWatchCache } from './etcd3-prefix-cache.js';
import type { Etcd3Rpc } from './etcd3-rpc.js';
import { watchKeyOnce } from './etcd3-streams.js';
import { isLeaseNotFound } from './lease-not-found.js';

export { prefixRangeEnd } from './etcd3-codec.js';

/** A txn compare in the gateway's JSON (enum names, base64 bytes, int64 as strings). */
function compareFor(key: Buffer, condition: KvCondition): Record<string, string> {
  const common = { key: base64(key), result: 'EQUAL' };
  switch (condition.kind) {
    case 'absent':
      return { ...common, target: 'CREATE', create_revision: '0' };
    case 'version':
      return { ...common, target: 'MOD', mod_revision: condition.version };
    case 'value':
      return { ...common, target: 'VALUE', value: base64(condition.value) };
  }
}

/**
 * `DcsKv` over etcd v3 through its JSON gateway (dcs.md §7.1): keys under `<base>/`, one lease per agent
 * with TTL = ttl that the ephemeral keys (leader, own member) are attached to, conditions as txn compares.
 * One long-lived watch of the prefix (PrefixWatchCache) serves the reads once etcd confirmed it and wakes the
 * waits between cycles. Writes, conditions and lease keep-alives always go to etcd.
 */
export class Etcd3Kv implements DcsKv {
  readonly capabilities: KvCapabilities = Object.freeze({
    ephemeralByKeyTtl: false,
    leaderWatchIndex: false,
  });
  readonly #rpc: Etcd3Rpc;
  readonly #prefix: Buffer;
  readonly #rangeEnd: Buffer;
  readonly #logger: Logger;
  readonly #counter: RequestCounter;
  #timing: KvTiming;
  #leaseId: string | null = null;
  #leaseRefreshedAtMs = 0;
  #granting: Promise<string> | null = null;
  readonly #cache: PrefixWatchCache;
  readonly #cacheEnabled: boolean;
  /** The keys the last `readAll` returned: a key-set wait starts from what the caller last saw. */
  #lastReadKeys: readonly string[] = [];

  constructor(
    rpc: Etcd3Rpc,
    basePath: string,
    timing: KvTiming,
    counter: RequestCounter,
    logger: Logger,
    options: { watchCache?: boolean } = {},
  ) {
    this.#rpc = rpc;
    this.#prefix = Buffer.from(`${basePath.replace(/\/+$/, '')}/`);
    this.#rangeEnd = prefixRangeEnd(this.#prefix);
    this.#timing = timing;
    this.#counter = counter;
    this.#logger = logger;
    this.#cache = new PrefixWatchCache(this.#prefix, this.#rangeEnd, logger);
    this.#cacheEnabled = options.watchCache ?? true;
  }

  /** Requests sent since the counter was last reset, by kind. */
  get requests(): RequestCounter {
    return this.#counter;
  }

  /** The long-lived watch of the cluster prefix: `ready` once etcd confirmed it. */
  get clusterWatch(): 'idle' | 'starting' | 'ready' {
    return this.#cache.state;
  }

  #key(relative: string): Buffer {
    return Buffer.concat([this.#prefix, Buffer.from(relative)]);
  }

  /**
   * The cluster as the watch cache holds it once etcd confirmed the watch, as Patroni's etcd3 backend reads
   * it (dcs.md §7.1 "Watch/cache"); otherwise one range over the prefix. Stricter than Patroni: while the
   * cache shows the leader key on our lease, the leader key is read from etcd, so the leader checks its own
   * lock there every cycle rather than trusting the stream; when etcd disagrees with the cache the whole
   * prefix is read. `consistent` (patronictl) always reads etcd.
   */
  async readAll(options: { consistent: boolean }): Promise<KvSnapshot> {
    if (!options.consistent && (await this.#cacheMayAnswer())) {
      const nodes = this.#cache.nodes();
      this.#lastReadKeys = nodes.map((node) => node.key);
      return { nodes };
    }
    return this.#readRange(options);
  }

  /** The cache is confirmed and, when it shows our lock, etcd still holds that very key (cache intact after the read). */
  async #cacheMayAnswer(): Promise<boolean> {
    if (!this.#cache.ready) return false;
    if (!this.#cacheShowsOurLeaderKey()) return true;
    return (await this.#leaderKeyAgreesWithCache()) && this.#cache.ready;
  }

  /** Reads the leader key alone from etcd: true when it is what the cache holds (value, revision, lease). */
  async #leaderKeyAgreesWithCache(): Promise<boolean> {
    const answer = await this.#rpc.call('range', 'range leader', '/kv/range', {
      key: base64(this.#key('leader')),
      serializable: true,
    });
    const fresh = gatewayKvsOf(answer).flatMap((kv) => nodeOf(kv, this.#prefix) ?? [])[0];
    const cached = this.#cache.node('leader');
    return (
      fresh !== undefined &&
      cached !== undefined &&
      fresh.key === 'leader' &&
      fresh.value === cached.value &&
      fresh.version === cached.version &&
      fresh.session === cached.session
    );
  }

  #cacheShowsOurLeaderKey(): boolean {
    return this.#leaseId !== null && this.#cache.node('leader')?.session === this.#leaseId;
  }

  /**
   * One range over the prefix: serializable (Patroni tolerates a slightly stale member) unless `consistent`
   * (patronictl). Also (re)starts the cluster watch from that read's revision, or makes it the watch's base.
   */
  async #readRange(options: { consistent: boolean }): Promise<KvSnapshot> {
    const prefix = this.#prefix.toString();
    const answer = await this.#rpc.call('range', `range ${prefix}`, '/kv/range', {
      key: base64(this.#prefix),
      range_end: base64(this.#rangeEnd),
      ...(options.consistent ? {} : { serializable: true }),
    });
    const revision = requireRevision(answer, `range ${prefix}`);
    const nodes = gatewayKvsOf(answer).flatMap((kv) => nodeOf(kv, this.#prefix) ?? []);
    // patronictl's consistent one-off reads neither start nor feed the watch.
    if (this.#cacheEnabled && !options.consistent && this.#rpc.watchSupported) {
      if (this.#cache.idle) {
        this.#counter.count('watch');
        void this.#cache.start(this.#rpc, nodes, revision);
      } else {
        this.#cache.adopt(nodes, revision);
      }
    }
    this.#lastReadKeys = nodes.map((node) => node.key);
    return { nodes };
  }

  async write(key: string, value: string, options: KvWriteOptions): Promise<KvWriteResult> {
    // One retry_timeout for the whole write, the lease (re)grant included.
    const deadlineMs = Date.now() + this.#timing.retryTimeoutMs;
    const budget = () => Math.max(1, deadlineMs - Date.now());
    const attempt = async (): Promise<KvWriteResult> => {
      const lease = options.ephemeral ? await this.#ensureLease(budget()) : null;
      const put = { key: base64(this.#key(key)), value: base64(value), ...(lease !== null ? { lease } : {}) };
      if (options.condition === undefined) {
        const answer = await this.#rpc.call('put', `put ${key}`, '/kv/put', put, budget());
        const revision = requireRevision(answer, `put ${key}`);
        this.#cache.applyPut(key, value, revision, lease);
        return { ok: true, version: revision };
      }
      const txn = {
        compare: [compareFor(this.#key(key), options.condition)],
        success: [{ request_put: put }],
      };
      const answer = await this.#rpc.call('txn', `txn ${key}`, '/kv/txn', txn, budget());
      const revision = requireRevision(answer, `txn ${key}`);
      if (answer.succeeded !== true) {
        this.#cache.drop(`txn on ${key} failed: the cache may be stale`);
        return { ok: false };
      }
      this.#cache.applyPut(key, value, revision, lease);
      return { ok: true, version: revision };
    };
    try {
      return await attempt();
    } catch (error) {
      if (!options.ephemeral || !isLeaseNotFound(error)) throw error;
      this.#logger.error('Our lease disappeared from Etcd. Will try to get a new one and retry attempt');
      this.#leaseId = null;
    }
    try {
      return await attempt();
    } catch (error) {
      if (!isLeaseNotFound(error)) throw error;
      // A lease granted a moment ago gone again: etcd is not itself (e.g. lost its data); a failed write.
      throw new DcsUnavailableError(`etcd3 put ${key}: lease not found twice`, { cause: error });
    }
  }

  async remove(key: string, condition?: KvCondition): Promise<boolean> {
    const request = { key: base64(this.#key(key)) };
    if (condition === undefined) {
      const answer = await this.#rpc.call('deleteRange', `delete ${key}`, '/kv/deleterange', request);
      this.#cache.applyDelete(key, requireRevision(answer, `delete ${key}`));
      return true;
    }
    const txn = {
      compare: [compareFor(this.#key(key), condition)],
      success: [{ request_delete_range: request }],
    };
    const answer = await this.#rpc.call('txn', `txn delete ${key}`, '/kv/txn', txn);
    const revision = requireRevision(answer, `txn delete ${key}`);
    if (answer.succeeded !== true) {
      this.#cache.drop(`txn delete of ${key} failed: the cache may be stale`);
      return false;
    }
    const responses = Array.isArray(answer.responses) ? (answer.responses as unknown[]) : [];
    const deleted = int64Of(asRecord(asRecord(responses[0])?.response_delete_range) ?? {}, 'deleted');
    if (deleted === '0') return false;
    this.#cache.applyDelete(key, revision);
    return true;
  }

  async removeAll(): Promise<void> {
    this.#cache.drop('cluster removed');
    await this.#rpc.call('deleteRange', `delete ${this.#prefix.toString()}`, '/kv/deleterange', {
      key: base64(this.#prefix),
      range_end: base64(this.#rangeEnd),
    });
  }

  async refreshSession(force: boolean): Promise<void> {
    if (this.#leaseId === null) {
      await this.#ensureLease();
      return;
    }
    if (!force && Date.now() - this.#leaseRefreshedAtMs < this.#timing.loopWaitMs) return;
    const leaseId = this.#leaseId;
    const answer = await this.#rpc.call('keepalive', 'lease keep-alive', '/lease/keepalive', { ID: leaseId });
    // etcd answers a lease it no longer knows without a TTL (0).
    if (Number(int64Of(answer, 'TTL')) > 0) {
      this.#leaseRefreshedAtMs = Date.now();
      return;
    }
    if (this.#leaseId === leaseId) this.#leaseId = null;
    await this.#ensureLease();
  }

  sessionId(): string | null {
    return this.#leaseId;
  }

  /** Grants a lease when there is none; concurrent callers share one grant. */
  async #ensureLease(budgetMs = this.#timing.retryTimeoutMs): Promise<string> {
    if (this.#leaseId !== null) return this.#leaseId;
    if (this.#granting === null) {
      const ttlSeconds = Math.max(1, Math.round(this.#timing.ttlMs / 1000));
      this.#granting = this.#rpc
        .call('grant', 'lease grant', '/lease/grant', { TTL: ttlSeconds }, budgetMs)
        .then((answer) => {
          const leaseId = int64Of(answer, 'ID');
          if (leaseId === '0') throw new DcsUnavailableError('etcd3 lease grant: answer without a lease id');
          this.#leaseId = leaseId;
          this.#leaseRefreshedAtMs = Date.now();
          return leaseId;
        })
        .finally(() => {
          this.#granting = null;
        });
    }
    return this.#granting;
  }

  async watch(
    key: string,
    sinceVersion: KeyVersion | null,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<boolean> {
    if (timeoutMs <= 0 || signal?.aborted) return false;
    if (this.#cache.ready) {
      // The long-lived watch already streams this key: wait on it (a dropped cache wakes the loop).
      const current = this.#cache.version(key);
      if (sinceVersion !== null && current !== sinceVersion) return true;
      return this.#cache.waitForChange(key, timeoutMs, signal);
    }
    const startedMs = Date.now();
    const start =
      sinceVersion !== null && /^\d+$/.test(sinceVersion) ? (BigInt(sinceVersion) + 1n).toString() : null;
    this.#counter.count('watch');
    let outcome: Awaited<ReturnType<typeof watchKeyOnce>>;
    try {
      outcome = await watchKeyOnce(this.#rpc, this.#key(key), start, timeoutMs, signal);
    } catch {
      outcome = 'error';
    }
    if (outcome === 'changed') return true;
    // An unreachable etcd is not a change: wait out the rest of the timeout so the loop keeps its pace.
    if (outcome === 'error') await sleep(timeoutMs - (Date.now() - startedMs), signal);
    return false;
  }

  /**
   * Waits on the cluster watch's stream (no request, no stream of its own) for a key directly under `prefix`
   * to appear or vanish; a change since the last read counts at once, and so does a dropped cache. Without a
   * cache (etcd < 3.4, etcd unreachable) it sleeps out the timeout, as KvDcs does for backends without it.
   */
  async watchKeySet(prefix: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (timeoutMs <= 0 || signal?.aborted) return false;
    // A starting cache already applies events (it is ready once etcd confirms the watch).
    if (this.#cache.idle) {
      await sleep(timeoutMs, signal);
      return false;
    }
    const seen = directChildren(this.#lastReadKeys, prefix);
    const now = directChildren(this.#cache.keys(), prefix);
    if (seen.size !== now.size || [...now].some((key) => !seen.has(key))) return true;
    return this.#cache.waitForKeySetChange(prefix, timeoutMs, signal);
  }

  setTiming(timing: KvTiming): void {
    // A new ttl needs a new lease (Patroni drops the old one; keys move to the new lease on next write).
    if (timing.ttlMs !== this.#timing.ttlMs) this.#leaseId = null;
    this.#timing = timing;
    this.#rpc.setTiming(timing);
  }

  async close(options?: { keepSession?: boolean }): Promise<void> {
    this.#cache.drop('closing');
    const leaseId = this.#leaseId;
    if (!options?.keepSession && leaseId !== null) {
      this.#leaseId = null;
      try {
        await this.#rpc.call(
          'revoke',
          'lease revoke',
          this.#rpc.api?.prefix === '/v3' ? '/lease/revoke' : '/kv/lease/revoke',
          { ID: leaseId },
          Math.min(this.#timing.retryTimeoutMs, 3_000),
        );
      } catch (error) {
        this.#logger.warn(`etcd3: could not revoke lease ${leaseId}: ${String(error)}`);
      }
    }
    this.#rpc.close();
  }
}
