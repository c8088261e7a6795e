import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { DcsUnavailableError, type Logger } from '@patroni/ha-core';
import { Etcd3, type IOptions } from 'etcd3';
import type { EtcdConfig } from '../config.js';
import { sameEndpoints } from '../endpoints.js';
import type { RequestCounter } from '../request-counter.js';
import { withRetries } from '../request-plan.js';
import { isLeaseNotFound, isTransientEtcd3Error } from './etcd3-errors.js';
import { passThroughPolicy } from './pass-through-policy.js';

/** A call's per-attempt options: an absolute gRPC deadline. */
export interface AttemptOptions {
  readonly deadline: Date;
}

function credentialsOf(config: EtcdConfig): IOptions['credentials'] {
  const { cacert, cert, key } = config.tls;
  if (cacert === null && cert === null) return undefined;
  return {
    rootCertificate: cacert !== null ? readFileSync(cacert) : Buffer.from(rootCertificates.join('\n')),
    ...(cert !== null ? { certChain: readFileSync(cert) } : {}),
    ...(key !== null
      ? { privateKey: readFileSync(key) }
      : cert !== null
        ? { privateKey: readFileSync(cert) }
        : {}),
  };
}

/**
 * The etcd v3 gRPC client with Patroni's request discipline: every call bounded by retry_timeout, split
 * into per-attempt deadlines; transient errors retried on another host; cluster members discovered from
 * the configured endpoints (unless they are proxies) and refreshed every ttl*10. Counts every request.
 */
export class Etcd3Rpc {
  readonly #config: EtcdConfig;
  readonly #counter: RequestCounter;
  readonly #logger: Logger;
  #endpoints: string[];
  #client: Etcd3;
  #retryTimeoutMs: number;
  #discoveryEveryMs: number;
  #lastDiscoveryMs = Number.NEGATIVE_INFINITY;
  #closed = false;

  constructor(
    config: EtcdConfig,
    endpoints: readonly string[],
    timing: { retryTimeoutMs: number; ttlMs: number },
    counter: RequestCounter,
    logger: Logger,
  ) {
    this.#config = config;
    this.#counter = counter;
    this.#logger = logger;
    this.#endpoints = [...endpoints];
    this.#retryTimeoutMs = timing.retryTimeoutMs;
    this.#discoveryEveryMs = timing.ttlMs * 10;
    this.#client = this.#makeClient(this.#endpoints);
  }

  get endpoints(): readonly string[] {
    return this.#endpoints;
  }

  get retryTimeoutMs(): number {
    return this.#retryTimeoutMs;
  }

  setTiming(timing: { retryTimeoutMs: number; ttlMs: number }): void {
    this.#retryTimeoutMs = timing.retryTimeoutMs;
    this.#discoveryEveryMs = timing.ttlMs * 10;
  }

  #makeClient(hosts: readonly string[]): Etcd3 {
    const auth =
      this.#config.username !== null
        ? { auth: { username: this.#config.username, password: this.#config.password ?? '' } }
        : {};
    return new Etcd3({
      hosts: [...hosts],
      credentials: credentialsOf(this.#config),
      ...auth,
      faultHandling: { global: passThroughPolicy(), host: () => passThroughPolicy() },
      grpcOptions: {
        'grpc.initial_reconnect_backoff_ms': 200,
        'grpc.max_reconnect_backoff_ms': 1_000,
        'grpc.keepalive_time_ms': 10_000,
        'grpc.keepalive_timeout_ms': 5_000,
      },
    });
  }

  /** The current client, for streams (watch, keep-alive) that manage their own lifetime. */
  get client(): Etcd3 {
    return this.#client;
  }

  /**
   * Runs one logical request (`kind` is what gets counted) with retries until retry_timeout. A lease that
   * etcd does not know is rethrown as is (callers grant a new one); other failures → DcsUnavailableError.
   */
  async call<T>(
    kind: string,
    what: string,
    request: (client: Etcd3, options: AttemptOptions) => Promise<T>,
    budgetMs = this.#retryTimeoutMs,
  ): Promise<T> {
    await this.#maybeDiscover();
    try {
      return await withRetries(
        {
          what: `etcd3 ${what}`,
          budgetMs,
          nodeCount: this.#endpoints.length,
          isRetriable: isTransientEtcd3Error,
        },
        (attemptTimeoutMs) => {
          this.#counter.count(kind);
          return request(this.#client, { deadline: new Date(Date.now() + attemptTimeoutMs) });
        },
      );
    } catch (error) {
      if (error instanceof DcsUnavailableError || isLeaseNotFound(error)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new DcsUnavailableError(`etcd3 ${what} failed: ${message}`, { cause: error });
    }
  }

  /** Reads the member list and switches to its client URLs when they differ (not for proxies). */
  async #maybeDiscover(): Promise<void> {
    if (this.#config.useProxies || this.#closed) return;
    const now = Date.now();
    if (now - this.#lastDiscoveryMs < this.#discoveryEveryMs) return;
    this.#lastDiscoveryMs = now;
    try {
      this.#counter.count('memberList');
      const timeoutMs = Math.min(this.#retryTimeoutMs, 3_000);
      const response = await this.#client.cluster.memberList(
        { linearizable: false },
        { deadline: new Date(now + timeoutMs) },
      );
      const urls = response.members.flatMap((m) => m.clientURLs).filter((u) => /^https?:\/\//.test(u));
      if (urls.length > 0 && !sameEndpoints(urls, this.#endpoints)) {
        this.#logger.info(`etcd3: switching to the cluster's client URLs ${urls.join(',')}`);
        const old = this.#client;
        this.#endpoints = [...new Set(urls)];
        this.#client = this.#makeClient(this.#endpoints);
        old.close();
      }
    } catch (error) {
      // Discovery is best effort: keep the endpoints we have, try again next time.
      this.#lastDiscoveryMs = now - this.#discoveryEveryMs + Math.min(this.#retryTimeoutMs, 5_000);
      this.#logger.debug(`etcd3: member list failed: ${String(error)}`);
    }
  }

  close(): void {
    this.#closed = true;
    this.#client.close();
  }
}
