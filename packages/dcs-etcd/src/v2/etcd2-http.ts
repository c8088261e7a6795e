import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Logger } from '@patroni/ha-core';
import type { EtcdConfig } from '../config.js';
import { sameEndpoints } from '../endpoints.js';
import { readBody } from '../read-body.js';
import type { RequestCounter } from '../request-counter.js';
import { withRetries } from '../request-plan.js';

/** An answer from the v2 keys API: HTTP status, `X-Etcd-Index`, parsed JSON body (null if not JSON). */
export interface V2Response {
  readonly status: number;
  readonly etcdIndex: number | null;
  readonly body: V2Body | null;
  /** The raw body (`/v2/machines` answers plain text). */
  readonly text: string;
}

export interface V2Node {
  readonly key?: string;
  readonly value?: string;
  readonly dir?: boolean;
  readonly nodes?: readonly V2Node[];
  readonly modifiedIndex?: number;
  readonly createdIndex?: number;
  readonly ttl?: number;
}

export interface V2Body {
  readonly action?: string;
  readonly node?: V2Node;
  /** The node before the change (watch events of `set`/`delete`...); absent when the key was new. */
  readonly prevNode?: V2Node;
  readonly errorCode?: number;
  readonly message?: string;
  readonly index?: number;
}

export interface V2Request {
  readonly method: 'GET' | 'PUT' | 'DELETE';
  /** Path after the endpoint, e.g. `/v2/keys/service/batman/leader`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  /** Form fields (PUT body). */
  readonly form?: Readonly<Record<string, string>>;
}

/** Thrown for one attempt that deserves a retry on another machine (connection error, raft hiccup). */
class TransientV2Error extends Error {}

/** etcd v2 error codes Patroni retries on: raft internal error, leader election in progress. */
const RETRIABLE_ETCD_CODES = new Set([300, 301]);

function encodeForm(fields: Readonly<Record<string, string>>): string {
  return new URLSearchParams(fields).toString();
}

/**
 * The etcd v2 HTTP client: request budget = retry_timeout split into per-attempt timeouts across machines
 * (dcs.md §7.1/§7.2); machine list from `/v2/machines` (unless proxies), refreshed every ttl*10.
 */
