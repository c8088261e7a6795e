/**
 * REST API benchmark (a script, not a test): starts our server with a realistic status (the captured 3-node
 * cluster, leader node2) and drives GET /health, /primary and /patroni with autocannon on loopback, printing
 * requests/s and p99 latency. With `--compare <base-url>` (e.g. a Python Patroni REST API started by the
 * test-cluster benchmark) the same paths are measured there too and the ratio is printed.
 *
 *   node_modules/.bin/tsx packages/rest-api/bench/rest-bench.ts [--duration 10] [--connections 10]
 *       [--pipelining 1] [--compare http://127.0.0.1:18009]
 */
import autocannon from 'autocannon';
import { parseRestApiConfig } from '../src/config.js';
import { createRestApi } from '../src/server.js';
import { FakeCommands, primaryQuery, silentLogger, statusOf } from '../src/test-support/builders.js';

interface Figures {
  readonly requestsPerSec: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
}

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : (process.argv[index + 1] ?? fallback);
}

async function measure(
  url: string,
  durationS: number,
  connections: number,
  pipelining: number,
): Promise<Figures> {
  // The load generator runs in a worker thread so it does not share the server's event loop.
  const result = await autocannon({
    url,
    duration: durationS,
    connections,
    pipelining,
    method: 'GET',
    workers: 1,
  });
  return {
    requestsPerSec: result.requests.average,
    p99Ms: result.latency.p99,
    // /primary on a replica answers 503 by design; count them so a mismatch is visible.
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

function row(target: string, path: string, f: Figures): string {
  return `${target.padEnd(8)} ${path.padEnd(10)} ${f.requestsPerSec.toFixed(0).padStart(9)} req/s   p99 ${f.p99Ms
    .toFixed(2)
    .padStart(7)} ms   non-2xx ${f.non2xx}   errors ${f.errors}`;
}

async function main(): Promise<void> {
  const durationS = Number(option('duration', '10'));
  const connections = Number(option('connections', '10'));
  const pipelining = Number(option('pipelining', '1'));
  const compare = option('compare', '');
  // The agent refreshes the probe itself; a real probe costs a query once per second at most.
  const status = statusOf('primary', { nextRunAtMs: Number.MAX_SAFE_INTEGER });
  const frozenStatus = {
    ...status,
    dcsLastSeenMs: Number.MAX_SAFE_INTEGER - 60_000,
    leaderUntilMs: Number.MAX_SAFE_INTEGER,
  };
  const api = createRestApi({
    config: parseRestApiConfig({ listen: '127.0.0.1:0', request_queue_size: 1024 }),
    getStatus: () => frozenStatus,
    commands: new FakeCommands(primaryQuery()),
    logger: silentLogger,
  });
  const { port } = await api.listen();
  const paths = ['/health', '/primary', '/patroni'];
  console.log(
    `autocannon: ${connections} connections, pipelining ${pipelining}, ${durationS} s per path, loopback`,
  );
  const ours = new Map<string, Figures>();
  try {
    for (const path of paths) {
      const figures = await measure(`http://127.0.0.1:${port}${path}`, durationS, connections, pipelining);
      ours.set(path, figures);
      console.log(row('ours', path, figures));
    }
  } finally {
    await api.close();
  }
  if (!compare) return;
  for (const path of paths) {
    const theirs = await measure(`${compare.replace(/\/$/, '')}${path}`, durationS, connections, pipelining);
    console.log(row('other', path, theirs));
    const mine = ours.get(path);
    if (mine && theirs.requestsPerSec > 0) {
      console.log(
        `ratio    ${path.padEnd(10)} ${(mine.requestsPerSec / theirs.requestsPerSec).toFixed(1)}x req/s`,
      );
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
