import { DcsUnavailableError, type Logger } from '@patroni/ha-core';
import type { EtcdConfig } from '../config.js';
import { sameEndpoints } from '../endpoints.js';
import type { RequestCounter } from '../request-counter.js';
import { withRetries } from '../request-plan.js';
import { type GatewayApi, gatewayApiOf } from './api-version.js';
import {
  Etcd3GatewayError,
  GrpcCode,
  gatewayErrorOf,
  isAuthError,
  isTransientEtcd3Error,
} from './gateway-errors.js';
import { GatewayHttp, type StreamHandle, type StreamHandlers } from './gateway-http.js';
import { isLeaseNotFound } from './lease-not-found.js';

/** Gateway methods whose answer is a stream message (`{"result": ...}`) even for one request. */
const STREAMING_METHODS: ReadonlySet<string> = new Set(['/lease/keepalive']);

/** The longest one-off housekeeping request (version, authentication, member list) may take. */
const HOUSEKEEPING_MAX_MS = 3_000;

/**
 * The etcd v3 client over etcd's JSON gateway (HTTP/1.1, as Python Patroni talks to etcd) with Patroni's
 * request discipline: every call bounded by retry_timeout, split into per-attempt timeouts across hosts;
 * transient errors retried on the next host; the API prefix from `GET /version`; token authentication
 * renewed once when etcd rejects the token; cluster members discovered from the configured endpoints
 * (unless they are proxies) and refreshed every ttl*10. Counts every request by kind.
 */
