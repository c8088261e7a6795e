/**
 * The request and reply handlers see: a thin layer over node's `IncomingMessage`/`ServerResponse`.
 * Replies collect headers (names lower-cased, first-set order kept) and write them with the status line and
 * the body in one go, with the framing headers HTTP/1.1 keep-alive needs.
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface RestRequest {
  readonly method: string;
  /** The request target as sent (path and query string), never decoded. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The received body for methods that carry one (POST, PUT, PATCH, DELETE, OPTIONS); undefined otherwise. */
  readonly body: Buffer | undefined;
  /** A `TLSSocket` when the connection is TLS. */
  readonly socket: Socket;
}

/** Codes whose answers never carry a body, hence no `Content-Length` (RFC 9110 §8.6). */
function bodylessStatus(status: number): boolean {
  return status < 200 || status === 204 || status === 304;
}

export class RestReply {
  private status = 200;
  private readonly headers: Record<string, string> = Object.create(null);
  private done = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly isHead: boolean,
  ) {}

  /** True once the answer has been handed to node. */
  get sent(): boolean {
    return this.done;
  }

  /** Sets a header; a name set twice keeps its first position and takes the last value. */
  header(name: string, value: string): this {
    this.headers[name.toLowerCase()] = value;
    return this;
  }

  code(status: number): this {
    this.status = status;
    return this;
  }

  /** Writes the answer; without a body only `Content-Length: 0` (none for HEAD). A second call is ignored. */
  send(body?: string | Buffer): this {
    if (this.done) return this;
    const headers = this.headers;
    if (body === undefined) {
      if (!this.isHead && !bodylessStatus(this.status)) headers['content-length'] = '0';
    } else if (!this.isHead || headers['content-length'] === undefined) {
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    // writeHead throws on a header value node refuses; the reply then stays unsent for the error page.
    this.res.writeHead(this.status, headers);
    this.done = true;
    if (body === undefined) this.res.end();
    else this.res.end(body);
    return this;
  }
}
