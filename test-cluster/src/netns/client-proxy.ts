// The test process lives in the root namespace, which cannot reach 10.200.0.x. An HAProxy in the client
// namespace bridges the gap with Unix sockets (a pathname socket works across network namespaces): one that
// follows the primary (health check GET /primary, as Patroni's docs recommend) and one plain forwarder per
// node's PostgreSQL and REST API and for etcd. Connections through it come from the client host, which no
// partition cuts, so the test sees what a client next to every member would see.
import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { type ManagedProcess, spawnManaged, waitUntil } from '@patroni/testkit';
import { serversSettled, showStat } from '../harness/haproxy.js';
import type { NetnsHost, NetnsTopology } from './topology.js';

export const PG_PORT = 5432;
export const REST_PORT = 8008;
export const ETCD_CLIENT_PORT = 2379;

export interface ClientProxy {
  readonly process: ManagedProcess;
  /** A directory holding `.s.PGSQL.5432` that reaches the current primary (libpq `host=`). */
  readonly primarySocketDir: string;
  /** A directory holding `.s.PGSQL.5432` that reaches `node`'s PostgreSQL. */
  pgSocketDir(node: string): string;
  /** A socket reaching `node`'s REST API. */
  restSocket(node: string): string;
  readonly etcdSocket: string;
  /** Resolves once the primary router's health checks have all run and settled (UP or DOWN). */
  waitSettled(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function renderClientProxyConfig(
  dir: string,
  nodes: readonly NetnsHost[],
  etcd: NetnsHost,
  statsSocket: string,
): string {
  const forwarder = (name: string, bind: string, target: string) => [
    `listen ${name}`,
    `    bind ${bind}`,
    `    server ${name} ${target}`,
  ];
  return [
    'global',
    '    maxconn 400',
    `    stats socket ${statsSocket} mode 600 level operator`,
    'defaults',
    '    mode tcp',
    '    retries 2',
    '    timeout client 30m',
    '    timeout connect 2s',
    '    timeout server 30m',
    '    timeout check 2s',
    'listen primary',
    `    bind ${join(dir, 'primary', `.s.PGSQL.${PG_PORT}`)}`,
    '    option httpchk GET /primary',
    '    http-check expect status 200',
    '    default-server inter 500ms fall 2 rise 1 on-marked-down shutdown-sessions',
    ...nodes.map((n) => `    server ${n.name} ${n.address}:${PG_PORT} maxconn 100 check port ${REST_PORT}`),
    ...nodes.flatMap((n) => [
      ...forwarder(
        `${n.name}_pg`,
        join(dir, `pg-${n.name}`, `.s.PGSQL.${PG_PORT}`),
        `${n.address}:${PG_PORT}`,
      ),
      ...forwarder(`${n.name}_rest`, join(dir, `rest-${n.name}.sock`), `${n.address}:${REST_PORT}`),
    ]),
    ...forwarder('etcd', join(dir, 'etcd.sock'), `${etcd.address}:${ETCD_CLIENT_PORT}`),
    '',
  ].join('\n');
}

/** Starts HAProxy (as root, foreground) inside `client`'s namespace; its sockets live under `dir`. */
export async function startClientProxy(
  topology: NetnsTopology,
  client: NetnsHost,
  nodes: readonly NetnsHost[],
  etcd: NetnsHost,
  dir: string,
): Promise<ClientProxy> {
  await mkdir(join(dir, 'primary'), { recursive: true });
  for (const n of nodes) await mkdir(join(dir, `pg-${n.name}`), { recursive: true });
  const configFile = join(dir, 'haproxy.cfg');
  const statsSocket = join(dir, 'haproxy-stats.sock');
  await writeFile(configFile, renderClientProxyConfig(dir, nodes, etcd, statsSocket));
  const proc = spawnManaged(
    topology.execPrefix(client)[0] ?? 'ip',
    [...topology.execPrefix(client).slice(1), 'haproxy', '-f', configFile, '-db'],
    { logFile: join(dir, 'haproxy.log') },
  );
  const proxy: ClientProxy = {
    process: proc,
    primarySocketDir: join(dir, 'primary'),
    pgSocketDir: (node) => join(dir, `pg-${node}`),
    restSocket: (node) => join(dir, `rest-${node}.sock`),
    etcdSocket: join(dir, 'etcd.sock'),
    waitSettled: (timeoutMs = 15_000) =>
      waitUntil(
        'HAProxy primary health checks settled',
        async () => serversSettled(onlyProxy(await showStat(statsSocket), 'primary')),
        timeoutMs,
      ),
    stop: () => proc.stop(),
  };
  try {
    const answers = async () => (await showStat(statsSocket)) !== '';
    await waitUntil('HAProxy in the client namespace', answers, 10_000);
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return proxy;
}

/** The CSV header and the rows of one proxy (`show stat` lists every proxy). */
function onlyProxy(csv: string, proxyName: string): string {
  const [header = '', ...rows] = csv.trim().split('\n');
  return [header, ...rows.filter((row) => row.startsWith(`${proxyName},`))].join('\n');
}

export interface UnixHttpAnswer {
  readonly status: number;
  readonly body: string;
}

/** An HTTP request over a Unix socket; undefined when nothing answered in time. */
export function httpOverSocket(
  socketPath: string,
  path: string,
  options: { method?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<UnixHttpAnswer | undefined> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve) => {
    const req = request(
      {
        socketPath,
        path,
        method: options.method ?? 'GET',
        headers: { host: 'localhost', ...(payload ? { 'content-type': 'application/json' } : {}) },
        timeout: options.timeoutMs ?? 2_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', () => resolve(undefined));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(undefined));
    req.end(payload);
  });
}
