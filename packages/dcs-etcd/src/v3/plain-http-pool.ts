import { connect, type Socket } from 'node:net';

/** A complete HTTP answer: status code and body text. */
export interface PlainAnswer {
  readonly status: number;
  readonly body: string;
}

/** The call waiting for its answer on a connection. */
interface PendingCall {
  readonly resolve: (answer: PlainAnswer) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

const HEADER_END = Buffer.from('\r\n\r\n');
/** Anything larger is not an etcd gateway answer header. */
const MAX_HEADER_BYTES = 64 * 1024;
/** Bytes a socket reads at once (the `onread` buffer, one per connection). */
const READ_BUFFER_BYTES = 16 * 1024;

/**
 * One keep-alive HTTP/1.1 connection to one `host:port`, one call at a time. Bytes arrive through the
 * socket's `onread` callback, without the stream machinery node:http runs for every answer: an agent makes
 * a call or two every loop_wait, and at that pace the per-answer machinery is most of its cost.
 */
class PlainConnection {
  readonly #socket: Socket;
  #received: Buffer = Buffer.alloc(0);
  #call: PendingCall | null = null;
  #closed = false;
  /** Set once the server said `Connection: close` or the socket ended: no further calls on it. */
  #reusable = true;

  constructor(
    host: string,
    port: number,
    private readonly onGone: (connection: PlainConnection) => void,
    private readonly onIdle: () => void,
  ) {
    const readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
    this.#socket = connect({
      host,
      port,
      noDelay: true,
      onread: { buffer: readBuffer, callback: (n) => this.#onBytes(readBuffer, n) },
    });
    this.#socket.on('error', (error) => this.#close(error));
    this.#socket.on('end', () => this.#close(new Error('connection closed by etcd')));
    this.#socket.on('close', () => this.#close(new Error('connection closed')));
  }

  get busy(): boolean {
    return this.#call !== null;
  }

  get usable(): boolean {
    return !this.#closed && this.#reusable;
  }

  /** Sends `request`; gives up after `leftMs`, naming the call's whole `timeoutMs` (its budget) in the error. */
  send(request: string, leftMs: number, timeoutMs: number): Promise<PlainAnswer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => this.#close(new Error(`request timed out after ${timeoutMs} ms`)),
        Math.max(1, Math.round(leftMs)),
      );
      this.#call = { resolve, reject, timer };
      this.#socket.write(request);
    });
  }

  destroy(): void {
    this.#close(new Error('client closed'));
  }

  // Returning false would pause reading; answers are small and consumed at once, so reading never pauses.
  #onBytes(buf: Buffer, n: number): boolean {
    const chunk = buf.subarray(0, n);
    this.#received =
      this.#received.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#received, chunk]);
    if (this.#call === null) {
      this.#close(new Error('bytes from etcd while no request was pending'));
      return true;
    }
    let framed: { answer: PlainAnswer; rest: Buffer; close: boolean } | 'incomplete';
    try {
      framed = frameAnswer(this.#received);
    } catch (error) {
      this.#close(error as Error);
      return true;
    }
    if (framed === 'incomplete') return true;
    const call = this.#call;
    this.#call = null;
    this.#received = framed.rest;
    clearTimeout(call.timer);
    if (framed.close || framed.rest.length > 0) {
      this.#reusable = false;
      this.#close(null);
    } else {
      this.onIdle();
    }
    call.resolve(framed.answer);
    return true;
  }

  #close(error: Error | null): void {
    this.#reusable = false;
    if (!this.#closed) {
      this.#closed = true;
      this.#socket.destroy();
      this.onGone(this);
    }
    const call = this.#call;
    this.#call = null;
    if (call) {
      clearTimeout(call.timer);
      call.reject(error ?? new Error('connection closed'));
    }
  }
}

/**
 * Splits one answer off the front of `bytes`: its status, body (Content-Length or chunked) and whether the
 * server closes the connection after it. Throws on a malformed answer.
 */
