/** `GET /metrics`: Prometheus text in Patroni 4.1's order, names, HELP texts and labels (rest-api.md §10). */
import { epochSecondsText } from './py-json.js';

/** Patroni's PostgresqlState indexes; these numbers never change (dashboards depend on them). */
const POSTGRES_STATES: ReadonlyArray<readonly [string, string]> = [
  ['initializing new cluster', 'initdb'],
  ['initdb failed', 'initdb_failed'],
  ['running custom bootstrap script', 'custom_bootstrap'],
  ['custom bootstrap failed', 'custom_bootstrap_failed'],
  ['creating replica', 'creating_replica'],
  ['running', 'running'],
  ['starting', 'starting'],
  ['starting after custom bootstrap', 'bootstrap_starting'],
  ['start failed', 'start_failed'],
  ['restarting', 'restarting'],
  ['restart failed', 'restart_failed'],
  ['stopping', 'stopping'],
  ['stopped', 'stopped'],
  ['stop failed', 'stop_failed'],
  ['crashed', 'crashed'],
];

export interface MetricsInput {
  readonly scope: string;
  readonly name: string;
  readonly patroniVersion: string;
  readonly doc: Readonly<Record<string, unknown>>;
}

function xlogField(doc: Readonly<Record<string, unknown>>, key: string): unknown {
  const xlog = doc.xlog;
  return typeof xlog === 'object' && xlog !== null ? (xlog as Record<string, unknown>)[key] : undefined;
}

const flag = (value: boolean): number => (value ? 1 : 0);
const numberOr0 = (value: unknown): number | string => (typeof value === 'number' ? value : 0);

/** `4.1.4` → `040104`. */
export function paddedVersion(version: string): string {
  return version
    .split('.')
    .map((part) => part.padStart(2, '0'))
    .join('');
}

export function renderMetrics(input: MetricsInput): string {
  const { doc } = input;
  const labels = `{scope="${input.scope}",name="${input.name}"}`;
  const lines: string[] = [];
  const metric = (name: string, type: string, help: string, value: number | string, extra?: string) => {
    lines.push(`# HELP ${name} ${help}`);
    if (extra) lines.push(extra);
    lines.push(`# TYPE ${name} ${type}`, `${name}${labels} ${value}`);
  };
  const role = doc.role;
  const replicationState = doc.replication_state;
  const replayedTimestamp = xlogField(doc, 'replayed_timestamp');
  metric('patroni_version', 'gauge', 'Patroni semver without periods.', paddedVersion(input.patroniVersion));
  metric(
    'patroni_postgres_running',
    'gauge',
    'Value is 1 if Postgres is running, 0 otherwise.',
    flag(doc.state === 'running'),
  );
  metric(
    'patroni_postmaster_start_time',
    'gauge',
    'Epoch seconds since Postgres started.',
    epochSecondsText(typeof doc.postmaster_start_time === 'string' ? doc.postmaster_start_time : null),
  );
  metric(
    'patroni_primary',
    'gauge',
    'Value is 1 if this node is the leader, 0 otherwise.',
    flag(role === 'primary'),
  );
  metric(
    'patroni_xlog_location',
    'counter',
    'Current location of the Postgres transaction log, 0 if this node is not the leader.',
    numberOr0(xlogField(doc, 'location')),
  );
  metric(
    'patroni_standby_leader',
    'gauge',
    'Value is 1 if this node is the standby_leader, 0 otherwise.',
    flag(role === 'standby_leader'),
  );
  metric(
    'patroni_replica',
    'gauge',
    'Value is 1 if this node is a replica, 0 otherwise.',
    flag(role === 'replica'),
  );
  metric(
    'patroni_sync_standby',
    'gauge',
    'Value is 1 if this node is a sync standby, 0 otherwise.',
    flag(Boolean(doc.sync_standby)),
  );
  metric(
    'patroni_quorum_standby',
    'gauge',
    'Value is 1 if this node is a quorum standby, 0 otherwise.',
    flag(Boolean(doc.quorum_standby)),
  );
  metric(
    'patroni_xlog_received_location',
    'counter',
    'Current location of the received Postgres transaction log, 0 if this node is not a replica.',
    numberOr0(xlogField(doc, 'received_location')),
  );
  metric(
    'patroni_xlog_replayed_location',
    'counter',
    'Current location of the replayed Postgres transaction log, 0 if this node is not a replica.',
    numberOr0(xlogField(doc, 'replayed_location')),
  );
  metric(
    'patroni_xlog_replayed_timestamp',
    'gauge',
    'Current timestamp of the replayed Postgres transaction log, 0 if null.',
    epochSecondsText(typeof replayedTimestamp === 'string' ? replayedTimestamp : null),
  );
  metric(
    'patroni_xlog_paused',
    'gauge',
    'Value is 1 if the Postgres xlog is paused, 0 otherwise.',
    flag(xlogField(doc, 'paused') === true),
  );
  if (typeof doc.server_version === 'number' && doc.server_version >= 90600) {
    metric(
      'patroni_postgres_streaming',
      'gauge',
      'Value is 1 if Postgres is streaming, 0 otherwise.',
      flag(replicationState === 'streaming'),
    );
    metric(
      'patroni_postgres_in_archive_recovery',
      'gauge',
      'Value is 1 if Postgres is replicating from archive, 0 otherwise.',
      flag(replicationState === 'in archive recovery'),
    );
  }
  metric(
    'patroni_postgres_server_version',
    'gauge',
    'Version of Postgres (if running), 0 otherwise.',
    numberOr0(doc.server_version),
  );
  metric(
    'patroni_cluster_unlocked',
    'gauge',
    'Value is 1 if the cluster is unlocked, 0 if locked.',
    flag(Boolean(doc.cluster_unlocked)),
  );
  metric(
    'patroni_failsafe_mode_is_active',
    'gauge',
    'Value is 1 if failsafe mode is active, 0 if inactive.',
    flag(Boolean(doc.failsafe_mode_is_active)),
  );
  metric(
    'patroni_postgres_timeline',
    'gauge',
    'Postgres timeline of this node (if running), 0 otherwise.',
    typeof doc.timeline === 'number' && doc.timeline ? doc.timeline : 0,
  );
  metric(
    'patroni_dcs_last_seen',
    'gauge',
    'Epoch timestamp when DCS was last contacted successfully by Patroni.',
    numberOr0(doc.dcs_last_seen),
  );
  metric(
    'patroni_pending_restart',
    'gauge',
    'Value is 1 if the node needs a restart, 0 otherwise.',
    flag(Boolean(doc.pending_restart)),
  );
  metric(
    'patroni_is_paused',
    'gauge',
    'Value is 1 if auto failover is disabled, 0 otherwise.',
    flag(Boolean(doc.pause)),
  );
  const stateIndex = POSTGRES_STATES.findIndex(([state]) => state === doc.state);
  const values = POSTGRES_STATES.map(([, name], index) => `${index}=${name}`).join(', ');
  metric(
    'patroni_postgres_state',
    'gauge',
    'Numeric representation of Postgres state.',
    stateIndex,
    `# Values: ${values}`,
  );
  return `${lines.join('\n')}\n`;
}
