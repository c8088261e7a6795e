import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort, type ManagedProcess, spawnManaged, waitForPort, waitUntil } from '@patroni/testkit';

/** One backend HAProxy routes to: Postgres on `pgPort`, health-checked on the agent's REST port. */
export interface HaproxyBackend {
  readonly name: string;
  readonly pgPort: number;
  readonly restPort: number;
}

export interface Haproxy {
  /** Connections here reach the member whose `/primary` answers 200. */
  readonly primaryPort: number;
  /** Connections here are balanced over members whose `/replica` answers 200. */
  readonly replicaPort: number;
  readonly process: ManagedProcess;
  /**
   * Resolves once every server's health check has run and none is half-way up or down: until then HAProxy
   * treats servers as up and may route the primary port to a replica.
   */
  waitSettled(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** The config Patroni's docs recommend: TCP proxying, HTTP health checks against the REST API. */
export function renderHaproxyConfig(
  backends: readonly HaproxyBackend[],
  primaryPort: number,
  replicaPort: number,
  statsSocket?: string,
) {
  const servers = (suffix: string) =>
    backends.map(
      (b) => `    server ${b.name}${suffix} 127.0.0.1:${b.pgPort} maxconn 100 check port ${b.restPort}`,
    );
  return [
    'global',
    '    maxconn 200',
    ...(statsSocket ? [`    stats socket ${statsSocket} mode 600 level operator`] : []),
    'defaults',
    '    mode tcp',
    '    log global',
    '    retries 2',
    '    timeout client 30m',
    '    timeout connect 2s',
    '    timeout server 30m',
    '    timeout check 2s',
    'listen primary',
    `    bind 127.0.0.1:${primaryPort}`,
    '    option httpchk GET /primary',
    '    http-check expect status 200',
    '    default-server inter 500ms fall 2 rise 1 on-marked-down shutdown-sessions',
    ...servers(''),
    'listen replicas',
    `    bind 127.0.0.1:${replicaPort}`,
    '    balance roundrobin',
    '    option httpchk GET /replica',
    '    http-check expect status 200',
    '    default-server inter 500ms fall 2 rise 1 on-marked-down shutdown-sessions',
    ...servers('_replica'),
    '',
  ].join('\n');
}

/** Starts Debian's HAProxy in the foreground (`-db`) with a config for `backends`, in `dir`. */
export async function startHaproxy(dir: string, backends: readonly HaproxyBackend[]): Promise<Haproxy> {
  const primaryPort = await freePort();
  const replicaPort = await freePort();
  const configFile = join(dir, 'haproxy.cfg');
  const statsSocket = join(dir, 'haproxy.sock');
  await writeFile(configFile, renderHaproxyConfig(backends, primaryPort, replicaPort, statsSocket));
  const proc = spawnManaged('haproxy', ['-f', configFile, '-db'], { logFile: join(dir, 'haproxy.log') });
  await waitForPort(primaryPort, 10_000);
  await waitForPort(replicaPort, 10_000);
  return {
    primaryPort,
    replicaPort,
    process: proc,
    waitSettled: (timeoutMs = 15_000) =>
      waitUntil(
        'HAProxy health checks settled',
        async () => serversSettled(await showStat(statsSocket)),
        timeoutMs,
      ),
    stop: () => proc.stop(),
  };
}

/** `show stat` over the stats socket: CSV, one row per proxy/server. */
export function showStat(socketPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = connect(socketPath);
    socket.on('connect', () => socket.write('show stat\n'));
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

/** Every server row has a finished check and a steady state (`UP` or `DOWN`, not `UP 1/2` or `INI`). */
export function serversSettled(csv: string): boolean {
  const [header, ...rows] = csv.trim().split('\n');
  if (!header) return false;
  const columns = header.replace(/^# /, '').split(',');
  const at = (name: string) => columns.indexOf(name);
  const servers = rows
    .map((row) => row.split(','))
    .filter((cells) => !['FRONTEND', 'BACKEND'].includes(cells[at('svname')] ?? ''));
  return (
    servers.length > 0 &&
    servers.every((cells) => {
      const status = cells[at('status')] ?? '';
      const check = cells[at('check_status')] ?? '';
      return (status === 'UP' || status === 'DOWN') && check !== '' && !check.startsWith('INI');
    })
  );
}
