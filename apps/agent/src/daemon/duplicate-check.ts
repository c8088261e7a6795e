import type { Cluster } from '@patroni/ha-core';

/**
 * Patroni refuses to start when a member key with our name exists and that member's REST API answers
 * `GET /liveness` within 3 s: another agent with the same name is alive (dcs.md §1).
 */
export async function nameInUse(cluster: Cluster, name: string, timeoutMs = 3_000): Promise<boolean> {
  const member = cluster.members.find((m) => m.name === name);
  const apiUrl = member?.data.api_url;
  if (typeof apiUrl !== 'string' || apiUrl === '') return false;
  try {
    const response = await fetch(new URL('/liveness', apiUrl), { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}
