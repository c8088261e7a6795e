/**
 * `createRestApi`: Patroni's REST API on node's HTTP/1.1 server with keep-alive (Patroni answers HTTP/1.0 and
 * closes every connection; we keep them). Every request goes to Patroni's dispatch rule (router.ts).
 */
import type http from 'node:http';
import type { AgentCommands, Logger, PublishedStatus } from '@patroni/ha-core';
import { AccessControl, buildAllowlist } from './access.js';
import type { RestApiConfig } from './config.js';
import type { HandlerContext } from './context.js';
import { dispatcher } from './dispatch.js';
import { RestApiError, RestApiErrorCode } from './errors.js';
import { closeServer, createNodeServer, listenOn, type RestApiTimeouts, tlsOptions } from './http-server.js';
import type { ResponseHeaders } from './responses.js';
import { StatusSource } from './status-source.js';

export type { RestApiTimeouts } from './http-server.js';

export interface RestApiOptions {
  readonly config: RestApiConfig;
  readonly getStatus: () => PublishedStatus;
  readonly commands: AgentCommands;
  readonly logger: Logger;
  /** Epoch ms; defaults to `Date.now`. */
  readonly clock?: () => number;
  readonly timeouts?: RestApiTimeouts;
  /** How long one Postgres probe serves health checks; default 1000 ms. */
  readonly statusMaxAgeMs?: number;
  /** Largest accepted request body; default 64 KiB (larger → 413). */
  readonly bodyLimitBytes?: number;
}

export interface RestApi {
  /** Opens the listener; resolves with the bound port (useful with `listen: 127.0.0.1:0`). */
  listen(): Promise<{ port: number }>;
  close(): Promise<void>;
}

const DEFAULT_BODY_LIMIT = 64 * 1024;

function serverHeader(config: RestApiConfig, version: string): string {
  if (config.serverTokens === 'productonly') return 'Patroni';
  if (config.serverTokens === 'minimal') return `Patroni/${version}`;
  return `Patroni/${version} Node.js/${process.versions.node}`;
}

function responseHeaders(config: RestApiConfig, version: string): ResponseHeaders {
  const extra = { ...config.httpExtraHeaders, ...(config.tls ? config.httpsExtraHeaders : {}) };
  return { server: serverHeader(config, version), extra: Object.entries(extra) };
}

function handlerContext(options: RestApiOptions, access: AccessControl): HandlerContext {
  const { config, logger } = options;
  const clock = options.clock ?? Date.now;
  return {
    source: new StatusSource({
      getStatus: options.getStatus,
      commands: options.commands,
      logger,
      clock,
      ...(options.statusMaxAgeMs === undefined ? {} : { maxAgeMs: options.statusMaxAgeMs }),
    }),
    commands: options.commands,
    getStatus: options.getStatus,
    headers: responseHeaders(config, options.getStatus().patroniVersion),
    access,
    logger,
    clock,
  };
}

export function createRestApi(options: RestApiOptions): RestApi {
  const { config, logger } = options;
  let server: http.Server | null = null;
  return {
    async listen() {
      if (server) throw new RestApiError(RestApiErrorCode.ListenFailed, 'the REST API is already listening');
      const tls = await tlsOptions(config);
      const access = new AccessControl(config, await buildAllowlist(config.allowlist, logger));
      const listener = dispatcher(
        handlerContext(options, access),
        options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT,
      );
      const instance = createNodeServer(tls, options.timeouts ?? {}, listener);
      let port: number;
      try {
        port = await listenOn(instance, config);
      } catch (error) {
        await closeServer(instance);
        throw new RestApiError(
          RestApiErrorCode.ListenFailed,
          `restapi: cannot listen on ${config.listenHost}:${config.listenPort}: ${String(error)}`,
          { cause: error },
        );
      }
      server = instance;
      logger.info(`REST API listening on ${config.listenHost || '*'}:${port}${config.tls ? ' (TLS)' : ''}`);
      return { port };
    },
    async close() {
      const instance = server;
      server = null;
      if (instance) await closeServer(instance);
    },
  };
}
