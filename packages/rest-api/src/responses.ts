/**
 * The four response shapes of Patroni's REST API (rest-api.md §1.1), written on our replies:
 * JSON and text (with `Server` and the configured extra headers), status-only (no headers of ours, for load
 * balancers) and error pages (what Python's `send_error` produces; clients only read the code).
 */
import { STATUS_CODES } from 'node:http';
import type { RestReply } from './exchange.js';

export interface ResponseHeaders {
  /** `Server` header value, from `restapi.server_tokens`. */
  readonly server: string;
  /** `http_extra_headers`, merged with `https_extra_headers` when TLS is on. */
  readonly extra: ReadonlyArray<readonly [string, string]>;
}

function applyHeaders(
  reply: RestReply,
  headers: ResponseHeaders,
  own?: Readonly<Record<string, string>>,
): void {
  reply.header('server', headers.server);
  if (own) for (const [name, value] of Object.entries(own)) reply.header(name, value);
}

function applyExtra(reply: RestReply, headers: ResponseHeaders): void {
  for (const [name, value] of headers.extra) reply.header(name, value);
}

/** Already-serialised JSON (Python formatting) with `Content-Type: application/json`. */
export function sendJson(
  reply: RestReply,
  headers: ResponseHeaders,
  status: number,
  json: string | Buffer,
): RestReply {
  applyHeaders(reply, headers);
  reply.header('content-type', 'application/json');
  applyExtra(reply, headers);
  return reply.code(status).send(json);
}

/** A short message, `Content-Type: text/html` as Patroni sends it. */
export function sendText(
  reply: RestReply,
  headers: ResponseHeaders,
  status: number,
  text: string,
  own?: Readonly<Record<string, string>>,
): RestReply {
  applyHeaders(reply, headers, own);
  reply.header('content-type', 'text/html');
  applyExtra(reply, headers);
  return reply.code(status).send(text);
}

/** Prometheus exposition with `Content-Type: text/plain`. */
export function sendPlain(reply: RestReply, headers: ResponseHeaders, text: string): RestReply {
  applyHeaders(reply, headers);
  reply.header('content-type', 'text/plain');
  applyExtra(reply, headers);
  return reply.code(200).send(text);
}

/** Only the status line (plus the framing headers HTTP/1.1 keep-alive needs). */
export function sendStatusOnly(reply: RestReply, status: number): RestReply {
  return reply.code(status).send();
}

export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? 'Unknown';
}

/** A small HTML error page naming the code; no extra headers (as Patroni's `send_error`). */
export function sendErrorPage(
  reply: RestReply,
  headers: ResponseHeaders,
  status: number,
  message?: string,
): RestReply {
  const text = message ?? `${reasonPhrase(status)}.`;
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const body =
    '<!DOCTYPE HTML>\n<html lang="en">\n<head><meta charset="utf-8"><title>Error response</title></head>\n' +
    `<body><h1>Error response</h1><p>Error code: ${status}</p><p>Message: ${escaped}</p></body>\n</html>\n`;
  reply.header('server', headers.server);
  reply.header('content-type', 'text/html;charset=utf-8');
  return reply.code(status).send(body);
}
