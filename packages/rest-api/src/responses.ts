/**
 * The four response shapes of Patroni's REST API (rest-api.md §1.1), written on fastify replies:
 * JSON and text (with `Server` and the configured extra headers), status-only (no headers of ours, for load
 * balancers) and error pages (what Python's `send_error` produces; clients only read the code).
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyReply } from 'fastify';

export interface ResponseHeaders {
  /** `Server` header value, from `restapi.server_tokens`. */
  readonly server: string;
  /** `http_extra_headers`, merged with `https_extra_headers` when TLS is on. */
  readonly extra: ReadonlyArray<readonly [string, string]>;
}

function applyHeaders(
  reply: FastifyReply,
  headers: ResponseHeaders,
  own?: Readonly<Record<string, string>>,
): void {
  reply.header('server', headers.server);
  if (own) for (const [name, value] of Object.entries(own)) reply.header(name, value);
}

function applyExtra(reply: FastifyReply, headers: ResponseHeaders): void {
  for (const [name, value] of headers.extra) reply.header(name, value);
}

// Bodies go out as Buffers: fastify would append `; charset=utf-8` to a string's Content-Type.
const bytes = (text: string | Buffer): Buffer =>
  typeof text === 'string' ? Buffer.from(text, 'utf8') : text;

/** Already-serialised JSON (Python formatting) with `Content-Type: application/json`. */
export function sendJson(
  reply: FastifyReply,
  headers: ResponseHeaders,
  status: number,
  json: string | Buffer,
): FastifyReply {
  applyHeaders(reply, headers);
  reply.header('content-type', 'application/json');
  applyExtra(reply, headers);
  return reply.code(status).send(bytes(json));
}

/** A short message, `Content-Type: text/html` as Patroni sends it. */
export function sendText(
  reply: FastifyReply,
  headers: ResponseHeaders,
  status: number,
  text: string,
  own?: Readonly<Record<string, string>>,
): FastifyReply {
  applyHeaders(reply, headers, own);
  reply.header('content-type', 'text/html');
  applyExtra(reply, headers);
  return reply.code(status).send(bytes(text));
}

/** Prometheus exposition with `Content-Type: text/plain`. */
export function sendPlain(reply: FastifyReply, headers: ResponseHeaders, text: string): FastifyReply {
  applyHeaders(reply, headers);
  reply.header('content-type', 'text/plain');
  applyExtra(reply, headers);
  return reply.code(200).send(bytes(text));
}

/** Only the status line (plus the framing headers HTTP/1.1 keep-alive needs). */
export function sendStatusOnly(reply: FastifyReply, status: number): FastifyReply {
  return reply.code(status).send();
}

export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? 'Unknown';
}

/** A small HTML error page naming the code; no extra headers (as Patroni's `send_error`). */
export function sendErrorPage(
  reply: FastifyReply,
  headers: ResponseHeaders,
  status: number,
  message?: string,
): FastifyReply {
  const text = message ?? `${reasonPhrase(status)}.`;
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const body =
    '<!DOCTYPE HTML>\n<html lang="en">\n<head><meta charset="utf-8"><title>Error response</title></head>\n' +
    `<body><h1>Error response</h1><p>Error code: ${status}</p><p>Message: ${escaped}</p></body>\n</html>\n`;
  reply.header('server', headers.server);
  reply.header('content-type', 'text/html;charset=utf-8');
  return reply.code(status).send(bytes(body));
}
