import { type Cluster, parseBoolish, truthy } from '@patroni/ha-core';

/** `cluster_as_json` is built by ha-core, shared with the REST API's `GET /cluster`. */
export {
  type ClusterJson as ClusterView,
  type ClusterJsonMember as MemberView,
  clusterAsJson,
} from '@patroni/ha-core';

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
