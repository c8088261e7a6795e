/**
 * Patroni's `cluster_as_json` (rest-api.md §7, Patroni 4.x with receive/replay/lsn lag pairs): the body of
 * `GET /cluster` and what `patronictl list`/`topology` tabulate. One builder for both, so they cannot drift.
 */
import { syncMatches } from './cluster-queries.js';
import { formatLsn } from './lsn.js';
import type { Cluster, Member } from './types.js';
import { parseBoolish, parseIntLenient } from './value-parsing.js';

type DynamicConfigData = Readonly<Record<string, unknown>>;

/** One member as `cluster_as_json` describes it; the lsn/lag pairs are present for non-leaders only. */
export interface ClusterJsonMember {
  readonly name: string;
  readonly role: string;
  readonly state: unknown;
  readonly api_url: unknown;
  readonly host?: string;
  readonly port?: number;
  readonly timeline?: number;
  readonly pending_restart?: boolean;
  readonly pending_restart_reason?: Readonly<Record<string, { old_value: string; new_value: string }>>;
  readonly scheduled_restart?: Readonly<Record<string, unknown>>;
  readonly tags?: Readonly<Record<string, unknown>>;
  readonly [lsnOrLag: string]: unknown;
}

/** Keys in Patroni's order (`scope` is what the REST API appends). */
export interface ClusterJson {
  readonly members: readonly ClusterJsonMember[];
  readonly pause?: true;
  readonly scheduled_switchover?: { readonly at: string; readonly from?: string; readonly to?: string };
  readonly scope: string;
}

export interface ClusterJsonOptions {
  /**
   * The dynamic configuration used when the cluster has no `/config` (Patroni's `global_config` falls back to
   * the node's own; patronictl has none: empty).
   */
  readonly fallbackConfig?: DynamicConfigData;
  /** Renders `/failover`'s `scheduled_at` (Patroni prints its parse with `isoformat()`); default: as written. */
  readonly formatScheduledAt?: (text: string) => string;
}

const OPTIONAL_MEMBER_KEYS = [
  'timeline',
  'pending_restart',
  'pending_restart_reason',
  'scheduled_restart',
  'tags',
] as const;

/** Python's `bool(x)` for a JSON value. */
function pythonTruth(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object' && value !== null) return Object.keys(value).length > 0;
  return Boolean(value);
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `global_config.is_standby_cluster`: a `standby_cluster` section with a `host`, `port` or `restore_command`. */
function isStandbyCluster(config: DynamicConfigData): boolean {
  const section = config.standby_cluster;
  return isRecord(section) && ['host', 'port', 'restore_command'].some((key) => pythonTruth(section[key]));
}

function isQuorumCommitMode(config: DynamicConfigData): boolean {
  return String(config.synchronous_mode).toLowerCase() === 'quorum';
}

function isSynchronousMode(config: DynamicConfigData): boolean {
  const on = parseBoolish(config.synchronous_mode) === true || isQuorumCommitMode(config);
  return on && !isStandbyCluster(config);
}

function roleOf(cluster: Cluster, config: DynamicConfigData, member: Member): string {
  if (member.name === cluster.leader?.name) return isStandbyCluster(config) ? 'standby_leader' : 'leader';
  if (isSynchronousMode(config) && syncMatches(cluster.sync, member.name, false)) {
    return isQuorumCommitMode(config) ? 'quorum_standby' : 'sync_standby';
  }
  return 'replica';
}

/** Host and port of a member's `conn_url` as Patroni's `conn_kwargs()` reads them (host lower-cased, port 5432). */
export function memberHostPort(connUrl: unknown): { host?: string; port?: number } {
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

/** `receive_`, `replay_` and plain lsn/lag pairs: lag first, as Patroni inserts them; `unknown` without a position. */
function addLagPairs(out: Record<string, unknown>, member: Member, clusterLsn: number): void {
  for (const prefix of ['receive_', 'replay_', '']) {
    const lsnKey = `${prefix}lsn`;
    const lagKey = `${prefix}lag`;
    const lsn = parseIntLenient(prefix === '' ? member.data.xlog_location : member.data[lsnKey]);
    if (!lsn) {
      out[lsnKey] = 'unknown';
      out[lagKey] = 'unknown';
    } else {
      out[lagKey] = Math.max(0, clusterLsn - lsn);
      out[lsnKey] = formatLsn(lsn);
    }
  }
}

function memberJson(cluster: Cluster, config: DynamicConfigData, member: Member): ClusterJsonMember {
  const role = roleOf(cluster, config, member);
  const data = member.data;
  const replicationState = role !== 'leader' ? data.replication_state : '';
  const out: Record<string, unknown> = {
    name: member.name,
    role,
    state: replicationState || data.state || '',
    api_url: data.api_url ?? null,
    ...memberHostPort(data.conn_url),
  };
  for (const key of OPTIONAL_MEMBER_KEYS) {
    if (key in data) out[key] = data[key];
  }
  if (member.name !== cluster.leader?.name) addLagPairs(out, member, Number(cluster.status.lastLsn));
  return out as ClusterJsonMember;
}

/** `cluster_as_json(cluster)` plus `scope`, keys in the order Patroni's REST API sends them. */
export function clusterAsJson(
  cluster: Cluster,
  scope: string,
  options: ClusterJsonOptions = {},
): ClusterJson {
  const config = cluster.config?.modifyVersion ? cluster.config.data : (options.fallbackConfig ?? {});
  const members = cluster.members
    .map((member) => memberJson(cluster, config, member))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: { -readonly [K in keyof ClusterJson]?: ClusterJson[K] } = { members };
  if (parseBoolish(config.pause) === true) out.pause = true;
  const failover = cluster.failover;
  if (failover?.scheduledAt) {
    const format = options.formatScheduledAt ?? ((text: string) => text);
    out.scheduled_switchover = {
      at: format(failover.scheduledAt),
      ...(failover.leader ? { from: failover.leader } : {}),
      ...(failover.candidate ? { to: failover.candidate } : {}),
    };
  }
  out.scope = scope;
  return out as ClusterJson;
}
