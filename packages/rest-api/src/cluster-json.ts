/** `GET /cluster` body (rest-api.md §7, Patroni 4.x form with receive/replay/lsn lag pairs). */
import type { Cluster, Member } from '@patroni/ha-core';
import { formatLsn, parseBoolish, parseIntLenient, syncMatches } from '@patroni/ha-core';
import { isQuorumCommitMode, isStandbyCluster, isSynchronousMode } from './global-config.js';
import { formatPythonDatetime, parseTimestamp } from './py-json.js';

type DynamicConfig = Readonly<Record<string, unknown>>;

const OPTIONAL_MEMBER_KEYS = [
  'timeline',
  'pending_restart',
  'pending_restart_reason',
  'scheduled_restart',
  'tags',
];

function roleOf(cluster: Cluster, config: DynamicConfig, member: Member): string {
  if (member.name === cluster.leader?.name) return isStandbyCluster(config) ? 'standby_leader' : 'leader';
  if (isSynchronousMode(config) && syncMatches(cluster.sync, member.name, false)) {
    return isQuorumCommitMode(config) ? 'quorum_standby' : 'sync_standby';
  }
  return 'replica';
}

function hostPortOf(connUrl: unknown): { host?: string; port?: number } {
  if (typeof connUrl !== 'string' || connUrl === '') return {};
  try {
    const url = new URL(connUrl);
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
    if (!host) return {};
    return { host, port: url.port ? Number(url.port) : 5432 };
  } catch {
    return {};
  }
}

function addLagPairs(out: Record<string, unknown>, member: Member, clusterLsn: number): void {
  for (const prefix of ['receive_', 'replay_', '']) {
    const lsnKey = `${prefix}lsn`;
    const lagKey = `${prefix}lag`;
    const raw = prefix === '' ? member.data.xlog_location : member.data[lsnKey];
    const lsn = parseIntLenient(raw);
    if (!lsn) {
      out[lsnKey] = 'unknown';
      out[lagKey] = 'unknown';
    } else {
      out[lagKey] = Math.max(0, clusterLsn - lsn);
      out[lsnKey] = formatLsn(lsn);
    }
  }
}

function memberJson(cluster: Cluster, config: DynamicConfig, member: Member): Record<string, unknown> {
  const role = roleOf(cluster, config, member);
  const data = member.data;
  const replicationState = role !== 'leader' ? data.replication_state : '';
  const out: Record<string, unknown> = {
    name: member.name,
    role,
    state: replicationState || data.state || '',
    api_url: data.api_url ?? null,
    ...hostPortOf(data.conn_url),
  };
  for (const key of OPTIONAL_MEMBER_KEYS) {
    if (key in data) out[key] = data[key];
  }
  if (member.name !== cluster.leader?.name) addLagPairs(out, member, cluster.status.lastLsn);
  return out;
}

function isoOf(text: string): string {
  const parsed = parseTimestamp(text);
  return parsed ? formatPythonDatetime(parsed, 'T') : text;
}

/** The body of `GET /cluster`; `fallbackConfig` is used when the cluster has no `/config`. */
export function clusterJson(
  cluster: Cluster,
  scope: string,
  fallbackConfig: DynamicConfig,
): Record<string, unknown> {
  const config = cluster.config?.modifyVersion ? cluster.config.data : fallbackConfig;
  const members = cluster.members
    .map((member) => memberJson(cluster, config, member))
    .sort((a, b) => (String(a.name) < String(b.name) ? -1 : String(a.name) > String(b.name) ? 1 : 0));
  const out: Record<string, unknown> = { members };
  if (parseBoolish(config.pause) === true) out.pause = true;
  const failover = cluster.failover;
  if (failover?.scheduledAt) {
    const scheduled: Record<string, unknown> = { at: isoOf(failover.scheduledAt) };
    if (failover.leader) scheduled.from = failover.leader;
    if (failover.candidate) scheduled.to = failover.candidate;
    out.scheduled_switchover = scheduled;
  }
  out.scope = scope;
  return out;
}
