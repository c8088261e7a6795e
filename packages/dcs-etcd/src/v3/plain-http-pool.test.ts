import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { frameAnswer, PlainHttpPool } from './plain-http-pool.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('frameAnswer', () => {
  it('splits a Content-Length answer and keeps what follows', () => {
    const framed = frameAnswer(bytes('HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n{"a":1}HTTP/1.1'));
    expect(framed).not.toBe('incomplete');
    if (framed === 'incomplete') return;
    expect(framed.answer).toEqual({ status: 200, body: '{"a":1}' });
    expect(framed.rest.toString()).toBe('HTTP/1.1');
    expect(framed.close).toBe(false);
  });

  it('waits for the whole header and the whole body', () => {
    expect(frameAnswer(bytes('HTTP/1.1 200 OK\r\nContent-Len'))).toBe('incomplete');
    expect(frameAnswer(bytes('HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n{"a"'))).toBe('incomplete');
  });

  it('joins a chunked body, multi-byte characters split across chunks included', () => {
    const euro = Buffer.from('€', 'utf8');
    const answer = Buffer.concat([
      bytes('HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n"x'),
      euro.subarray(0, 1),
      bytes('\r\n3;ext=1\r\n'),
      euro.subarray(1),
      bytes('"\r\n0\r\n\r\n'),
    ]);
    const framed = frameAnswer(answer);
    expect(framed).not.toBe('incomplete');
    if (framed === 'incomplete') return;
    expect(framed.answer).toEqual({ status: 404, body: '"x€"' });
    expect(framed.rest.length).toBe(0);
    expect(frameAnswer(answer.subarray(0, answer.length - 2))).toBe('incomplete');
  });

  it('notes Connection: close and HTTP/1.0', () => {
    const closing = frameAnswer(bytes('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}'));
    const old = frameAnswer(bytes('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}'));
    expect(closing !== 'incomplete' && closing.close).toBe(true);
    expect(old !== 'incomplete' && old.close).toBe(true);
  });

  it('names what is wrong with a malformed answer', () => {
    expect(() => frameAnswer(bytes('SSH-2.0-OpenSSH\r\n\r\n'))).toThrow(/not an HTTP answer/);
    expect(() => frameAnswer(bytes('HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n'))).toThrow(
      /Content-Length/,
    );
    expect(() => frameAnswer(bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'))).toThrow(
      /chunk size/,
    );
    expect(() => frameAnswer(bytes('HTTP/1.1 200 OK\r\n\r\n{}'))).toThrow(/Content-Length or chunked/);
  });
});

/** A loopback HTTP/1.1 server whose answers each test scripts; counts connections. */
async function scriptedServer(
  answer: (request: string, socket: Socket) => void,
): Promise<{ server: Server; endpoint: string; connections: () => number }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      for (;;) {
        const headerEnd = buffered.indexOf('\r\n\r\n');
        if (headerEnd < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(buffered.slice(0, headerEnd))?.[1] ?? 0);
        if (buffered.length < headerEnd + 4 + length) return;
        const request = buffered.slice(0, headerEnd + 4 + length);
        buffered = buffered.slice(request.length);
        answer(request, socket);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, endpoint: `http://127.0.0.1:${address.port}`, connections: () => connections };
}

const ok = (body: string) => `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('PlainHttpPool', () => {
  const opened: Array<{ close(): void }> = [];
  afterEach(() => {
    for (const o of opened.splice(0)) o.close();
  });
  const pool = () => {
    const p = new PlainHttpPool();
    opened.push(p);
    return p;
  };
  const serve = async (answer: (request: string, socket: Socket) => void) => {
    const s = await scriptedServer(answer);
    opened.push({ close: () => s.server.close() });
    return s;
  };

  it('sends method, path, Host, headers and body; reuses one connection for calls in turn', async () => {
    const requests: string[] = [];
    const { endpoint, connections } = await serve((request, socket) => {
      requests.push(request);
      socket.write(ok(`{"n":${requests.length}}`));
    });
    const p = pool();
    const port = new URL(endpoint).port;
    const first = await p.call(endpoint, 'POST', '/v3/kv/range', { Authorization: 't' }, '{"key":"a"}', 2000);
    const second = await p.call(endpoint, 'POST', '/v3/kv/range', {}, '{}', 2000);
    expect([first, second]).toEqual([
      { status: 200, body: '{"n":1}' },
      { status: 200, body: '{"n":2}' },
    ]);
    expect(requests[0]).toBe(
      `POST /v3/kv/range HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: t\r\n` +
        'Content-Type: application/json\r\nContent-Length: 11\r\n\r\n{"key":"a"}',
    );
    expect(connections()).toBe(1);
  });

  it('opens a connection per overlapping call', async () => {
    const { endpoint, connections } = await serve((_request, socket) => {
      setTimeout(() => socket.write(ok('{}')), 20);
    });
    const p = pool();
    const answers = await Promise.all(
      [1, 2, 3].map(() => p.call(endpoint, 'GET', '/x', {}, undefined, 2000)),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(connections()).toBe(3);
  });

  it('does not reuse a connection the server closes', async () => {
    const { endpoint, connections } = await serve((_request, socket) => {
      socket.end('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}');
    });
    const p = pool();
    await p.call(endpoint, 'GET', '/x', {}, undefined, 2000);
    await p.call(endpoint, 'GET', '/x', {}, undefined, 2000);
    expect(connections()).toBe(2);
  });

  it('rejects when the server hangs up mid-answer, and the next call gets a new connection', async () => {
    let calls = 0;
    const { endpoint, connections } = await serve((_request, socket) => {
      calls++;
      if (calls === 1) socket.end('HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n{"cut');
      else socket.write(ok('{}'));
    });
    const p = pool();
    await expect(p.call(endpoint, 'GET', '/x', {}, undefined, 2000)).rejects.toThrow(/closed/);
    await expect(p.call(endpoint, 'GET', '/x', {}, undefined, 2000)).resolves.toEqual({
      status: 200,
      body: '{}',
    });
    expect(connections()).toBe(2);
  });

  it('rejects a call with no answer within its timeout', async () => {
    const { endpoint } = await serve(() => {});
    const p = pool();
    const startedMs = Date.now();
    await expect(p.call(endpoint, 'GET', '/x', {}, undefined, 150)).rejects.toThrow(/timed out after 150 ms/);
    expect(Date.now() - startedMs).toBeLessThan(2000);
  });

  it('rejects a connection refused and a malformed answer', async () => {
    const { endpoint, server } = await serve((_request, socket) => socket.write('garbage\r\n\r\n'));
    const p = pool();
    await expect(p.call(endpoint, 'GET', '/x', {}, undefined, 2000)).rejects.toThrow(/not an HTTP answer/);
    await new Promise((resolve) => server.close(resolve));
    await expect(p.call(endpoint, 'GET', '/x', {}, undefined, 2000)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('refuses a header value with a line break (request splitting)', async () => {
    const { endpoint, connections } = await serve((_request, socket) => socket.write(ok('{}')));
    const p = pool();
    await expect(
      p.call(endpoint, 'GET', '/x', { Authorization: 't\r\nX-Evil: 1' }, undefined, 2000),
    ).rejects.toThrow(/invalid character in header Authorization/);
    expect(connections()).toBe(0);
  });

  it('refuses calls once closed', async () => {
    const p = pool();
    p.close();
    await expect(p.call('http://127.0.0.1:1', 'GET', '/x', {}, undefined, 100)).rejects.toThrow(/closed/);
  });
});
