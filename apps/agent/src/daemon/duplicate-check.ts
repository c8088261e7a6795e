import type { Cluster } from '@patroni/ha-core';
import type { RestClient } from '../ctl/rest-client.js';

/**
 * Patroni refuses to start when a member key with our name exists and that member's REST API answers
 * `GET /liveness` within 3 s: another agent with the same name is alive (dcs.md §1).
 */
export async function nameInUse(
  cluster: Cluster,
  name: string,
  rest: RestClient,
  timeoutMs = 3_000,
): Promise<boolean> {
  const member = cluster.members.find((m) => m.name === name);
  const apiUrl = member?.data.api_url;
  if (typeof apiUrl !== 'string' || apiUrl === '') return false;
  try {
    const response = await rest.request(apiUrl, 'GET', 'liveness', undefined, AbortSignal.timeout(timeoutMs));
    return response.status === 200;
  } catch {
    return false;
  }
}
