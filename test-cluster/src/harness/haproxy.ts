import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, type ManagedProcess, spawnManaged, waitForPort } from '@patroni/testkit';

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
  stop(): Promise<void>;
}

/** The config Patroni's docs recommend: TCP proxying, HTTP health checks against the REST API. */
export function renderHaproxyConfig(
  backends: readonly HaproxyBackend[],
  primaryPort: number,
  replicaPort: number,
) {
  const servers = (suffix: string) =>
    backends.map(
      (b) => `    server ${b.name}${suffix} 127.0.0.1:${b.pgPort} maxconn 100 check port ${b.restPort}`,
    );
  return [
    'global',
    '    maxconn 200',
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
  await writeFile(configFile, renderHaproxyConfig(backends, primaryPort, replicaPort));
  const proc = spawnManaged('haproxy', ['-f', configFile, '-db'], { logFile: join(dir, 'haproxy.log') });
  await waitForPort(primaryPort, 10_000);
  await waitForPort(replicaPort, 10_000);
  return { primaryPort, replicaPort, process: proc, stop: () => proc.stop() };
}
