import { setTimeout as sleep } from 'node:timers/promises';
import type { PythonPatroniCluster } from '../python-patroni/index.js';
import { closeQuietly, connectPg } from '../writer/pg-client.js';

/** Milliseconds on the writer's clock (monotonic, epoch-aligned), so phase marks compare with its windows. */
export const nowMs = () => performance.timeOrigin + performance.now();

/** application_name of every walsender in state `streaming` on that server; [] when it does not answer. */
export async function streamingReplicas(connectionString: string): Promise<string[]> {
  let client: Awaited<ReturnType<typeof connectPg>> | undefined;
  try {
    client = await connectPg({
      connectionString,
      connectTimeoutMs: 1_000,
      statementTimeoutMs: 1_000,
      applicationName: 'patroni-bench',
    });
    const { rows } = await client.query(
      "SELECT application_name FROM pg_stat_replication WHERE state = 'streaming'",
    );
    return rows.map((row) => String(row.application_name));
  } catch {
    return [];
  } finally {
    if (client) closeQuietly(client);
  }
}

/** Polls `check` every `pollMs` until true; returns the ms it took from `sinceMs`, or throws at the deadline. */
export async function elapsedUntil(
  what: string,
  sinceMs: number,
  check: () => Promise<boolean>,
  timeoutMs: number,
  pollMs = 50,
): Promise<number> {
  const deadline = nowMs() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return nowMs() - sinceMs;
    if (nowMs() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(pollMs);
  }
}

/** True once `replica` streams from the current leader (pg_stat_replication on the leader says so). */
export async function streamsFromLeader(cluster: PythonPatroniCluster, replica: string): Promise<boolean> {
  const leader = await cluster.leaderName();
  if (leader === undefined || leader === replica) return false;
  return (await streamingReplicas(cluster.node(leader).connectionString)).includes(replica);
}

/** True once the leader streams to every other running member. */
export async function allStreaming(cluster: PythonPatroniCluster): Promise<boolean> {
  const leader = await cluster.leaderName();
  if (leader === undefined) return false;
  const streaming = new Set(await streamingReplicas(cluster.node(leader).connectionString));
  return cluster.nodes.every((n) => n.name === leader || !n.isRunning() || streaming.has(n.name));
}
