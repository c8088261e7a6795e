import { readFileSync } from 'node:fs';
import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type RequestOptions,
} from 'node:http';
import type { EtcdConfig } from '../config.js';
import { readBody } from '../read-body.js';
import { Etcd3GatewayError, gatewayErrorOf } from './gateway-errors.js';
import { JsonObjectStream } from './json-object-stream.js';
import { PlainHttpPool } from './plain-http-pool.js';

type HttpsModule = typeof import('node:https');

/** PEM material for https endpoints, from the config's cacert/cert/key (`key` may be inside `cert`). */
interface TlsMaterial {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/** Without `cacert` Node's default roots are trusted (the system's, as the earlier gRPC client did). */
function tlsMaterialOf(config: EtcdConfig): TlsMaterial {
  const { cacert, cert, key } = config.tls;
  return {
    ...(cacert !== null ? { ca: readFileSync(cacert) } : {}),
    ...(cert !== null ? { cert: readFileSync(cert) } : {}),
    ...(key !== null ? { key: readFileSync(key) } : cert !== null ? { key: readFileSync(cert) } : {}),
  };
}

/** Callbacks of a streaming answer; none is called after `close()`. */
export interface StreamHandlers {
  /** One message's `result` (the gateway wraps each streamed response in `{"result": ...}`). */
  onMessage(result: Record<string, unknown>): void;
  /** The stream failed or ended; it is closed by then. */
  onEnd(error: Etcd3GatewayError): void;
}

export interface StreamHandle {
  close(): void;
}

/** Idle time before TCP keep-alive probes start on a stream's socket. */
const STREAM_KEEPALIVE_MS = 10_000;

const transient = (message: string, cause?: unknown) =>
  new Etcd3GatewayError('transient', message, cause !== undefined ? { cause } : {});

const asRecord = (value: unknown): Record<string, unknown> | null =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;

/**
 * HTTP/1.1 to etcd's JSON gateway on node:http(s): unary calls share one keep-alive agent per scheme (one
 * socket while calls do not overlap); each stream gets a socket of its own that closing it destroys.
 * node:https is loaded only when an https endpoint is used.
 */
export class GatewayHttp {
  readonly #tls: TlsMaterial;
  readonly #httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 8 });
  /** Unary calls to http:// endpoints (the common case): leaner than node:http per call. */
  readonly #plain = new PlainHttpPool();
  #https: { module: HttpsModule; agent: InstanceType<HttpsModule['Agent']> } | null = null;
  #closed = false;

  constructor(config: EtcdConfig) {
    this.#tls = tlsMaterialOf(config);
  }

  /**
   * One call: resolves with the JSON body of a 2xx/3xx answer; throws Etcd3GatewayError for an error
   * answer (classified by its gRPC code), a connection failure or no complete answer within `timeoutMs`.
   */
  async request(
    endpoint: string,
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    headers: Readonly<Record<string, string>>,
    timeoutMs: number,
  ): Promise<Record<string, unknown>> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (endpoint.startsWith('http:')) {
      if (this.#closed) throw new Etcd3GatewayError('fatal', 'etcd3 client closed');
      const answer = await this.#plain
        .call(endpoint, method, path, headers, payload, timeoutMs)
        .catch((error: unknown) => {
          throw transient(`${endpoint}${path}: ${messageOf(error)}`, error);
        });
      return answerOf(endpoint, path, answer.status, answer.body);
    }
    const { send, options } = await this.#prepare(endpoint, method, headers, payload, true);
    return new Promise((resolve, reject) => {
      const req = send(new URL(path, endpoint), options, (res) => {
        readBody(res).then((text) => {
          clearTimeout(timer);
          try {
            resolve(answerOf(endpoint, path, res.statusCode ?? 0, text));
          } catch (error) {
            reject(error);
          }
        }, fail);
      });
      const timer = setTimeout(
        () => req.destroy(transient(`${endpoint}${path}: request timed out after ${timeoutMs} ms`)),
        Math.max(1, Math.round(timeoutMs)),
      );
      function fail(error: unknown) {
        clearTimeout(timer);
        reject(
          error instanceof Etcd3GatewayError
            ? error
            : transient(`${endpoint}${path}: ${messageOf(error)}`, error),
        );
      }
      req.on('error', fail);
      req.end(payload);
    });
  }

