import { join } from 'node:path';
import { stringify } from 'yaml';

/** Patroni's three timing knobs, in seconds as in its YAML. */
export interface PatroniTiming {
  readonly ttl: number;
  readonly loopWait: number;
  readonly retryTimeout: number;
}

export type PatroniDcsKind = 'etcd3' | 'etcd' | 'zookeeper';

export interface PatroniPasswords {
  readonly superuser: string;
  readonly replication: string;
  readonly rewind: string;
}

/** Everything that differs between the nodes of one generated cluster. */
export interface PatroniNodeSpec {
  readonly scope: string;
  readonly namespace: string;
  readonly name: string;
  readonly dcs: PatroniDcsKind;
  /** `host:port` of each etcd endpoint. */
  readonly dcsHosts: readonly string[];
  readonly restPort: number;
  readonly pgPort: number;
  /** The node's own directory: data dir, socket dir, pgpass and logs live in it. */
  readonly nodeDir: string;
  readonly binDir: string;
  readonly timing: PatroniTiming;
  readonly passwords: PatroniPasswords;
  /** Adds `synchronous_mode` (and `synchronous_mode_strict` for 'strict') to bootstrap.dcs. */
  readonly synchronousMode?: 'off' | 'on' | 'strict';
}

/** A Patroni YAML document as a plain object (the shape of Patroni's postgres0.yml). */
export type PatroniConfig = Record<string, unknown>;

export const superuserName = 'postgres';
export const replicationUserName = 'replicator';
export const rewindUserName = 'rewind_user';

export function dataDirOf(nodeDir: string): string {
  return join(nodeDir, 'data');
}

/** The node's Patroni config: loopback addresses, its own dirs, md5 over TCP, pg_rewind and the timing. */
export function buildNodeConfig(spec: PatroniNodeSpec): PatroniConfig {
  const rest = `127.0.0.1:${spec.restPort}`;
  const pg = `127.0.0.1:${spec.pgPort}`;
  return {
    scope: spec.scope,
    namespace: spec.namespace,
    name: spec.name,
    log: { level: 'INFO' },
    restapi: { listen: rest, connect_address: rest },
    [spec.dcs]: { hosts: [...spec.dcsHosts] },
    bootstrap: {
      dcs: bootstrapDcs(spec),
      initdb: [{ encoding: 'UTF8' }, { locale: 'C.UTF-8' }, 'data-checksums'],
    },
    postgresql: {
      listen: pg,
      connect_address: pg,
      data_dir: dataDirOf(spec.nodeDir),
      bin_dir: spec.binDir,
      pgpass: join(spec.nodeDir, 'pgpass'),
      authentication: {
        superuser: { username: superuserName, password: spec.passwords.superuser },
        replication: { username: replicationUserName, password: spec.passwords.replication },
        rewind: { username: rewindUserName, password: spec.passwords.rewind },
      },
      parameters: {
        unix_socket_directories: spec.nodeDir,
        logging_collector: 'on',
        log_directory: join(spec.nodeDir, 'pglog'),
        log_filename: 'postgresql.log',
      },
      pg_hba: [
        'local all all trust',
        `host replication ${replicationUserName} 127.0.0.1/32 md5`,
        'host all all 127.0.0.1/32 md5',
      ],
    },
    // No /dev/watchdog for an unprivileged user; 'automatic' would only log a warning every start.
    watchdog: { mode: 'off' },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
  };
}

function bootstrapDcs(spec: PatroniNodeSpec): Record<string, unknown> {
  const sync = spec.synchronousMode ?? 'off';
  return {
    ttl: spec.timing.ttl,
    loop_wait: spec.timing.loopWait,
    retry_timeout: spec.timing.retryTimeout,
    maximum_lag_on_failover: 1_048_576,
    ...(sync === 'off' ? {} : { synchronous_mode: true, synchronous_mode_strict: sync === 'strict' }),
    postgresql: {
      use_pg_rewind: true,
      use_slots: true,
      parameters: {
        wal_level: 'replica',
        hot_standby: 'on',
        wal_log_hints: 'on',
        max_wal_senders: 10,
        max_replication_slots: 10,
        wal_keep_size: '128MB',
      },
    },
  };
}

/** What patronictl needs: the scope, the namespace and the same DCS. */
export function buildCtlConfig(spec: Pick<PatroniNodeSpec, 'scope' | 'namespace' | 'dcs' | 'dcsHosts'>) {
  return { scope: spec.scope, namespace: spec.namespace, [spec.dcs]: { hosts: [...spec.dcsHosts] } };
}

export function renderYaml(config: PatroniConfig): string {
  return stringify(config, { lineWidth: 0 });
}

/** Accepts `http://host:port`, `host:port` or a comma-separated list of either; returns `host:port` items. */
export function dcsHostsOf(endpoint: string): string[] {
  const hosts = endpoint
    .split(',')
    .map((item) =>
      item
        .trim()
        .replace(/^https?:\/\//, '')
        .replace(/\/+$/, ''),
    )
    .filter((item) => item.length > 0);
  for (const host of hosts) {
    if (!/^[^:/\s]+:\d{1,5}$/.test(host))
      throw new Error(`etcd endpoint ${JSON.stringify(host)} is not host:port`);
  }
  if (hosts.length === 0) throw new Error('no etcd endpoint given');
  return hosts;
}
