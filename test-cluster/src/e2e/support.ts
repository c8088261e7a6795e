// Shared pieces of the end-to-end failure tests: a cluster of real agents behind HAProxy, both patronictls,
// REST and SQL probes, and the writer's figures. Every wait polls with a deadline.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { type EtcdServer, makeTempDir, startEtcd, startZooKeeper, waitUntil } from '@patroni/testkit';
import pg from 'pg';
import { expect } from 'vitest';
import { type Haproxy, startHaproxy } from '../harness/haproxy.js';
import {
  type CommandResult,
  type PythonPatroniCluster,
  type PythonPatroniClusterOptions,
  type PythonPatroniNode,
  pythonPatroniCommand,
  startPythonPatroniCluster,
} from '../python-patroni/index.js';
import { startWriter, type Writer } from '../writer/index.js';
import { FAST_TIMING, ourAgentCommand } from './our-agent.js';

export { FAST_TIMING };

const OUR_PATRONICTL_BIN = resolve(import.meta.dirname, '../../../apps/agent/dist/bin/patronictl.js');

/** Cleanup steps run in reverse order; set E2E_KEEP=1 to keep the node dirs (logs) of a run. */
export class Cleanups {
  readonly #steps: (() => Promise<unknown>)[] = [];
  add(step: () => Promise<unknown>): void {
    this.#steps.push(step);
  }
  async run(): Promise<void> {
    for (const step of this.#steps.reverse()) await step().catch(() => undefined);
    this.#steps.length = 0;
  }
}

/** The DCS server of a cluster, whichever kind: tests stop and restart it. */
export interface DcsServer {
  pause(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface E2eCluster {
  readonly dir: string;
  /** The etcd server (a ZooKeeper cluster has none: use `dcsServer`). */
  readonly etcd: EtcdServer;
  readonly dcsServer: DcsServer;
  readonly cluster: PythonPatroniCluster;
  readonly haproxy: Haproxy;
  /** Superuser URL through HAProxy's primary port. */
  readonly primaryUrl: string;
  node(name: string): PythonPatroniNode;
  /** Our patronictl (`node apps/agent/dist/bin/patronictl.js -c <cfg> ...`). */
  ctl(args: readonly string[], timeoutMs?: number): Promise<CommandResult>;
  /** Debian's Python patronictl 3.0.2. */
  pyctl(args: readonly string[], timeoutMs?: number): Promise<CommandResult>;
}

export type E2eOptions = Partial<Omit<PythonPatroniClusterOptions, 'etcdEndpoint' | 'dir' | 'scope'>> & {
  /** Called with the started etcd before the agents start (e.g. to put a TcpProxy in front of it). */
  readonly beforeAgents?: (etcd: EtcdServer) => Promise<Partial<PythonPatroniClusterOptions>>;
};

export const SCOPE = 'e2e';

/** etcd, N of our agents (FAST_TIMING, etcd3), all running with one leader, HAProxy in front. */
export async function startE2eCluster(
  label: string,
  cleanups: Cleanups,
  options: E2eOptions = {},
): Promise<E2eCluster> {
  const dir = await makeTempDir(`e2e-${label}`);
  if (process.env.E2E_KEEP) console.log(`[${label}] node dirs kept in ${dir.path}`);
  else cleanups.add(dir.remove);
  const zookeeper = options.dcs === 'zookeeper' ? await startZooKeeper() : null;
  if (zookeeper) cleanups.add(zookeeper.stop);
  const etcd = await startEtcd();
  cleanups.add(etcd.stop);
  const extra = (await options.beforeAgents?.(etcd)) ?? {};
  const cluster = await startPythonPatroniCluster({
    nodes: 3,
    timing: FAST_TIMING,
    dcs: 'etcd3',
    agentCommand: ourAgentCommand,
    ...options,
    ...extra,
    etcdEndpoint: zookeeper ? zookeeper.connectString : etcd.endpoint,
    scope: SCOPE,
    dir: dir.path,
  });
  cleanups.add(async () => expect(await cluster.stopAll()).toEqual([]));
  await cluster.waitForAllRunning(90_000);
  const haproxy = await startHaproxy(
    dir.path,
    cluster.nodes.map((n) => ({ name: n.name, pgPort: n.pgPort, restPort: n.restPort })),
  );
  cleanups.add(haproxy.stop);
  await haproxy.waitSettled();
  const anyNode = cluster.nodes[0];
  if (!anyNode) throw new Error('cluster without nodes');
  const primaryUrl = anyNode.connectionString.replace(/:\d+\/postgres$/, `:${haproxy.primaryPort}/postgres`);
  const run = (command: readonly string[]) => (args: readonly string[], timeoutMs?: number) =>
    runCommand([...command, '-c', cluster.ctlConfigFile, ...args], timeoutMs);
  return {
    dir: dir.path,
    etcd,
    dcsServer: zookeeper ?? etcd,
    cluster,
    haproxy,
    primaryUrl,
    node: (name) => cluster.node(name),
    ctl: run([process.execPath, OUR_PATRONICTL_BIN]),
    pyctl: run([pythonPatroniCommand('patronictl')]),
  };
}

/** Runs a command; a non-zero exit is returned, never thrown. */
export function runCommand(argv: readonly string[], timeoutMs = 60_000): Promise<CommandResult> {
  const [program = 'false', ...args] = argv;
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PATRONI_')) env[key] = value;
  return new Promise((done) => {
    const child = execFile(program, args, { env, timeout: timeoutMs }, (error, stdout, stderr) => {
      const exitCode = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      done({ exitCode, stdout, stderr });
    });
    child.stdin?.end('');
  });
}

/** One query on a fresh connection (short timeouts); throws on any failure. */
export async function sql(connectionString: string, text: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({
    connectionString,
    connectionTimeoutMillis: 2_000,
    query_timeout: 3_000,
    statement_timeout: 2_500,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** True when a write transaction commits on that server right now. */
export async function acceptsWrites(connectionString: string): Promise<boolean> {
  try {
    await sql(connectionString, 'SELECT txid_current()');
    return true;
  } catch {
    return false;
  }
}

/** `primary` / `replica` from pg_is_in_recovery(), `down` when the server does not answer. */
export async function pgRole(connectionString: string): Promise<'primary' | 'replica' | 'down'> {
  try {
    const rows = await sql(connectionString, 'SELECT pg_is_in_recovery() AS r');
    return rows[0]?.r === true ? 'replica' : 'primary';
  } catch {
    return 'down';
  }
}

/** The names of the nodes whose PostgreSQL runs as a primary (out of recovery). */
export async function primaries(cluster: PythonPatroniCluster): Promise<string[]> {
  const roles = await Promise.all(cluster.nodes.map(async (n) => [n.name, await pgRole(n.connectionString)]));
  return roles.filter(([, role]) => role === 'primary').map(([name]) => name as string);
}

/** The fields of GET /patroni the tests read. */
export interface RestStatus {
  readonly role?: string;
  readonly state?: string;
  readonly pending_restart?: boolean;
  readonly timeline?: number;
  readonly xlog?: Record<string, unknown>;
  readonly sync_standby?: boolean;
  readonly failsafe_mode_is_active?: boolean;
}

/** GET /patroni of one node; undefined when it does not answer. */
export async function restStatus(node: PythonPatroniNode): Promise<RestStatus | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${node.restPort}/patroni`, {
      signal: AbortSignal.timeout(2_000),
    });
    return (await response.json()) as RestStatus;
  } catch {
    return undefined;
  }
}

/**
 * Waits until every running node answers GET /patroni with PostgreSQL figures (`xlog`), as a member must to be
 * a switchover candidate: right after a restart the status query fails and Patroni counts it unreachable.
 */
export async function waitForQueryableMembers(
  cluster: PythonPatroniCluster,
  timeoutMs = 30_000,
): Promise<void> {
  await waitUntil(
    'every running member reports its WAL position',
    async () => {
      const statuses = await Promise.all(cluster.nodes.filter((n) => n.isRunning()).map(restStatus));
      return statuses.every((s) => s?.state === 'running' && s.xlog !== undefined);
    },
    timeoutMs,
  );
}

/** A row written through HAProxy's primary port shows up on `node`: it replicates from the current primary. */
export async function waitForReplication(e2e: E2eCluster, node: PythonPatroniNode, timeoutMs = 30_000) {
  const marker = Math.floor(Math.random() * 1e9);
  // Retried: right after a leader change HAProxy may route a new connection to the old, read-only primary.
  await waitUntil(
    'a marker row written through HAProxy',
    async () => {
      try {
        await sql(e2e.primaryUrl, 'CREATE TABLE IF NOT EXISTS e2e_replication_marker (marker bigint)');
        await sql(e2e.primaryUrl, `INSERT INTO e2e_replication_marker VALUES (${marker})`);
        return true;
      } catch {
        return false;
      }
    },
    timeoutMs,
  );
  await waitUntil(
    `a write made on the primary reaches ${node.name}`,
    async () => {
      const rows = await sql(
        node.connectionString,
        `SELECT count(*)::int AS n FROM e2e_replication_marker WHERE marker = ${marker}`,
      ).catch(() => []);
      return rows[0]?.n === 1;
    },
    timeoutMs,
  );
}

/** POST a JSON body to one node's REST API; returns the status and the text answer. */
export async function restPost(
  node: PythonPatroniNode,
  path: string,
  body: unknown,
): Promise<{ status: number; text: string }> {
  const response = await fetch(`http://127.0.0.1:${node.restPort}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  return { status: response.status, text: await response.text() };
}

/** Waits for a leader other than `except`: answers GET /primary with 200 and its PostgreSQL is out of recovery. */
export async function waitForNewLeader(
  cluster: PythonPatroniCluster,
  except: string,
  timeoutMs: number,
): Promise<{ leader: string; elapsedMs: number }> {
  const startedMs = Date.now();
  let leader = '';
  await waitUntil(
    `a leader other than ${except}`,
    async () => {
      for (const node of cluster.nodes) {
        if (node.name === except || !node.isRunning()) continue;
        const answer = await fetch(`http://127.0.0.1:${node.restPort}/primary`, {
          signal: AbortSignal.timeout(1_000),
        }).catch(() => undefined);
        await answer?.arrayBuffer();
        // /primary answers 200 once the agent holds the leader key, as Patroni's does, which can be a
        // moment before its promote finishes: a leader here is one whose PostgreSQL left recovery too.
        if (answer?.status === 200 && (await pgRole(node.connectionString)) === 'primary') {
          leader = node.name;
          return true;
        }
      }
      return false;
    },
    timeoutMs,
  );
  return { leader, elapsedMs: Date.now() - startedMs };
}

/** `patronictl list -f json` rows. */
export interface ListedMember {
  readonly Member: string;
  readonly Role: string;
  readonly State: string;
  readonly 'Pending restart'?: string;
  readonly TL?: number;
}

export async function listMembers(
  ctl: E2eCluster['ctl'],
  extraArgs: readonly string[] = [],
): Promise<ListedMember[]> {
  const listed = await ctl(['list', '-f', 'json', ...extraArgs]);
  if (listed.exitCode !== 0) throw new Error(`patronictl list failed: ${listed.stderr}${listed.stdout}`);
  return JSON.parse(listed.stdout) as ListedMember[];
}

/** Waits until the writer acknowledged `count` more writes with no failure in flight. */
export async function waitForWrites(writer: Writer, count: number, timeoutMs: number): Promise<void> {
  const target = writer.progress().acknowledged + count;
  await waitUntil(
    `${count} more acknowledged writes`,
    () => {
      const progress = writer.progress();
      return progress.acknowledged >= target && !progress.inOutage;
    },
    timeoutMs,
  );
}

export interface WriterFigures {
  readonly acknowledged: number;
  readonly lost: number;
  readonly longestOutageMs: number;
}

/** Starts the writer through HAProxy's primary port. */
/**
 * A writer through HAProxy's primary port, returned once its table reached every running replica: a failure
 * scenario right after bootstrap must not lose the table itself with the last asynchronous commits.
 */
export async function startPrimaryWriter(e2e: E2eCluster): Promise<Writer> {
  const writer = await startWriter({ connectionString: e2e.primaryUrl });
  await waitForWrites(writer, 1, 30_000);
  const leader = await e2e.cluster.waitForLeader();
  for (const node of e2e.cluster.nodes.filter((n) => n.name !== leader && n.isRunning())) {
    await waitForReplication(e2e, node);
  }
  return writer;
}

/** Stops the writer, counts acknowledged writes missing on the current primary, prints the figures. */
export async function finishWriter(label: string, writer: Writer): Promise<WriterFigures> {
  const report = await writer.stop();
  let verified: Awaited<ReturnType<Writer['verify']>> | undefined;
  await waitUntil(
    'the primary answers the lost-write check',
    async () => {
      verified = await writer.verify().catch(() => undefined);
      return verified !== undefined;
    },
    30_000,
  );
  const figures = {
    acknowledged: report.acknowledgedIds.length,
    lost: verified?.lost ?? Number.NaN,
    longestOutageMs: Math.round(report.longestWindow?.durationMs ?? 0),
  };
  console.log(
    `[${label}] writer: ${figures.acknowledged} acknowledged, ${report.failedAttempts} failed attempts, ` +
      `${figures.lost} acknowledged writes lost, longest write outage ${figures.longestOutageMs} ms ` +
      `(${report.windows.length} windows)` +
      (verified?.lost ? `; lost ids (sample): ${verified.lostSample.join(', ')}` : ''),
  );
  return figures;
}

/** The bound on a failover's write outage: ttl + loop_wait + a few seconds of margin (busy 2-core machine). */
export const FAILOVER_BOUND_MS = (FAST_TIMING.ttl + FAST_TIMING.loopWait + 8) * 1000;
