import { connect } from 'node:net';
import type { LoadFigures } from './autocannon.js';

/**
 * A closed-loop load generator that opens a new TCP connection for every request and sends HTTP/1.0, as
 * HAProxy's health checks do. Patroni 3.0.2 answers HTTP/1.0 without Content-Length and closes the
 * connection, which autocannon cannot count, so this is the one client that measures both servers alike.
 */
export async function runFreshConnectionLoad(
  port: number,
  path: string,
  options: { durationS: number; connections: number },
): Promise<LoadFigures> {
  const latenciesMs: number[] = [];
  let non2xx = 0;
  let errors = 0;
  const startedMs = performance.now();
  const endMs = startedMs + options.durationS * 1000;
  const loop = async () => {
    while (performance.now() < endMs) {
      const sentMs = performance.now();
      try {
        const status = await oneRequest(port, path);
        latenciesMs.push(performance.now() - sentMs);
        if (status < 200 || status > 299) non2xx++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.connections }, loop));
  const elapsedS = (performance.now() - startedMs) / 1000;
  return {
    requestsPerSec: latenciesMs.length / elapsedS,
    p99Ms: percentile(latenciesMs, 0.99),
    non2xx,
    errors,
  };
}

/** The value below which `fraction` of the samples fall (nearest rank); 0 without samples. */
export function percentile(samples: readonly number[], fraction: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(fraction * sorted.length)));
  return sorted[rank - 1] as number;
}

/** One GET on a new connection; resolves with the status code once the server closed the connection. */
function oneRequest(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setNoDelay(true);
    socket.setTimeout(10_000, () => socket.destroy(new Error('request timed out')));
    socket.once('connect', () => socket.write(`GET ${path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n`));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', reject);
    socket.once('end', () => {
      socket.destroy();
      const statusLine = Buffer.concat(chunks).toString('latin1', 0, 64);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
      if (Number.isInteger(status)) resolve(status);
      else reject(new Error(`no HTTP status line in ${JSON.stringify(statusLine)}`));
    });
  });
}
