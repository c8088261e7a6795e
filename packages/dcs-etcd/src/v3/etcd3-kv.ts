import type {
  DcsKv,
  KeyVersion,
  KvCapabilities,
  KvCondition,
  KvNode,
  KvSnapshot,
  KvTiming,
  KvWriteOptions,
  KvWriteResult,
  Logger,
} from '@patroni/ha-core';
import type { ICompare, IRequestOp } from 'etcd3';
import type { RequestCounter } from '../request-counter.js';
import { sleep } from '../request-plan.js';
import { LeaseKeepAlive } from './etcd3-keepalive.js';
import { directChildren, PrefixWatchCache } from './etcd3-prefix-cache.js';
import type { Etcd3Rpc } from './etcd3-rpc.js';
import { watchKeyOnce } from './etcd3-streams.js';
import { isLeaseNotFound } from './lease-not-found.js';

/** The end of a prefix range: the prefix with its last byte incremented (etcd's "range_end"). */
export function prefixRangeEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] ?? 0) < 0xff) {
      end[i] = (end[i] ?? 0) + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

function compareFor(key: Buffer, condition: KvCondition): ICompare {
  switch (condition.kind) {
    case 'absent':
      return { key, target: 'Create', result: 'Equal', create_revision: '0' };
    case 'version':
      return { key, target: 'Mod', result: 'Equal', mod_revision: condition.version };
    case 'value':
      return { key, target: 'Value', result: 'Equal', value: Buffer.from(condition.value) };
  }
}

/** The longest a cached read waits for etcd's answer to its progress request before reading directly. */
const CONFIRM_MAX_MS = 1_000;
/** Progress requests unanswered by a reachable etcd (< 3.4 has none) before the cache is given up. */
const UNANSWERED_BEFORE_GIVING_UP = 3;

/**
 * `DcsKv` over etcd v3 (dcs.md §7.1): keys under `<base>/`, one lease per agent with TTL = ttl that the
 * ephemeral keys (leader, own member) are attached to, conditions as txn compares. Patroni nodes' reads
 * are served from one long-lived watch of the prefix (PrefixWatchCache) once etcd confirmed it fresh;
 * writes, conditions and lease keep-alives always go to etcd.
 */
export class Etcd3Kv implements DcsKv {
  readonly capabilities: KvCapabilities = Object.freeze({
    ephemeralByKeyTtl: false,
    leaderWatchIndex: false,
  });
  readonly #rpc: Etcd3Rpc;
  readonly #prefix: Buffer;
  readonly #logger: Logger;
  readonly #counter: RequestCounter;
  #timing: KvTiming;
  #leaseId: string | null = null;
  #leaseRefreshedAtMs = 0;
  #granting: Promise<string> | null = null;
  readonly #cache: PrefixWatchCache;
  readonly #keepAlive = new LeaseKeepAlive();
  /** Progress requests in a row that went unanswered while a direct read then worked. */
  #unanswered = 0;
  #cacheEnabled: boolean;
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
    this.#timing = timing;
    this.#counter = counter;
    this.#logger = logger;
    this.#cache = new PrefixWatchCache(this.#prefix, prefixRangeEnd(this.#prefix), logger);
    this.#cacheEnabled = options.watchCache ?? true;
  }

  /** Requests sent since the counter was last reset, by kind. */
  get requests(): RequestCounter {
    return this.#counter;
  }

  #key(relative: string): Buffer {
    return Buffer.concat([this.#prefix, Buffer.from(relative)]);
  }

  async readAll(options: { consistent: boolean }): Promise<KvSnapshot> {
    const deadlineMs = Date.now() + this.#timing.retryTimeoutMs;
    const cached = options.consistent ? null : await this.#confirmedCache();
    if (cached !== null && cached !== 'unanswered') return this.#seen(cached);
    const budgetMs = Math.max(1, deadlineMs - Date.now());
    const response = await this.#rpc.call(
      'range',
      `range ${this.#prefix.toString()}`,
      (client, attempt) =>
        client.kv.range(
          { key: this.#prefix, range_end: prefixRangeEnd(this.#prefix), serializable: !options.consistent },
          attempt,
        ),
      budgetMs,
    );
    const nodes: KvNode[] = response.kvs.map((kv) => ({
      key: kv.key.subarray(this.#prefix.length).toString(),
      value: kv.value.toString(),
      version: kv.mod_revision,
      session: kv.lease && kv.lease !== '0' ? kv.lease : null,
    }));
    // etcd answered the range but not the progress request: after a few in a row (etcd < 3.4 has no
    // progress requests) stop using the cache rather than waiting for an answer every cycle.
    if (cached === 'unanswered' && ++this.#unanswered >= UNANSWERED_BEFORE_GIVING_UP) {
      this.#logger.warn(
        'etcd3: no answer to watch progress requests; reading the cluster directly from now on',
      );
      this.#cacheEnabled = false;
    }
    // patronictl's consistent one-off reads neither start nor feed the cache.
    if (!this.#cacheEnabled || options.consistent) return this.#seen({ nodes });
    if (this.#cache.idle) {
      this.#counter.count('watch');
      void this.#cache.start(this.#rpc.client, nodes, response.header.revision);
    } else {
      this.#cache.adopt(nodes, response.header.revision);
    }
    return this.#seen({ nodes });
  }

  #seen(snapshot: KvSnapshot): KvSnapshot {
    this.#lastReadKeys = snapshot.nodes.map((node) => node.key);
    return snapshot;
  }

  /** The cached snapshot when the watch stream answered a progress request in time; else why not. */
  async #confirmedCache(): Promise<KvSnapshot | 'unanswered' | null> {
    if (!this.#cacheEnabled || !this.#cache.ready) return null;
    this.#counter.count('progress');
    const confirmMs = Math.min(CONFIRM_MAX_MS, this.#timing.retryTimeoutMs / 3);
    const freshness = await this.#cache.confirm(confirmMs);
    if (freshness === 'not-ready') return null;
    if (freshness !== 'no-answer') {
      this.#unanswered = 0;
      return freshness === 'fresh' ? this.#cache.snapshot() : null;
    }
    this.#cache.drop(`no answer to a progress request within ${confirmMs} ms`);
    return 'unanswered';
  }

  async write(key: string, value: string, options: KvWriteOptions): Promise<KvWriteResult> {
    // One retry_timeout for the whole write, the lease (re)grant included.
    const deadlineMs = Date.now() + this.#timing.retryTimeoutMs;
    const budget = () => Math.max(1, deadlineMs - Date.now());
    const attempt = async (): Promise<KvWriteResult> => {
      const lease = options.ephemeral ? await this.#ensureLease(budget()) : null;
      const put = { key: this.#key(key), value: Buffer.from(value), ...(lease !== null ? { lease } : {}) };
      if (options.condition === undefined) {
        const response = await this.#rpc.call(
          'put',
          `put ${key}`,
          (client, a) => client.kv.put(put, a),
          budget(),
        );
        this.#cache.applyPut(key, value, response.header.revision, lease);
        return { ok: true, version: response.header.revision };
      }
      const compare = compareFor(put.key, options.condition);
      const success: IRequestOp[] = [{ request_put: put }];
      const response = await this.#rpc.call(
        'txn',
        `txn ${key}`,
        (client, a) => client.kv.txn({ compare: [compare], success }, a),
        budget(),
      );
      if (!response.succeeded) {
        // Someone else changed the key: the cache may not have seen it yet (dcs.md §7.1).
        this.#cache.drop(`conditional write of ${key} failed`);
        return { ok: false };
      }
      this.#cache.applyPut(key, value, response.header.revision, lease);
      return { ok: true, version: response.header.revision };
    };
    try {
      return await attempt();
    } catch (error) {
      if (!options.ephemeral || !isLeaseNotFound(error)) throw error;
      this.#logger.error('Our lease disappeared from Etcd. Will try to get a new one and retry attempt');
      this.#leaseId = null;
      return attempt();
    }
  }

  async remove(key: string, condition?: KvCondition): Promise<boolean> {
    const request = { key: this.#key(key) };
    if (condition === undefined) {
      const response = await this.#rpc.call('deleteRange', `delete ${key}`, (client, a) =>
        client.kv.deleteRange(request, a),
      );
      this.#cache.applyDelete(key, response.header.revision);
      return true;
    }
    const response = await this.#rpc.call('txn', `txn delete ${key}`, (client, a) =>
      client.kv.txn(
        { compare: [compareFor(request.key, condition)], success: [{ request_delete_range: request }] },
        a,
      ),
    );
    const deleted = response.responses[0]?.response_delete_range?.deleted ?? '0';
    if (!response.succeeded) this.#cache.drop(`conditional delete of ${key} failed`);
    else if (deleted !== '0') this.#cache.applyDelete(key, response.header.revision);
    return response.succeeded && deleted !== '0';
  }

  async removeAll(): Promise<void> {
    const request = { key: this.#prefix, range_end: prefixRangeEnd(this.#prefix) };
    this.#cache.drop('cluster removed');
    await this.#rpc.call('deleteRange', `delete ${this.#prefix.toString()}`, (client, a) =>
      client.kv.deleteRange(request, a),
    );
  }

  async refreshSession(force: boolean): Promise<void> {
    if (this.#leaseId === null) {
      await this.#ensureLease();
      return;
    }
    if (!force && Date.now() - this.#leaseRefreshedAtMs < this.#timing.loopWaitMs) return;
    const leaseId = this.#leaseId;
    const ttlSeconds = await this.#rpc.call('keepalive', 'lease keep-alive', (client, a) =>
      this.#keepAlive.keepAlive(client, leaseId, a),
    );
    if (ttlSeconds > 0) {
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
        .call(
          'grant',
          'lease grant',
          (client, a) => client.leaseClient.leaseGrant({ TTL: ttlSeconds }, a),
          budgetMs,
        )
        .then((response) => {
          this.#leaseId = response.ID;
          this.#leaseRefreshedAtMs = Date.now();
          return response.ID;
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
      outcome = await watchKeyOnce(this.#rpc.client, this.#key(key), start, timeoutMs, signal);
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
    this.#keepAlive.close();
    const leaseId = this.#leaseId;
    if (!options?.keepSession && leaseId !== null) {
      this.#leaseId = null;
      try {
        await this.#rpc.call(
          'revoke',
          'lease revoke',
          (client, a) => client.leaseClient.leaseRevoke({ ID: leaseId }, a),
          Math.min(this.#timing.retryTimeoutMs, 3_000),
        );
      } catch (error) {
        this.#logger.warn(`etcd3: could not revoke lease ${leaseId}: ${String(error)}`);
      }
    }
    this.#rpc.close();
  }
}
