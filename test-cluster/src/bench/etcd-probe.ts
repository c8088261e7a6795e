/**
 * What the HA benchmark reads from etcd itself: the request counter from its Prometheus metrics and the
 * leader key through the v3 JSON gateway (so the probe does not depend on either implementation).
 */

/**
 * `grpc_server_msg_received_total` per `service/method`. It counts every message a client sends: unary calls,
 * each lease keep-alive on a stream, watch creations — and the JSON gateway's calls too (the gateway forwards
 * each HTTP request as a gRPC call to the same server), so our v3 gRPC client and Python's gateway client
 * are counted alike.
 */
export function receivedMessagesByMethod(metricsText: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith('grpc_server_msg_received_total{')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    const method = /grpc_method="([^"]*)"/.exec(line)?.[1] ?? '?';
    const service = /grpc_service="([^"]*)"/.exec(line)?.[1] ?? '?';
    if (Number.isFinite(value) && value > 0) {
      const name = `${service.replace(/^etcdserverpb\./, '')}/${method}`;
      counts[name] = (counts[name] ?? 0) + value;
    }
  }
  return counts;
}

export async function etcdReceivedMessages(endpoint: string): Promise<Record<string, number>> {
  const response = await fetch(`${endpoint}/metrics`, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`etcd /metrics answered ${response.status}`);
  return receivedMessagesByMethod(await response.text());
}

/** after − before per method (methods only in `after` count from zero), and the total. */
export function messageDelta(
  before: Record<string, number>,
  after: Record<string, number>,
): { total: number; byMethod: Record<string, number> } {
  const byMethod: Record<string, number> = {};
  let total = 0;
  for (const [method, count] of Object.entries(after)) {
    const delta = count - (before[method] ?? 0);
    if (delta > 0) {
      byMethod[method] = delta;
      total += delta;
    }
  }
  return { total, byMethod };
}

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

export interface LeaderKey {
  /** The member name stored in the key. */
  readonly holder: string;
  /** The lease the key is attached to (decimal string, as the gateway prints int64). */
  readonly lease: string | undefined;
}

/** The leader key `<namespace><scope>/leader`, or undefined when it does not exist. */
export async function readLeaderKey(endpoint: string, keyPath: string): Promise<LeaderKey | undefined> {
  const response = await fetch(`${endpoint}/v3/kv/range`, {
    method: 'POST',
    body: JSON.stringify({ key: base64(keyPath) }),
    signal: AbortSignal.timeout(2_000),
  });
  const body = (await response.json()) as { kvs?: { value?: string; lease?: string }[] };
  const kv = body.kvs?.[0];
  if (!kv) return undefined;
  return { holder: Buffer.from(kv.value ?? '', 'base64').toString('utf8'), lease: kv.lease };
}

/** The seconds left on a lease (etcd rounds to whole seconds); undefined when it is gone or unreadable. */
export async function leaseSecondsLeft(endpoint: string, lease: string): Promise<number | undefined> {
  const response = await fetch(`${endpoint}/v3/lease/timetolive`, {
    method: 'POST',
    body: JSON.stringify({ ID: lease }),
    signal: AbortSignal.timeout(2_000),
  });
  const body = (await response.json()) as { TTL?: string };
  const ttl = Number(body.TTL);
  return Number.isFinite(ttl) && ttl >= 0 ? ttl : undefined;
}
