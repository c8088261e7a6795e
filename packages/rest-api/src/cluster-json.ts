/** `GET /cluster` body (rest-api.md §7): ha-core's `clusterAsJson`, shared with patronictl's views. */
import { type Cluster, type ClusterJson, clusterAsJson } from '@patroni/ha-core';
import { formatPythonDatetime, parseTimestamp } from './py-json.js';

/** `scheduled_at` as Python's `datetime.isoformat()` prints its parse; unparseable text as written. */
function isoformat(text: string): string {
  const parsed = parseTimestamp(text);
  return parsed ? formatPythonDatetime(parsed, 'T') : text;
}

/** The body of `GET /cluster`; `fallbackConfig` (this node's dynamic config) when the cluster has no `/config`. */
export function clusterJson(
  cluster: Cluster,
  scope: string,
  fallbackConfig: Readonly<Record<string, unknown>>,
): ClusterJson {
  return clusterAsJson(cluster, scope, { fallbackConfig, formatScheduledAt: isoformat });
}
