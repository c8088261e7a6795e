/** The HTTP layer under the handlers: exact header lines, body caps, handler failures, parser rejects, close. */
import net from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { silentLogger, statusOf } from './test-support/builders.js';
import { type Harness, startApi } from './test-support/harness.js';
import { rawExchange, request } from './test-support/http-client.js';

let api: Harness | null = null;
afterEach(async () => {
  await api?.close();
  api = null;
});

const SERVER = `server: Patroni/4.1.4 Node.js/${process.versions.node}`;

/** Status line and header lines of a raw answer, `Date` left out; the body separately. */
function split(answer: string): { head: string[]; body: string } {
  const end = answer.indexOf('\r\n\r\n');
  const head = answer
    .slice(0, end)
    .split('\r\n')
    .filter((line) => !line.startsWith('Date: '));
  return { head, body: answer.slice(end + 4) };
}

const get = (method: string, path: string, headers = '') =>
  `${method} ${path} HTTP/1.1\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`;

describe('header lines on the wire', () => {
  test('JSON: server, content-type, extra headers (lower-cased, overriding in place), content-length', async () => {
    api = await startApi(statusOf('primary'), {
      restapi: { http_extra_headers: { 'X-Frame-Options': 'DENY', 'Content-TYPE': 'text/x' } },
    });
    const { head, body } = split(await rawExchange(api.port, get('GET', '/history')));
    expect(head).toEqual([
      'HTTP/1.1 200 OK',
      SERVER,
      'content-type: text/x',
      'x-frame-options: DENY',
      `content-length: ${Buffer.byteLength(body)}`,
      'Connection: close',
    ]);
  });

  test('status-only: OPTIONS and probes carry content-length 0, HEAD nothing of ours', async () => {
    api = await startApi(statusOf('primary'));
    for (const [method, path] of [
      ['OPTIONS', '/primary'],
      ['GET', '/readiness'],
    ] as const) {
      const { head } = split(await rawExchange(api.port, get(method, path)));
      expect(head).toEqual(['HTTP/1.1 200 OK', 'content-length: 0', 'Connection: close']);
    }
    const head = await rawExchange(api.port, get('HEAD', '/replica'));
    expect(split(head)).toEqual({
      head: ['HTTP/1.1 503 Service Unavailable', 'Connection: close'],
      body: '',
    });
  });

  test('401 carries www-authenticate after server; error pages say text/html;charset=utf-8', async () => {
    api = await startApi(statusOf('replica'), {
      restapi: { authentication: { username: 'admin', password: 'x' } },
    });
    const refused = split(await rawExchange(api.port, get('POST', '/reload')));
    expect(refused.head).toEqual([
      'HTTP/1.1 401 Unauthorized',
      SERVER,
      'www-authenticate: Basic realm="Patroni"',
      'content-type: text/html',
      'content-length: 23',
      'Connection: close',
    ]);
    expect(refused.body).toBe('no auth header received');
    const page = split(await rawExchange(api.port, get('QUERY', '/x')));
    expect(page.head.slice(0, 3)).toEqual([
      'HTTP/1.1 501 Not Implemented',
      SERVER,
      'content-type: text/html;charset=utf-8',
    ]);
    expect(page.body).toContain("<p>Message: Unsupported method ('QUERY')</p>");
  });
});

describe('request bodies', () => {
  const big = JSON.stringify({ ttl: 'x'.repeat(70 * 1024) });

  test('a chunked body over the limit gets 413 and a closed connection, before access checks', async () => {
    api = await startApi(statusOf('replica'), {
      restapi: { authentication: { username: 'admin', password: 'x' } },
    });
    const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
    const answer = await rawExchange(
      api.port,
      `PATCH /config HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunk(big)}0\r\n\r\n`,
    );
    expect(split(answer).head.slice(0, 3)).toEqual([
      'HTTP/1.1 413 Payload Too Large',
      'connection: close',
      SERVER,
    ]);
    expect(api.commands.calls).toEqual([]);
  });

  test('a declared Content-Length over the limit is refused before the body arrives', async () => {
    api = await startApi(statusOf('replica'));
    const answer = await rawExchange(
      api.port,
      'POST /reload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(api.commands.calls).toEqual([]);
  });

  test('bodies sent with GET are not read (no 413) and the connection stays usable', async () => {
    api = await startApi(statusOf('primary'));
    const answer = await rawExchange(
      api.port,
      `GET /liveness HTTP/1.1\r\nHost: x\r\nContent-Length: ${big.length}\r\n\r\n${big}${get('GET', '/liveness')}`,
    );
    expect(answer.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
  });
});

describe('failures', () => {
  test('a throwing handler answers a 500 page and logs Exception in <METHOD> <url>', async () => {
    const errors: string[] = [];
    api = await startApi(statusOf('primary'), {
      extra: { logger: { ...silentLogger, error: (message: string) => errors.push(message) } },
    });
    const harness = api;
    Object.defineProperty(harness, 'status', {
      get() {
        throw new Error('boom');
      },
    });
    expect((await request(harness.port, '/liveness?x=1')).status).toBe(500);
    const head = await rawExchange(harness.port, get('HEAD', '/history'));
    expect(split(head).head).toEqual([
      'HTTP/1.1 500 Internal Server Error',
      SERVER,
      'content-type: text/html;charset=utf-8',
      'content-length: 203',
      'Connection: close',
    ]);
    expect(errors).toEqual(['Exception in GET /liveness?x=1: boom', 'Exception in HEAD /history: boom']);
  });

  test('what node cannot parse gets a short 400/431 and a closed connection', async () => {
    api = await startApi(statusOf('primary'));
    const garbage = split(await rawExchange(api.port, 'GARBAGE\r\n\r\n'));
    expect(garbage).toEqual({
      head: ['HTTP/1.1 400 Bad Request', 'Content-Length: 65', 'Content-Type: application/json'],
      body: '{"error":"Bad Request","message":"Client Error","statusCode":400}',
    });
    const overflow = await rawExchange(api.port, `GET / HTTP/1.1\r\nX: ${'b'.repeat(20_000)}\r\n\r\n`);
    expect(overflow).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
  });
});

describe('close', () => {
  test('close() drops busy and idle connections and resolves promptly', async () => {
    api = await startApi(statusOf('primary'));
    const harness = api;
    let started = false;
    harness.commands.switchover = () => {
      started = true;
      return new Promise(() => {});
    };
    const idle = net.connect(harness.port, '127.0.0.1');
    const idleClosed = new Promise((resolve) => idle.on('close', resolve));
    const busy = rawExchange(
      harness.port,
      `POST /switchover HTTP/1.1\r\nHost: x\r\nContent-Length: 18\r\n\r\n{"leader":"node2"}`,
    );
    const deadline = Date.now() + 5000;
    while (!started && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(started).toBe(true);
    const closing = Date.now();
    await harness.close();
    api = null;
    expect(await busy).toBe('');
    await idleClosed;
    expect(Date.now() - closing).toBeLessThan(2000);
  });
});
