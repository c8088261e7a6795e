/**
 * The node HTTP(S) server under the REST API: TLS options from the config, node's slow-client timeouts
 * (408), short answers to requests node's parser rejects, listening (dual stack for `*`) and closing with
 * every connection, busy or idle.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type https from 'node:https';
import type { Duplex } from 'node:stream';
import type { RestApiConfig } from './config.js';
import { RestApiError, RestApiErrorCode } from './errors.js';

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

function tlsSetupFailed(error: unknown): RestApiError {
  return new RestApiError(RestApiErrorCode.TlsSetupFailed, `restapi TLS setup failed: ${String(error)}`, {
    cause: error,
  });
}

/** The TLS server options and node:https, which is loaded only when `restapi` has a certificate. */
export interface TlsSetup {
  readonly options: https.ServerOptions;
  readonly https: typeof https;
}

export async function tlsOptions(config: RestApiConfig): Promise<TlsSetup | null> {
  const tls = config.tls;
  if (!tls) return null;
  try {
    const cert = await readFile(tls.certfile);
    const key = tls.keyfile ? await readFile(tls.keyfile) : cert;
    const ca = tls.cafile ? await readFile(tls.cafile) : undefined;
    const options: https.ServerOptions = {
      cert,
      key,
      ...(tls.keyfilePassword === null ? {} : { passphrase: tls.keyfilePassword }),
      ...(ca ? { ca } : {}),
      ...(tls.ciphers ? { ciphers: tls.ciphers } : {}),
      requestCert: tls.verifyClient !== 'none',
      rejectUnauthorized: tls.verifyClient === 'required',
    };
    return { options, https: (await import('node:https')).default };
  } catch (error) {
    throw tlsSetupFailed(error);
  }
}

/** The answer to what node's parser refuses or times out: a status line and a small JSON body, then close. */
function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  let status = 400;
  let message = 'Client Error';
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    message = 'Client Timeout';
  } else if (error.code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    message = 'Exceeded maximum allowed HTTP header size';
  }
  const reason = http.STATUS_CODES[status];
  const body = `{"error":"${reason}","message":"${message}","statusCode":${status}}`;
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${body.length}\r\nContent-Type: application/json\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

export function createNodeServer(
  tls: TlsSetup | null,
  timeouts: RestApiTimeouts,
  listener: http.RequestListener,
): http.Server {
  const requestTimeout = timeouts.requestTimeoutMs ?? 10_000;
  const headersTimeout = timeouts.headersTimeoutMs ?? 10_000;
  const common: http.ServerOptions = {
    requestTimeout,
    headersTimeout,
    keepAliveTimeout: timeouts.keepAliveTimeoutMs ?? 5000,
    // The server wakes up this often to enforce the two timeouts, connections or not: a quarter of the
    // shorter one (a 10 s timeout fires within 10-12.5 s) rather than every second of an idle agent's life.
    connectionsCheckingInterval: Math.max(250, Math.min(requestTimeout, headersTimeout) / 4),
    noDelay: true,
  };
  let server: http.Server;
  try {
    server = tls
      ? tls.https.createServer({ ...common, ...tls.options }, listener)
      : http.createServer(common, listener);
  } catch (error) {
    throw tlsSetupFailed(error);
  }
  server.setTimeout(timeouts.idleSocketTimeoutMs ?? 120_000);
  server.on('clientError', answerClientError);
  return server;
}

function listenOnce(server: http.Server, port: number, host: string, backlog: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port, host, backlog });
  });
}

/** Listens on `restapi.listen`; an empty host means all interfaces, IPv6 dual stack when the OS has it. */
export async function listenOn(server: http.Server, config: RestApiConfig): Promise<number> {
  const { listenHost, listenPort, requestQueueSize } = config;
  if (listenHost !== '') {
    await listenOnce(server, listenPort, listenHost, requestQueueSize);
  } else {
    try {
      await listenOnce(server, listenPort, '::', requestQueueSize);
    } catch {
      await listenOnce(server, listenPort, '0.0.0.0', requestQueueSize);
    }
  }
  const address = server.address();
  return typeof address === 'object' && address ? address.port : listenPort;
}

/** Stops accepting, drops every connection (a pending long request included) and waits for the close. */
export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