export function frameAnswer(
  bytes: Buffer,
): { answer: PlainAnswer; rest: Buffer; close: boolean } | 'incomplete' {
  const headerEnd = bytes.indexOf(HEADER_END);
  if (headerEnd < 0) {
    if (bytes.length > MAX_HEADER_BYTES) throw new Error('answer header too large');
    return 'incomplete';
  }
  const lines = bytes.toString('latin1', 0, headerEnd).split('\r\n');
  const statusLine = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!statusLine) throw new Error(`not an HTTP answer: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
  const status = Number(statusLine[1]);
  let contentLength: number | null = null;
  let chunked = false;
  let close = lines[0]?.startsWith('HTTP/1.0') ?? false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-length') {
      if (!/^\d+$/.test(value)) throw new Error(`bad Content-Length: ${JSON.stringify(value)}`);
      contentLength = Number(value);
    } else if (name === 'transfer-encoding') {
      chunked = value
        .toLowerCase()
        .split(',')
        .some((coding) => coding.trim() === 'chunked');
    } else if (name === 'connection') {
      close = value
        .toLowerCase()
        .split(',')
        .some((option) => option.trim() === 'close');
    }
  }
  const bodyStart = headerEnd + HEADER_END.length;
  if (status === 204 || status === 304 || (status >= 100 && status < 200)) {
    return { answer: { status, body: '' }, rest: bytes.subarray(bodyStart), close };
  }
  if (chunked) {
    const unchunked = dechunk(bytes, bodyStart);
    if (unchunked === 'incomplete') return 'incomplete';
    return { answer: { status, body: unchunked.body }, rest: bytes.subarray(unchunked.end), close };
  }
  if (contentLength === null) {
    // A body that runs until the server closes: never sent by etcd's gateway; not worth a reader of its own.
    throw new Error('answer without Content-Length or chunked framing');
  }
  const bodyEnd = bodyStart + contentLength;
  if (bytes.length < bodyEnd) return 'incomplete';
  return {
    answer: { status, body: bytes.toString('utf8', bodyStart, bodyEnd) },
    rest: bytes.subarray(bodyEnd),
    close,
  };
}

/** A chunked body from `start`: its text and where the answer ends (after the trailer), or 'incomplete'. */
function dechunk(bytes: Buffer, start: number): { body: string; end: number } | 'incomplete' {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at, 'latin1');
    if (lineEnd < 0) return 'incomplete';
    const sizeText = bytes.toString('latin1', at, lineEnd).split(';')[0]?.trim() ?? '';
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw new Error(`bad chunk size: ${JSON.stringify(sizeText)}`);
    const size = Number.parseInt(sizeText, 16);
    at = lineEnd + 2;
    if (size === 0) {
      // Trailer fields (none from etcd) end with an empty line.
      for (;;) {
        const trailerEnd = bytes.indexOf('\r\n', at, 'latin1');
        if (trailerEnd < 0) return 'incomplete';
        const empty = trailerEnd === at;
        at = trailerEnd + 2;
        if (empty) return { body: Buffer.concat(parts).toString('utf8'), end: at };
      }
    }
    if (bytes.length < at + size + 2) return 'incomplete';
    parts.push(bytes.subarray(at, at + size));
    at += size + 2;
  }
}

/** Where one endpoint's connections go: host (without IPv6 brackets), port and the Host header. */
interface Origin {
  readonly host: string;
  readonly port: number;
  readonly hostHeader: string;
}

/** How many connections one endpoint may have open (calls beyond wait for one). */
const MAX_CONNECTIONS_PER_ORIGIN = 8;

/**
 * Keep-alive HTTP/1.1 calls to plain `http://` endpoints: a small pool of connections per origin, reused
 * while idle; a connection that failed, timed out or that the server closes is dropped, never reused.
 */
export class PlainHttpPool {
  readonly #pools = new Map<string, PlainConnection[]>();
  readonly #origins = new Map<string, Origin>();
  readonly #waiting = new Map<string, Array<() => void>>();
  #closed = false;

  /** One call: the answer, or a rejection for a connection failure, a malformed answer or a timeout. */
  async call(
    endpoint: string,
    method: 'GET' | 'POST',
    path: string,
    headers: Readonly<Record<string, string>>,
    payload: string | undefined,
    timeoutMs: number,
  ): Promise<PlainAnswer> {
    if (this.#closed) throw new Error('client closed');
    const origin = this.#originOf(endpoint);
    let head = `${method} ${path} HTTP/1.1\r\nHost: ${origin.hostHeader}\r\n`;
    for (const name in headers) {
      const value = headers[name] as string;
      // node:http refuses these too: a line break would end the header early (request splitting).
      if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) throw new Error(`invalid character in header ${name}`);
      head += `${name}: ${value}\r\n`;
    }
    if (payload !== undefined) {
      head += `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n`;
    }
    const request = `${head}\r\n${payload ?? ''}`;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#closed) throw new Error('client closed');
      // Taken and sent in one step, so no other call can pick the same connection in between.
      const connection = this.#idleConnection(endpoint, origin);
      if (connection) return connection.send(request, Math.max(1, deadline - Date.now()), timeoutMs);
      await this.#connectionReleased(endpoint, deadline - Date.now(), timeoutMs);
    }
  }

  close(): void {
    this.#closed = true;
    for (const connections of this.#pools.values()) for (const c of [...connections]) c.destroy();
    this.#pools.clear();
    for (const waiters of this.#waiting.values()) for (const wake of waiters.splice(0)) wake();
  }

  #originOf(endpoint: string): Origin {
    let origin = this.#origins.get(endpoint);
    if (origin === undefined) {
      const url = new URL(endpoint);
      const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
      origin = { host, port: Number(url.port || 80), hostHeader: url.host };
      this.#origins.set(endpoint, origin);
    }
    return origin;
  }

  /** An idle connection, a new one while the origin has fewer than the maximum, else null. */
  #idleConnection(key: string, origin: Origin): PlainConnection | null {
    let connections = this.#pools.get(key);
    if (connections === undefined) {
      connections = [];
      this.#pools.set(key, connections);
    }
    const idle = connections.find((c) => c.usable && !c.busy);
    if (idle) return idle;
    if (connections.length >= MAX_CONNECTIONS_PER_ORIGIN) return null;
    const created = new PlainConnection(
      origin.host,
      origin.port,
      (gone) => this.#forget(key, gone),
      () => this.#wakeOne(key),
    );
    connections.push(created);
    return created;
  }

  /** Waits until a connection of the origin is idle or gone, for at most `leftMs`. */
  async #connectionReleased(key: string, leftMs: number, timeoutMs: number): Promise<void> {
    if (leftMs <= 0) throw new Error(`no free connection within ${timeoutMs} ms`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, leftMs);
      const waiters = this.#waiting.get(key) ?? [];
      waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
      this.#waiting.set(key, waiters);
    });
  }

  #forget(key: string, gone: PlainConnection): void {
    const connections = this.#pools.get(key);
    if (connections) {
      const at = connections.indexOf(gone);
      if (at >= 0) connections.splice(at, 1);
    }
    this.#wakeOne(key);
  }

  #wakeOne(key: string): void {
    this.#waiting.get(key)?.shift()?.();
  }
}
