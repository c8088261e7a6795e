import { execFile } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { deepMerge, isTree, type Tree } from './deep-merge.js';
import { configFromEnv } from './env-config.js';
import type { Env } from './load-config.js';

const FIXME = '#FIXME';

/** The built-in dynamic defaults (config.md §1.3 step 1, guarded parameters of §5.2). */
export function defaultDynamicConfig(): Tree {
  return {
    ttl: 30,
    loop_wait: 10,
    retry_timeout: 10,
    postgresql: {
      use_slots: true,
      parameters: {
        wal_level: 'hot_standby',
        hot_standby: 'on',
        max_connections: 100,
        max_wal_senders: 10,
        max_prepared_transactions: 0,
        max_locks_per_transaction: 64,
        track_commit_timestamp: 'off',
        max_replication_slots: 10,
        max_worker_processes: 8,
        wal_log_hints: 'on',
      },
    },
  };
}

/** The host name and its first address (IPv4 preferred), `#FIXME` when resolution fails. */
export async function hostAddress(): Promise<{ hostname: string; ip: string }> {
  try {
    const name = hostname();
    const { lookup } = await import('node:dns/promises'); // only for --generate-sample-config
    const addresses = await lookup(name, { all: true });
    const sorted = [...addresses].sort((a, b) => a.family - b.family);
    return { hostname: name, ip: sorted[0]?.address ?? FIXME };
  } catch {
    return { hostname: FIXME, ip: FIXME };
  }
}

/** The template both generators start from, overlaid with `PATRONI_*` values (config.md §9). */
export function templateConfig(address: { hostname: string; ip: string }, env: Env): Tree {
  const template: Tree = {
    scope: FIXME,
    name: address.hostname,
    restapi: { connect_address: `${address.ip}:8008`, listen: `${address.ip}:8008` },
    log: {
      type: 'plain',
      level: 'INFO',
      traceback_level: 'ERROR',
      format: '%(asctime)s %(levelname)s: %(message)s',
      max_queue_size: 1000,
    },
    postgresql: {
      data_dir: FIXME,
      connect_address: `${address.ip}:5432`,
      listen: `${address.ip}:5432`,
      bin_dir: '',
      authentication: {
        superuser: { username: 'postgres', password: FIXME },
        replication: { username: 'replicator', password: FIXME },
      },
    },
    tags: {
      failover_priority: 1,
      sync_priority: 1,
      noloadbalance: false,
      clonefrom: true,
      nosync: false,
      nostream: false,
    },
  };
  const fromEnv = configFromEnv(env).tree;
  const bootstrap = isTree(fromEnv.bootstrap) ? fromEnv.bootstrap : {};
  return deepMerge(template, { ...fromEnv, bootstrap: { ...bootstrap, dcs: defaultDynamicConfig() } });
}

/** `postgres --version` → major version as Patroni's integer (15 → 150000, 9.6 → 90600). */
export async function postgresMajorVersion(binDir: string, binary = 'postgres'): Promise<number> {
  const executable = binDir === '' ? binary : join(binDir, binary);
  const { stdout } = await promisify(execFile)(executable, ['--version']);
  const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(stdout);
  if (!match) throw new Error(`Failed to get PostgreSQL version from "${stdout.trim()}"`);
  const major = Number(match[1]);
  return major >= 10 ? major * 10000 : major * 10000 + Number(match[2] ?? 0) * 100;
}

/** Adds the version-specific parts of `--generate-sample-config` (config.md §9). */
export function applySampleDefaults(config: Tree, pgMajor: number): Tree {
  const postgresql = config.postgresql as Tree;
  const authentication = postgresql.authentication as Tree;
  const replication = authentication.replication as Tree;
  const method = pgMajor >= 100000 ? 'scram-sha-256' : 'md5';
  postgresql.parameters = { password_encryption: method };
  postgresql.pg_hba = [
    `host all all all ${method}`,
    `host replication ${String(replication.username)} all ${method}`,
  ];
  const dcs = (config.bootstrap as Tree).dcs as Tree;
  const dcsPostgresql = dcs.postgresql as Tree;
  const parameters = dcsPostgresql.parameters as Tree;
  if (pgMajor < 130000) parameters.wal_keep_segments = 8;
  else parameters.wal_keep_size = '128MB';
  parameters.wal_level = pgMajor < 90600 ? 'hot_standby' : 'replica';
  dcsPostgresql.use_pg_rewind = ['on', 'true', 'yes', '1'].includes(
    String(parameters.wal_log_hints).toLowerCase(),
  );
  if (pgMajor >= 110000) {
    authentication.rewind ??= { username: 'rewind_user' };
    const rewind = authentication.rewind as Tree;
    rewind.password ??= FIXME;
  }
  return config;
}

function block(value: Tree, prefix = ''): string {
  const text = stringify(value, {
    version: '1.1',
    sortMapEntries: true,
    indent: 2,
    indentSeq: false,
    lineWidth: 0,
    singleQuote: true,
  });
  return prefix + text.trim().replaceAll('\n', `\n${prefix}`);
}

/** Patroni's generated-config layout: ordered sections, commented bootstrap block, blank line before maps. */
export function formatGeneratedConfig(config: Tree): string {
  const lines: string[] = [];
  const section = (name: string) => {
    if (!(name in config)) return;
    if (isTree(config[name])) lines.push('');
    lines.push(block({ [name]: config[name] }));
  };
  for (const name of [
    'scope',
    'namespace',
    'name',
    'log',
    'restapi',
    'ctl',
    'citus',
    'consul',
    'etcd',
    'etcd3',
    'exhibitor',
    'kubernetes',
    'raft',
    'zookeeper',
  ]) {
    section(name);
  }
  const bootstrap = config.bootstrap;
  if (isTree(bootstrap)) {
    lines.push('\n# The bootstrap configuration. Works only when the cluster is not yet initialized.');
    lines.push(
      '# If the cluster is already initialized, all changes in the `bootstrap` section are ignored!',
    );
    lines.push('bootstrap:');
    if (isTree(bootstrap.dcs)) {
      lines.push(
        '  # This section will be written into <dcs>:/<namespace>/<scope>/config after initializing',
      );
      lines.push('  # new cluster and all other cluster members will use it as a `global configuration`.');
      lines.push('  # WARNING! If you want to change any of the parameters that were set up');
      lines.push('  # via `bootstrap.dcs` section, please use `patronictl edit-config`!');
      lines.push('  dcs:');
      const dcs = bootstrap.dcs;
      const first = ['loop_wait', 'retry_timeout', 'ttl'].filter((k) => k in dcs);
      const rest = Object.keys(dcs).filter((k) => !first.includes(k));
      for (const key of [...first, ...rest]) lines.push(block({ [key]: dcs[key] }, '    '));
    }
  }
  for (const name of ['postgresql', 'watchdog', 'tags']) section(name);
  return lines.join('\n');
}

/** `patroni --generate-sample-config`: the text to write. */
export async function generateSampleConfig(env: Env): Promise<string> {
  const config = templateConfig(await hostAddress(), env);
  const postgresql = config.postgresql as Tree;
  const binName =
    isTree(postgresql.bin_name) && typeof postgresql.bin_name.postgres === 'string'
      ? postgresql.bin_name.postgres
      : 'postgres';
  const pgMajor = await postgresMajorVersion(String(postgresql.bin_dir ?? ''), binName);
  return formatGeneratedConfig(applySampleDefaults(config, pgMajor));
}
