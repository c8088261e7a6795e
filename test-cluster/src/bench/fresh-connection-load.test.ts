import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { percentile, runFreshConnectionLoad } from './fresh-connection-load.js';

describe('percentile', () => {
  it('takes the nearest rank, and 0 without samples', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(samples, 0.99)).toBe(99);
    expect(percentile(samples, 0.5)).toBe(50);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.99)).toBe(0);
  });
});

describe('runFreshConnectionLoad', () => {
  it('counts answers from a server that closes each connection, and non-2xx ones apart', async () => {
    const server = createServer((request, response) => {
      response.statusCode = request.url === '/primary' ? 503 : 200;
      response.end('{}');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    try {
      const ok = await runFreshConnectionLoad(port, '/health', { durationS: 0.3, connections: 2 });
      expect(ok.requestsPerSec).toBeGreaterThan(10);
      expect(ok).toMatchObject({ non2xx: 0, errors: 0 });
      const unavailable = await runFreshConnectionLoad(port, '/primary', { durationS: 0.2, connections: 1 });
      expect(unavailable.non2xx).toBeGreaterThan(0);
    } finally {
      server.close();
    }
  });
});
