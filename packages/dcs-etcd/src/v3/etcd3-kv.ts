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
import { isLeaseNotFound } from './etcd3-errors.js';
import type { Etcd3Rpc } from './etcd3-rpc.js';
import { keepAliveOnce, watchKeyOnce } from './etcd3-streams.js';

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

/**
 * `DcsKv` over etcd v3 (dcs.md §7.1): keys under `<base>/`, one lease per agent with TTL = ttl that the
 * ephemeral keys (leader, own member) are attached to, conditions as txn compares.
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

  constructor(rpc: Etcd3Rpc, basePath: string, timing: KvTiming, counter: RequestCounter, logger: Logger) {
    this.#rpc = rpc;
    this.#prefix = Buffer.from(`${basePath.replace(/\/+$/, '')}/`);
    this.#timing = timing;
    this.#counter = counter;
    this.#logger = logger;
  }

  /** Requests sent since the counter was last reset, by kind. */
  get requests(): RequestCounter {
    return this.#counter;
  }

  #key(relative: string): Buffer {
    return Buffer.concat([this.#prefix, Buffer.from(relative)]);
  }

  async readAll(options: { consistent: boolean }): Promise<KvSnapshot> {
    const response = await this.#rpc.call('range', `range ${this.#prefix.toString()}`, (client, attempt) =>
      client.kv.range(
        { key: this.#prefix, range_end: prefixRangeEnd(this.#prefix), serializable: !options.consistent },
        attempt,
      ),
    );
    const nodes: KvNode[] = response.kvs.map((kv) => ({
      key: kv.key.subarray(this.#prefix.length).toString(),
      value: kv.value.toString(),
      version: kv.mod_revision,
      session: kv.lease && kv.lease !== '0' ? kv.lease : null,
    }));
    return { nodes };
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
      return response.succeeded ? { ok: true, version: response.header.revision } : { ok: false };
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
      await this.#rpc.call('deleteRange', `delete ${key}`, (client, a) => client.kv.deleteRange(request, a));
      return true;
    }
    const response = await this.#rpc.call('txn', `txn delete ${key}`, (client, a) =>
      client.kv.txn(
        { compare: [compareFor(request.key, condition)], success: [{ request_delete_range: request }] },
        a,
      ),
    );
    const deleted = response.responses[0]?.response_delete_range?.deleted ?? '0';
    return response.succeeded && deleted !== '0';
  }

  async removeAll(): Promise<void> {
    const request = { key: this.#prefix, range_end: prefixRangeEnd(this.#prefix) };
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
      keepAliveOnce(client, leaseId, a),
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

  setTiming(timing: KvTiming): void {
    // A new ttl needs a new lease (Patroni drops the old one; keys move to the new lease on next write).
    if (timing.ttlMs !== this.#timing.ttlMs) this.#leaseId = null;
    this.#timing = timing;
    this.#rpc.setTiming(timing);
  }

  async close(options?: { keepSession?: boolean }): Promise<void> {
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
