import { type Cluster, formatLsn, parseBoolish, truthy } from '@patroni/ha-core';

/** One member as `GET /cluster` and patronictl describe it (rest-api.md §7, Patroni 4.x). */
export interface MemberView {
  readonly name: string;
  readonly role: string;
  readonly state: string;
  readonly api_url: string | null;
  readonly host?: string;
  readonly port?: number;
  readonly timeline?: number;
  readonly pending_restart?: boolean;
  readonly pending_restart_reason?: Readonly<Record<string, { old_value: string; new_value: string }>>;
  readonly scheduled_restart?: Readonly<Record<string, unknown>>;
  readonly tags?: Readonly<Record<string, unknown>>;
  readonly [lsnOrLag: string]: unknown;
}

export interface ClusterView {
  readonly members: readonly MemberView[];
  readonly pause?: true;
  readonly scheduled_switchover?: { readonly at: string; readonly from?: string; readonly to?: string };
  readonly scope: string;
}

/** `host` and `port` of a `postgres://host:port/db` URL. */
export function connHostPort(connUrl: unknown): { host?: string; port?: number } {
  if (typeof connUrl !== 'string') return {};
  try {
    const url = new URL(connUrl);
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (host === '') return {};
    return url.port === '' ? { host } : { host, port: Number(url.port) };
  } catch {
    return {};
  }
}

/** The dynamic-config switches patronictl's views depend on. */
export function configFlags(cluster: Cluster): {
  paused: boolean;
  standby: boolean;
  syncMode: 'off' | 'on' | 'quorum';
} {
  const data = cluster.config?.data ?? {};
  const standbyCluster = data.standby_cluster;
  const standby =
    typeof standbyCluster === 'object' &&
    standbyCluster !== null &&
    ['host', 'port', 'restore_command'].some((key) =>
      truthy((standbyCluster as Record<string, unknown>)[key]),
    );
  const raw = data.synchronous_mode;
  const syncMode =
    typeof raw === 'string' && raw.toLowerCase() === 'quorum'
      ? 'quorum'
      : parseBoolish(raw) === true
        ? 'on'
        : 'off';
  return { paused: truthy(data.pause), standby, syncMode: standby ? 'off' : syncMode };
}

function positions(
  view: Record<string, unknown>,
  cluster: Cluster,
  data: Readonly<Record<string, unknown>>,
): void {
  const lastLsn = Number(cluster.status.lastLsn);
  for (const [lsnKey, lagKey, value] of [
    ['receive_lsn', 'receive_lag', data.receive_lsn],
    ['replay_lsn', 'replay_lag', data.replay_lsn],
    ['lsn', 'lag', data.xlog_location],
  ] as const) {
    if (typeof value !== 'number' || value === 0) {
      view[lsnKey] = 'unknown';
      view[lagKey] = 'unknown';
    } else {
      view[lagKey] = Math.max(0, lastLsn - value);
      view[lsnKey] = formatLsn(value);
    }
  }
}

/** Patroni's `cluster_as_json` over a DCS snapshot. */
export function clusterAsJson(cluster: Cluster, scope: string): ClusterView {
  const flags = configFlags(cluster);
  const leaderName = cluster.leader?.name ?? null;
  const members = cluster.members.map((member): MemberView => {
    const data = member.data;
    let role = 'replica';
    if (member.name === leaderName) role = flags.standby ? 'standby_leader' : 'leader';
    else if (flags.syncMode !== 'off' && cluster.sync.syncStandbys.includes(member.name)) {
      role = flags.syncMode === 'quorum' ? 'quorum_standby' : 'sync_standby';
    }
    const replicationState =
      role !== 'leader' && typeof data.replication_state === 'string' ? data.replication_state : '';
    const view: Record<string, unknown> = {
      name: member.name,
      role,
      state: replicationState || (typeof data.state === 'string' ? data.state : ''),
      api_url: typeof data.api_url === 'string' ? data.api_url : null,
      ...connHostPort(data.conn_url),
    };
    for (const key of [
      'timeline',
      'pending_restart',
      'pending_restart_reason',
      'scheduled_restart',
      'tags',
    ] as const) {
      if (data[key] !== undefined) view[key] = data[key];
    }
    if (member.name !== leaderName) positions(view, cluster, data);
    return view as MemberView;
  });
  members.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const result: { -readonly [K in keyof ClusterView]: ClusterView[K] } = { members, scope };
  if (flags.paused) result.pause = true;
  const failover = cluster.failover;
  if (failover?.scheduledAt) {
    result.scheduled_switchover = {
      at: failover.scheduledAt,
      ...(failover.leader ? { from: failover.leader } : {}),
      ...(failover.candidate ? { to: failover.candidate } : {}),
    };
  }
  return result;
}