  /** Opens a streaming call (`/v3/watch`) with `body` as its only request message, on a socket of its own. */
  async openStream(
    endpoint: string,
    path: string,
    body: unknown,
    headers: Readonly<Record<string, string>>,
    handlers: StreamHandlers,
  ): Promise<StreamHandle> {
    const payload = JSON.stringify(body);
    const { send, options } = await this.#prepare(endpoint, 'POST', headers, payload, false);
    let done = false;
    const end = (error: Etcd3GatewayError) => {
      if (done) return;
      done = true;
      req.destroy();
      handlers.onEnd(error);
    };
    const req: ClientRequest = send(new URL(path, endpoint), options, (res) => {
      if ((res.statusCode ?? 0) >= 400) {
        readBody(res).then(
          (text) => end(gatewayErrorOf(res.statusCode ?? 0, parseJson(text), text)),
          (error: unknown) => end(transient(`stream answer lost: ${messageOf(error)}`, error)),
        );
        return;
      }
      const splitter = new JsonObjectStream();
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        for (const item of splitter.push(text)) {
          if (done) return;
          if ('malformed' in item) return end(transient(`malformed stream message: ${item.malformed}`));
          const message = asRecord(item.object);
          const result = asRecord(message?.result);
          if (result !== null) handlers.onMessage(result);
          else end(gatewayErrorOf(null, item.object));
        }
      });
      res.on('end', () => end(transient('stream ended')));
      res.on('aborted', () => end(transient('stream aborted')));
      res.on('error', (error) => end(transient(`stream failed: ${error.message}`, error)));
    });
    req.on('error', (error) => end(transient(`stream failed: ${error.message}`, error)));
    // An idle stream over a link that went silent would otherwise wait forever: let TCP probe it.
    req.on('socket', (socket) => socket.setKeepAlive(true, STREAM_KEEPALIVE_MS));
    req.end(payload);
    return {
      close() {
        done = true;
        req.destroy();
      },
    };
  }

  async #prepare(
    endpoint: string,
    method: 'GET' | 'POST',
    headers: Readonly<Record<string, string>>,
    payload: string | undefined,
    pooled: boolean,
  ): Promise<{ send: typeof httpRequest; options: RequestOptions }> {
    if (this.#closed) throw new Etcd3GatewayError('fatal', 'etcd3 client closed');
    const allHeaders: Record<string, string> = { ...headers };
    if (payload !== undefined) {
      allHeaders['content-type'] = 'application/json';
      allHeaders['content-length'] = String(Buffer.byteLength(payload));
    }
    if (!endpoint.startsWith('https:')) {
      return {
        send: httpRequest,
        options: { method, headers: allHeaders, agent: pooled ? this.#httpAgent : false },
      };
    }
    const https = await this.#httpsModule();
    const options = { method, headers: allHeaders, ...this.#tls, agent: pooled ? https.agent : false };
    return { send: https.module.request, options };
  }

  async #httpsModule(): Promise<{ module: HttpsModule; agent: InstanceType<HttpsModule['Agent']> }> {
    if (this.#https === null) {
      const module = await import('node:https');
      this.#https ??= { module, agent: new module.Agent({ keepAlive: true, maxSockets: 8, ...this.#tls }) };
    }
    return this.#https;
  }

  close(): void {
    this.#closed = true;
    this.#httpAgent.destroy();
    this.#plain.close();
    this.#https?.agent.destroy();
  }
}

/** The JSON object of a 2xx/3xx answer; throws the Etcd3GatewayError an error answer stands for. */
function answerOf(endpoint: string, path: string, status: number, text: string): Record<string, unknown> {
  const parsed = parseJson(text);
  if (status >= 400) throw gatewayErrorOf(status, parsed, text);
  const record = asRecord(parsed);
  if (record === null) throw transient(`${endpoint}${path}: answer is not a JSON object`);
  return record;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
