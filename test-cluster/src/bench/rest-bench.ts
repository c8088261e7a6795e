/**
 * `pnpm bench:rest`: one single-node Python Patroni 3.0.2 cluster and one of ours on the same etcd, both
 * leaders; GET /health, /primary and /patroni under autocannon on loopback against each, in one run.
 * Prints requests/s, p99 latency and the ratio (target: ≥ 20x Patroni's req/s on /health, p99 < 5 ms).
 * Two clients: a new connection per HTTP/1.0 request for both (HAProxy's way; the only one Patroni 3.0.2's
 * close-delimited answers allow), and autocannon with keep-alive for ours alone.
 *
 *   bash src/bench/run-bench.sh rest-bench [--duration 10] [--connections 10] [--pipelining 1] [--json f]
 */
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { makeTempDir, startEtcd } from '@patroni/testkit';
import { ourAgentCommand } from '../e2e/our-agent.js';
import { type PythonPatroniCluster, startPythonPatroniCluster } from '../python-patroni/index.js';
import { type LoadFigures, type LoadOptions, runAutocannon } from './autocannon.js';
import { runFreshConnectionLoad } from './fresh-connection-load.js';
import { PROFILES } from './ha-figures.js';
import { type ComparisonRow, formatComparison } from './stats.js';

const PATHS = ['/health', '/primary', '/patroni'] as const;

function numberOption(argv: readonly string[], name: string, fallback: number): number {
  const index = argv.indexOf(`--${name}`);
  if (index === -1) return fallback;
  const value = Number(argv[index + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} needs a whole number ≥ 1`);
  return value;
}

type Client = 'fresh-connection' | 'keep-alive';

async function measureAll(
  port: number,
  load: LoadOptions,
  client: Client,
  tag: string,
): Promise<Map<string, LoadFigures>> {
  const figures = new Map<string, LoadFigures>();
  for (const path of PATHS) {
    const f =
      client === 'keep-alive'
        ? await runAutocannon(`http://127.0.0.1:${port}${path}`, load)
        : await runFreshConnectionLoad(port, path, load);
    figures.set(path, f);
    console.log(
      `${tag.padEnd(7)} ${path.padEnd(9)} ${f.requestsPerSec.toFixed(0).padStart(7)} req/s  p99 ${f.p99Ms.toFixed(2)} ms  non-2xx ${f.non2xx}  errors ${f.errors}`,
    );
  }
  return figures;
}

function rows(
  theirs: Map<string, LoadFigures>,
  ours: Map<string, LoadFigures>,
  healthTarget: string,
): ComparisonRow[] {
  return PATHS.flatMap((path) => [
    {
      label: `GET ${path}`,
      unit: 'req/s',
      theirs: theirs.get(path)?.requestsPerSec,
      ours: ours.get(path)?.requestsPerSec,
      target: path === '/health' ? healthTarget : '',
      digits: 0,
    },
    {
      label: `GET ${path} p99`,
      unit: 'ms',
      theirs: theirs.get(path)?.p99Ms,
      ours: ours.get(path)?.p99Ms,
      target: '< 5 ms',
      digits: 2,
    },
  ]);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const load = {
    durationS: numberOption(argv, 'duration', 10),
    connections: numberOption(argv, 'connections', 10),
    pipelining: numberOption(argv, 'pipelining', 1),
  };
  const jsonIndex = argv.indexOf('--json');
  const jsonFile = jsonIndex === -1 ? undefined : argv[jsonIndex + 1];
  const loadBefore = loadavg().map((l) => l.toFixed(2));
  console.log(
    `bench:rest on ${cpus().length} cores, load average ${loadBefore.join(' ')}; autocannon ` +
      `${load.connections} connections, pipelining ${load.pipelining}, ${load.durationS} s per path, loopback`,
  );
  const dir = await makeTempDir('bench-rest');
  const etcd = await startEtcd();
  const clusters: PythonPatroniCluster[] = [];
  try {
    const start = async (scope: string, ours: boolean) => {
      const cluster = await startPythonPatroniCluster({
        nodes: 1,
        etcdEndpoint: etcd.endpoint,
        scope,
        dcs: 'etcd3',
        dir: `${dir.path}/${scope}`,
        timing: PROFILES.fast,
        ...(ours ? { agentCommand: ourAgentCommand } : {}),
      });
      clusters.push(cluster);
      await cluster.waitForLeader(120_000);
      const node = cluster.nodes[0];
      if (!node) throw new Error('cluster without nodes');
      return node.restPort;
    };
    const [pythonPort, ourPort] = await Promise.all([start('rest-python', false), start('rest-ours', true)]);
    const theirs = await measureAll(pythonPort, load, 'fresh-connection', 'python');
    const ours = await measureAll(ourPort, load, 'fresh-connection', 'ours');
    const oursKeepAlive = await measureAll(ourPort, load, 'keep-alive', 'ours/ka');
    const title = '\nREST API, single-node clusters (leaders), one etcd';
    console.log(
      formatComparison(`${title}: a new connection per HTTP/1.0 request, both`, rows(theirs, ours, '≥ 20x')),
    );
    console.log(
      formatComparison(
        `${title}: Python as above vs ours with keep-alive (autocannon)`,
        rows(theirs, oursKeepAlive, '≥ 20x'),
        {
          theirs: 'Patroni 3.0.2',
          ours: 'ours keep-alive',
        },
      ),
    );
    const loadAfter = loadavg().map((l) => l.toFixed(2));
    console.log(`load average at the end: ${loadAfter.join(' ')}`);
    if (jsonFile) {
      const document = {
        machine: { cores: cpus().length, loadBefore, loadAfter },
        load,
        freshConnection: { python: Object.fromEntries(theirs), ours: Object.fromEntries(ours) },
        keepAlive: { ours: Object.fromEntries(oursKeepAlive) },
      };
      await writeFile(jsonFile, `${JSON.stringify(document, null, 2)}\n`);
      console.log(`figures written to ${jsonFile}`);
    }
  } finally {
    for (const cluster of clusters) {
      const leftovers = await cluster.stopAll();
      if (leftovers.length > 0) console.error(`processes left running: ${leftovers.join(', ')}`);
    }
    await etcd.stop();
    await dir.remove();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
