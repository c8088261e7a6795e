/**
 * `createRestApi`: Patroni's REST API on fastify over HTTP/1.1 with keep-alive (Patroni answers HTTP/1.0 and
 * closes every connection; we keep them). One catch-all route hands every request to Patroni's dispatch rule.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AgentCommands, Logger, PublishedStatus } from '@patroni/ha-core';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { AccessControl, buildAllowlist } from './access.js';
import type { RestApiConfig } from './config.js';
import { type HandlerContext, splitTarget } from './context.js';
import { RestApiError, RestApiErrorCode } from './errors.js';
import { type ResponseHeaders, sendErrorPage } from './responses.js';
import { route } from './router.js';
import { StatusSource } from './status-source.js';

export interface RestApiTimeouts {
  /** Whole request (headers and body) must arrive within this; default 10 s (slow clients get 408). */
  readonly requestTimeoutMs?: number;
  /** Headers must arrive within this; default 10 s. */
  readonly headersTimeoutMs?: number;
  /** Idle keep-alive connections are closed after this; default 5 s. */
  readonly keepAliveTimeoutMs?: number;
  /** A socket with no traffic at all is destroyed after this (long switchovers stay below it); default 120 s. */
  readonly idleSocketTimeoutMs?: number;
}

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

async function tlsOptions(config: RestApiConfig): Promise<https.ServerOptions | null> {
  const tls = config.tls;
  if (!tls) return null;
  try {
    const cert = await readFile(tls.certfile);
    const key = tls.keyfile ? await readFile(tls.keyfile) : cert;
    const ca = tls.cafile ? await readFile(tls.cafile) : undefined;
    return {
      cert,
      key,
      ...(tls.keyfilePassword === null ? {} : { passphrase: tls.keyfilePassword }),
      ...(ca ? { ca } : {}),
      ...(tls.ciphers ? { ciphers: tls.ciphers } : {}),
      requestCert: tls.verifyClient !== 'none',
      rejectUnauthorized: tls.verifyClient === 'required',
    };
  } catch (error) {
    throw new RestApiError(RestApiErrorCode.TlsSetupFailed, `restapi TLS setup failed: ${String(error)}`, {
      cause: error,
    });
  }
}

function serverFactory(tls: https.ServerOptions | null, timeouts: RestApiTimeouts) {
  const common: http.ServerOptions = {
    requestTimeout: timeouts.requestTimeoutMs ?? 10_000,
    headersTimeout: timeouts.headersTimeoutMs ?? 10_000,
    keepAliveTimeout: timeouts.keepAliveTimeoutMs ?? 5000,
    connectionsCheckingInterval: 1000,
    noDelay: true,
  };
  return (handler: http.RequestListener) => {
    let server: http.Server;
    try {
      server = tls ? https.createServer({ ...common, ...tls }, handler) : http.createServer(common, handler);
    } catch (error) {
      throw new RestApiError(RestApiErrorCode.TlsSetupFailed, `restapi TLS setup failed: ${String(error)}`, {
        cause: error,
      });
    }
    server.setTimeout(timeouts.idleSocketTimeoutMs ?? 120_000);
    return server;
  };
}

function buildApp(
  ctx: HandlerContext,
  tls: https.ServerOptions | null,
  options: RestApiOptions,
): FastifyInstance {
  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const { path, query } = splitTarget(request.url);
    await route(ctx, { method: request.method, path, query, request, reply });
    return reply;
  };
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT,
    exposeHeadRoutes: false,
    forceCloseConnections: true,
    routerOptions: { querystringParser: () => ({}) },
    serverFactory: serverFactory(tls, options.timeouts ?? {}),
    // Patroni never decodes the path: a target fastify cannot decode (`/%ZZ`) is still routed by its text.
    frameworkErrors: (error, request, reply) => {
      if (error.code === 'FST_ERR_BAD_URL') {
        handle(request, reply).catch(() => sendErrorPage(reply, ctx.headers, 400));
        return;
      }
      sendErrorPage(reply, ctx.headers, 400);
    },
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.setErrorHandler((error: { statusCode?: number; message?: string }, request, reply) => {
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) ctx.logger.error(`Exception in ${request.method} ${request.url}: ${error.message}`);
    return sendErrorPage(reply, ctx.headers, status);
  });
  app.route({ method: app.supportedMethods, url: '/*', handler: handle });
  app.setNotFoundHandler(handle);
  return app;
}

async function listenOn(app: FastifyInstance, config: RestApiConfig): Promise<void> {
  const listenOptions = { port: config.listenPort, backlog: config.requestQueueSize };
  if (config.listenHost !== '') {
    await app.listen({ ...listenOptions, host: config.listenHost });
    return;
  }
  try {
    await app.listen({ ...listenOptions, host: '::' }); // dual stack when the OS has IPv6
  } catch {
    await app.listen({ ...listenOptions, host: '0.0.0.0' });
  }
}

export function createRestApi(options: RestApiOptions): RestApi {
  const clock = options.clock ?? Date.now;
  const { config, logger } = options;
  let app: FastifyInstance | null = null;
  return {
    async listen() {
      if (app) throw new RestApiError(RestApiErrorCode.ListenFailed, 'the REST API is already listening');
      const tls = await tlsOptions(config);
      const allowlist = await buildAllowlist(config.allowlist, logger);
      const ctx: HandlerContext = {
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
        access: new AccessControl(config, allowlist),
        logger,
        clock,
      };
      const instance = buildApp(ctx, tls, options);
      try {
        await listenOn(instance, config);
      } catch (error) {
        await instance.close().catch(() => undefined);
        if (error instanceof RestApiError) throw error;
        throw new RestApiError(
          RestApiErrorCode.ListenFailed,
          `restapi: cannot listen on ${config.listenHost}:${config.listenPort}: ${String(error)}`,
          { cause: error },
        );
      }
      app = instance;
      const address = instance.server.address();
      const port = typeof address === 'object' && address ? address.port : config.listenPort;
      logger.info(`REST API listening on ${config.listenHost || '*'}:${port}${config.tls ? ' (TLS)' : ''}`);
      return { port };
    },
    async close() {
      const instance = app;
      app = null;
      if (instance) await instance.close();
    },
  };
}
