/** Bad input, slow clients, keep-alive, the shared probe, and a fuzz run that must leave /health intact. */
import http from 'node:http';
import type net from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import { statusOf } from './test-support/builders.js';
import { type Harness, startApi } from './test-support/harness.js';
import { rawExchange, request } from './test-support/http-client.js';

let api: Harness | null = null;
afterEach(async () => {
  await api?.close();
  api = null;
});

describe('bad input', () => {
  test('a body over 64 KiB is refused with 413 and the server keeps serving', async () => {
    api = await startApi(statusOf('replica'));
    const big = JSON.stringify({ ttl: 'x'.repeat(70 * 1024) });
    expect((await request(api.port, '/config', { method: 'PATCH', body: big })).status).toBe(413);
    expect(api.commands.calls).toEqual([]);
    expect((await request(api.port, '/health')).status).toBe(200);
  });

  test('garbage on the wire gets a 4xx, not a crash', async () => {
    api = await startApi(statusOf('replica'));
    for (const bytes of [
      'GARBAGE\r\n\r\n',
      'GET /health HTTP/9.9\r\n\r\n',
      'GET /health HTTP/1.1\r\nContent-Length: abc\r\n\r\n',
      `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nX: ${'b'.repeat(20_000)}\r\n\r\n`,
      'BREW /coffee HTTP/1.1\r\nHost: x\r\n\r\n',
    ]) {
      const answer = await rawExchange(api.port, bytes);
      expect(answer).toMatch(/^HTTP\/1\.[01] (4\d\d|5\d\d) /);
    }
    expect((await request(api.port, '/health')).status).toBe(200);
  });

  test('absolute-form targets and odd paths route by their path', async () => {
    api = await startApi(statusOf('replica'));
    const answer = await rawExchange(
      api.port,
      'GET http://x/replica HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(answer.startsWith('HTTP/1.1 200 ')).toBe(true);
    expect((await request(api.port, '//replica/x/../y')).status).toBe(200);
    expect((await request(api.port, '/%ZZ?%%%=&&lag=abc')).status).toBe(503);
  });
});

describe('slow clients and connections', () => {
  test('a client that never finishes its headers gets 408 and is disconnected', async () => {
    api = await startApi(statusOf('replica'), {
      extra: { timeouts: { headersTimeoutMs: 500, requestTimeoutMs: 500 } },
    });
    const started = Date.now();
    const answer = await rawExchange(api.port, 'GET /health HTTP/1.1\r\nHost: x\r\n', 10_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('a body that never completes is cut off by the request timeout', async () => {
    api = await startApi(statusOf('replica'), {
      extra: { timeouts: { requestTimeoutMs: 500, headersTimeoutMs: 500 } },
    });
    const answer = await rawExchange(
      api.port,
      'POST /reload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"a"',
      10_000,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(api.commands.calls).toEqual([]);
  });

  test('HTTP/1.1 keep-alive: many requests share one connection', async () => {
    api = await startApi(statusOf('replica'));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const ports = new Set<number>();
    for (let i = 0; i < 5; i++) {
      const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port: api?.port, path: '/replica', agent }, resolve);
        req.on('error', reject);
      });
      ports.add((response.socket as net.Socket).localPort ?? 0);
      response.resume();
      await new Promise((resolve) => response.on('end', resolve));
      expect(response.headers.connection).toBe('keep-alive');
    }
    agent.destroy();
    expect(ports.size).toBe(1);
  });

  test('HTTP/1.0 clients (HAProxy checks) get an answer and a closed connection', async () => {
    api = await startApi(statusOf('primary'));
    const answer = await rawExchange(api.port, 'OPTIONS /primary HTTP/1.0\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  });
});

describe('the shared Postgres probe', () => {
  test('concurrent requests share one probe; a new probe after the cache age', async () => {
    api = await startApi(statusOf('replica'));
    api.commands.probeDelayMs = 50;
    const answers = await Promise.all(Array.from({ length: 30 }, () => request(api?.port ?? 0, '/replica')));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(api.commands.probeCount).toBe(1);
    await request(api.port, '/patroni');
    expect(api.commands.probeCount).toBe(1);
    api.nowMs += 1001;
    await request(api.port, '/patroni');
    expect(api.commands.probeCount).toBe(2);
  });

  test('a stopped postgres is not probed', async () => {
    api = await startApi(statusOf('replica', { state: 'stopped' }));
    const body = JSON.parse((await request(api.port, '/patroni')).body);
    expect(body).toMatchObject({ state: 'stopped', role: 'replica' });
    expect(api.commands.probeCount).toBe(0);
  });

  test('a hanging probe counts as no answer after the timeout', async () => {
    api = await startApi(statusOf('replica'));
    api.commands.probePostgres = () => new Promise(() => {});
    const started = Date.now();
    const body = JSON.parse((await request(api.port, '/patroni')).body);
    expect(body.state).toBe('unknown');
    expect(Date.now() - started).toBeLessThan(6000);
  });
});

describe('fuzz', () => {
  const method = fc.constantFrom(
    'GET',
    'HEAD',
    'OPTIONS',
    'POST',
    'PUT',
    'PATCH',
    'DELETE',
    'PROPFIND',
    'TRACE',
  );
  const segment = fc.constantFrom(
    '',
    'patroni',
    'cluster',
    'config',
    'restart',
    'switchover',
    'failover',
    'reinitialize',
    'reload',
    'failsafe',
    'metrics',
    'replica',
    'read-only',
    'liveness',
    'readiness',
    'history',
    '%00',
    '..',
    'ünï',
  );
  const queryString = fc.array(
    fc.tuple(
      fc.constantFrom('lag', 'tag_dc', 'mode', 'replication_state', 'x', ''),
      fc.string({ maxLength: 12 }),
    ),
    { maxLength: 4 },
  );
  const body = fc.oneof(
    fc.constant(undefined),
    fc.string({ maxLength: 200 }),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc
      .record(
        {
          leader: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
          candidate: fc.oneof(fc.string(), fc.constant('node1')),
          scheduled_at: fc.oneof(fc.string(), fc.constant('2030-01-01T00:00:00Z')),
          schedule: fc.string(),
          timeout: fc.oneof(fc.string(), fc.double()),
          force: fc.anything(),
        },
        { requiredKeys: [] },
      )
      .map((v) => JSON.stringify(v)),
  );

  test('random methods, paths, queries and bodies never break the server', async () => {
    api = await startApi(statusOf('replica'));
    const port = api.port;
    const healthBefore = await request(port, '/health');
    await fc.assert(
      fc.asyncProperty(
        method,
        fc.array(segment, { minLength: 1, maxLength: 3 }),
        queryString,
        body,
        async (m, segments, query, payload) => {
          const qs = query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
          const path = `/${segments.map((s) => (s.startsWith('%') ? s : encodeURIComponent(s))).join('/')}${qs ? `?${qs}` : ''}`;
          const response = await request(port, path, {
            method: m,
            ...(payload === undefined ? {} : { body: payload }),
          });
          expect(response.status).toBeGreaterThanOrEqual(200);
          expect(response.status).toBeLessThan(600);
        },
      ),
      { numRuns: 300 },
    );
    const healthAfter = await request(port, '/health');
    expect([healthAfter.status, healthAfter.body]).toEqual([healthBefore.status, healthBefore.body]);
  }, 60_000);
});