export class Etcd3Rpc {
  readonly #config: EtcdConfig;
  readonly #counter: RequestCounter;
  readonly #logger: Logger;
  readonly #http: GatewayHttp;
  #endpoints: string[];
  #current = 0;
  #api: GatewayApi | null = null;
  /** `disabled`: etcd said authentication is not enabled; `null` token: not authenticated yet. */
  #auth: { token: string | null; disabled: boolean } = { token: null, disabled: false };
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
    this.#http = new GatewayHttp(config);
  }

  get endpoints(): readonly string[] {
    return this.#endpoints;
  }

  get retryTimeoutMs(): number {
    return this.#retryTimeoutMs;
  }

  /** What `/version` said; null until the first call got an answer. */
  get api(): GatewayApi | null {
    return this.#api;
  }

  setTiming(timing: { retryTimeoutMs: number; ttlMs: number }): void {
    this.#retryTimeoutMs = timing.retryTimeoutMs;
    this.#discoveryEveryMs = timing.ttlMs * 10;
  }

  /**
   * One logical call of gateway `method` (`/kv/range`...; `kind` is what gets counted) with retries until
   * the budget is spent. A lease etcd does not know is rethrown as is (callers grant a new one); every
   * other failure becomes DcsUnavailableError.
   */
  async call(
    kind: string,
    what: string,
    method: string,
    body: unknown,
    budgetMs = this.#retryTimeoutMs,
  ): Promise<Record<string, unknown>> {
    await this.#maybeDiscover();
    let reauthenticated = false;
    const isRetriable = (error: unknown) => {
      if (isTransientEtcd3Error(error)) return true;
      // A rejected token: authenticate again (next attempt) once per call, as Patroni does.
      if (!isAuthError(error) || reauthenticated) return false;
      if (this.#config.username === null) {
        this.#logger.error('Username or password not set, authentication is not possible');
        return false;
      }
      reauthenticated = true;
      this.#logger.error(`Invalid auth token (${error instanceof Error ? error.message : ''})`);
      this.#auth = { token: null, disabled: false };
      return true;
    };
    try {
      return await withRetries(
        { what: `etcd3 ${what}`, budgetMs, nodeCount: this.#endpoints.length, isRetriable },
        async (attemptTimeoutMs) => {
          const endpoint = this.#endpoint();
          const deadlineMs = Date.now() + attemptTimeoutMs;
          try {
            const api = await this.#prepare(endpoint, deadlineMs);
            this.#counter.count(kind);
            const answer = await this.#post(endpoint, api, method, body, deadlineMs - Date.now());
            return STREAMING_METHODS.has(method) ? streamResult(answer) : answer;
          } catch (error) {
            if (isTransientEtcd3Error(error)) this.#rotate();
            throw error;
          }
        },
      );
    } catch (error) {
      if (error instanceof DcsUnavailableError || isLeaseNotFound(error)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new DcsUnavailableError(`etcd3 ${what} failed: ${message}`, { cause: error });
    }
  }

  /**
   * Opens a watch stream with `createRequest` on the current endpoint (a socket of its own). Fails at once
   * (no retries) when etcd cannot be reached: a watch only wakes waits, the next read tries again.
   */
  async openWatch(createRequest: Record<string, unknown>, handlers: StreamHandlers): Promise<StreamHandle> {
    const endpoint = this.#endpoint();
    const api = await this.#prepare(
      endpoint,
      Date.now() + Math.min(this.#retryTimeoutMs, HOUSEKEEPING_MAX_MS),
    );
    if (!api.watchSupported) {
      throw new Etcd3GatewayError('fatal', `etcd ${api.clusterVersion} has no watches`);
    }
    return this.#http.openStream(
      endpoint,
      `${api.prefix}/watch`,
      { create_request: createRequest },
      this.#headers(api),
      handlers,
    );
  }

  /** Whether the cluster answers watches (etcd ≥ 3.1); true until `/version` said otherwise. */
  get watchSupported(): boolean {
    return this.#api?.watchSupported ?? true;
  }

  #endpoint(): string {
    return this.#endpoints[this.#current % this.#endpoints.length] ?? '';
  }

  #rotate(): void {
    this.#current = (this.#current + 1) % Math.max(1, this.#endpoints.length);
  }

  #headers(api: GatewayApi): Record<string, string> {
    return this.#auth.token !== null && api.authSupported ? { authorization: this.#auth.token } : {};
  }

  #post(endpoint: string, api: GatewayApi, method: string, body: unknown, timeoutMs: number) {
    return this.#http.request(
      endpoint,
      'POST',
      api.prefix + method,
      body,
      this.#headers(api),
      Math.max(1, timeoutMs),
    );
  }

  /** The API prefix (asked once) and, with a username, a token; both within the attempt's deadline. */
  async #prepare(endpoint: string, deadlineMs: number): Promise<GatewayApi> {
    let api = this.#api;
    if (api === null) {
      this.#counter.count('version');
      const answer = await this.#http.request(
        endpoint,
        'GET',
        '/version',
        undefined,
        {},
        deadlineMs - Date.now(),
      );
      const result = gatewayApiOf(answer);
      if (!result.ok) throw new Etcd3GatewayError('transient', result.reason);
      api = result.api;
      this.#api = api;
      if (!api.authSupported && this.#config.username !== null) {
        this.#logger.warn(
          `Detected Etcd version ${api.clusterVersion} is lower than 3.3.0, authentication is not supported`,
        );
      }
    }
    if (
      this.#config.username !== null &&
      api.authSupported &&
      this.#auth.token === null &&
      !this.#auth.disabled
    ) {
      await this.#authenticate(endpoint, api, deadlineMs);
    }
    return api;
  }

  async #authenticate(endpoint: string, api: GatewayApi, deadlineMs: number): Promise<void> {
    this.#logger.info('Trying to authenticate on Etcd...');
    this.#counter.count('authenticate');
    const credentials = { name: this.#config.username, password: this.#config.password ?? '' };
    try {
      const answer = await this.#post(
        endpoint,
        api,
        '/auth/authenticate',
        credentials,
        deadlineMs - Date.now(),
      );
      const token = typeof answer.token === 'string' && answer.token !== '' ? answer.token : null;
      this.#auth = { token, disabled: token === null };
    } catch (error) {
      if (
        error instanceof Etcd3GatewayError &&
        error.grpcCode === GrpcCode.FailedPrecondition &&
        /not enabled/.test(error.message)
      ) {
        this.#logger.info('Etcd authentication is not enabled');
        this.#auth = { token: null, disabled: true };
        return;
      }
      if (error instanceof Etcd3GatewayError && /authentication failed/.test(error.message)) {
        this.#logger.error(`Etcd3 authentication failed: ${error.message}`);
      }
      throw error;
    }
  }

  /** Reads the member list and switches to its client URLs when they differ (not for proxies). */
  async #maybeDiscover(): Promise<void> {
    if (this.#config.useProxies || this.#closed) return;
    const now = Date.now();
    if (now - this.#lastDiscoveryMs < this.#discoveryEveryMs) return;
    this.#lastDiscoveryMs = now;
    const endpoint = this.#endpoint();
    try {
      const deadlineMs = now + Math.min(this.#retryTimeoutMs, HOUSEKEEPING_MAX_MS);
      const api = await this.#prepare(endpoint, deadlineMs);
      this.#counter.count('memberList');
      const answer = await this.#post(endpoint, api, '/cluster/member/list', {}, deadlineMs - Date.now());
      const urls = clientUrlsOf(answer);
      if (urls.length > 0 && !sameEndpoints(urls, this.#endpoints)) {
        this.#logger.info(`etcd3: switching to the cluster's client URLs ${urls.join(',')}`);
        this.#endpoints = [...new Set(urls)];
        this.#current = 0;
      }
    } catch (error) {
      // Discovery is best effort: keep the endpoints we have, try again soon.
      if (isTransientEtcd3Error(error)) this.#rotate();
      this.#lastDiscoveryMs = now - this.#discoveryEveryMs + Math.min(this.#retryTimeoutMs, 5_000);
      this.#logger.debug(`etcd3: member list failed: ${String(error)}`);
    }
  }

  close(): void {
    this.#closed = true;
    this.#http.close();
  }
}

/** A streaming method's single message: its `result`, or the error it carries. */
function streamResult(answer: Record<string, unknown>): Record<string, unknown> {
  const result = answer.result;
  if (typeof result === 'object' && result !== null && !Array.isArray(result)) {
    return result as Record<string, unknown>;
  }
  throw gatewayErrorOf(null, answer);
}

/** The http(s) client URLs of a `/cluster/member/list` answer. */
export function clientUrlsOf(answer: Record<string, unknown>): string[] {
  const members = Array.isArray(answer.members) ? (answer.members as unknown[]) : [];
  return members.flatMap((member) => {
    const urls = (member as { clientURLs?: unknown } | null)?.clientURLs;
    if (!Array.isArray(urls)) return [];
    return urls.filter((u): u is string => typeof u === 'string' && /^https?:\/\//.test(u));
  });
}