export class Etcd2Http {
  readonly #config: EtcdConfig;
  readonly #counter: RequestCounter;
  readonly #logger: Logger;
  readonly #agent: HttpAgent | HttpsAgent;
  readonly #authorization: string | null;
  #machines: string[];
  #current = 0;
  #retryTimeoutMs: number;
  #discoveryEveryMs: number;
  #lastDiscoveryMs = Number.NEGATIVE_INFINITY;

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
    this.#machines = [...endpoints];
    this.#retryTimeoutMs = timing.retryTimeoutMs;
    this.#discoveryEveryMs = timing.ttlMs * 10;
    const secure = endpoints.some((e) => e.startsWith('https:'));
    const { cacert, cert, key } = config.tls;
    this.#agent = secure
      ? new HttpsAgent({
          keepAlive: true,
          ...(cacert !== null ? { ca: readFileSync(cacert) } : {}),
          ...(cert !== null ? { cert: readFileSync(cert) } : {}),
          ...(key !== null ? { key: readFileSync(key) } : cert !== null ? { key: readFileSync(cert) } : {}),
        })
      : new HttpAgent({ keepAlive: true });
    this.#authorization =
      config.username !== null
        ? `Basic ${Buffer.from(`${config.username}:${config.password ?? ''}`).toString('base64')}`
        : null;
  }

  get machines(): readonly string[] {
    return this.#machines;
  }

  setTiming(timing: { retryTimeoutMs: number; ttlMs: number }): void {
    this.#retryTimeoutMs = timing.retryTimeoutMs;
    this.#discoveryEveryMs = timing.ttlMs * 10;
  }

  /** One logical request with retries; `kind` is what gets counted. Throws DcsUnavailableError. */
  async request(kind: string, request: V2Request, budgetMs = this.#retryTimeoutMs): Promise<V2Response> {
    await this.#maybeDiscover();
    return withRetries(
      {
        what: `etcd ${request.method} ${request.path}`,
        budgetMs,
        nodeCount: this.#machines.length,
        isRetriable: (e) => e instanceof TransientV2Error,
      },
      async (attemptTimeoutMs) => {
        const machine = this.#machines[this.#current % this.#machines.length] ?? '';
        this.#counter.count(kind);
        try {
          const response = await this.#send(machine, request, attemptTimeoutMs);
          const code = response.body?.errorCode;
          if (response.status >= 500 && (code === undefined || RETRIABLE_ETCD_CODES.has(code))) {
            throw new TransientV2Error(`HTTP ${response.status} ${response.body?.message ?? ''}`.trim());
          }
          return response;
        } catch (error) {
          // Next attempt goes to the next machine.
          this.#current = (this.#current + 1) % Math.max(1, this.#machines.length);
          if (error instanceof TransientV2Error) throw error;
          throw new TransientV2Error(`${machine}: ${error instanceof Error ? error.message : String(error)}`);
        }
      },
    );
  }

  /**
   * A long poll (watch) on the current machine without retries: the response, or 'timeout' after
   * `timeoutMs`, or 'error' when the machine cannot be reached (the caller decides how to wait).
   */
  async longPoll(
    request: V2Request,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<V2Response | 'timeout' | 'error'> {
    const machine = this.#machines[this.#current % this.#machines.length] ?? '';
    this.#counter.count('watch');
    try {
      return await this.#send(machine, request, timeoutMs, signal);
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') return 'timeout';
      if (signal?.aborted) return 'timeout';
      this.#current = (this.#current + 1) % Math.max(1, this.#machines.length);
      return 'error';
    }
  }

  #send(machine: string, request: V2Request, timeoutMs: number, signal?: AbortSignal): Promise<V2Response> {
    const url = new URL(request.path, machine);
    for (const [k, v] of Object.entries(request.query ?? {})) url.searchParams.set(k, v);
    const body = request.form ? encodeForm(request.form) : null;
    const headers: Record<string, string> = {};
    if (body !== null) headers['content-type'] = 'application/x-www-form-urlencoded';
    if (this.#authorization !== null) headers.authorization = this.#authorization;
    const timeout = AbortSignal.timeout(Math.max(1, Math.round(timeoutMs)));
    const combined = signal ? AbortSignal.any([timeout, signal]) : timeout;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<V2Response>((resolve, reject) => {
      const req = send(
        url,
        { method: request.method, headers, agent: this.#agent, signal: combined },
        (res) => {
          readBody(res).then(
            (text) => resolve(toResponse(res, text)),
            (error: unknown) => reject(combined.aborted ? (combined.reason ?? error) : error),
          );
        },
      );
      req.on('error', (error) => reject(combined.aborted ? (combined.reason ?? error) : error));
      req.end(body ?? undefined);
    });
  }

  /** Refreshes the machine list from `/v2/machines` every ttl*10 (not for proxies). */
  async #maybeDiscover(): Promise<void> {
    if (this.#config.useProxies) return;
    const now = Date.now();
    if (now - this.#lastDiscoveryMs < this.#discoveryEveryMs) return;
    this.#lastDiscoveryMs = now;
    for (const machine of this.#machines) {
      try {
        this.#counter.count('machines');
        const response = await this.#send(machine, { method: 'GET', path: '/v2/machines' }, 2_000);
        const urls = response.text
          .split(',')
          .map((u) => u.trim())
          .filter((u) => /^https?:\/\//.test(u));
        if (urls.length > 0 && !sameEndpoints(urls, this.#machines)) {
          this.#logger.info(`etcd: machines cache changed to ${urls.join(',')}`);
          this.#machines = [...new Set(urls)];
          this.#current = 0;
        }
        return;
      } catch {
        // try the next machine
      }
    }
    this.#lastDiscoveryMs = now - this.#discoveryEveryMs + 5_000;
  }

  close(): void {
    this.#agent.destroy();
  }
}

function toResponse(res: IncomingMessage, text: string): V2Response {
  const header = res.headers['x-etcd-index'];
  const etcdIndex = typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : null;
  let body: V2Body | null = null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) body = parsed as V2Body;
  } catch {
    body = null;
  }
  return { status: res.statusCode ?? 0, etcdIndex, body, text };
}
