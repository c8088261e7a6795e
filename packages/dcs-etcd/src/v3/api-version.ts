/** What etcd's `GET /version` tells the v3 client: the gateway's path prefix and what the cluster supports. */
export interface GatewayApi {
  /** `/v3` (etcd ≥ 3.4), `/v3beta` (3.3) or `/v3alpha` (3.0–3.2). */
  readonly prefix: string;
  /** `etcdcluster`, e.g. `3.4.0`. */
  readonly clusterVersion: string;
  /** Watches over the gateway work from 3.1 on. */
  readonly watchSupported: boolean;
  /** The `Authorization` token header is honoured from 3.3 on. */
  readonly authSupported: boolean;
}

export type GatewayApiResult =
  | { readonly ok: true; readonly api: GatewayApi }
  | { readonly ok: false; readonly reason: string };

type Version = readonly [number, number, number];

function parseVersion(value: unknown): Version | null {
  if (typeof value !== 'string') return null;
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(value);
  if (match === null) return null;
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

const atLeast = (v: Version, major: number, minor: number, patch = 0) =>
  v[0] !== major ? v[0] > major : v[1] !== minor ? v[1] > minor : v[2] >= patch;

/**
 * Chooses the gateway prefix from a `/version` answer (`{"etcdserver":"3.4.23","etcdcluster":"3.4.0"}`) the
 * way Patroni does: by the cluster version, /v3 from 3.4, /v3beta for 3.3 and /v3alpha below (etcd 3.1 and
 * 3.2 serve only /v3alpha); servers older than 3.0.4 are refused.
 */
export function gatewayApiOf(body: unknown): GatewayApiResult {
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const server = parseVersion(record.etcdserver);
  const cluster = parseVersion(record.etcdcluster);
  if (server === null || cluster === null) {
    // etcd says `not_decided` until its cluster version is settled (right after start).
    return { ok: false, reason: `etcd version not known yet: ${JSON.stringify(body)}` };
  }
  if (!atLeast(cluster, 3, 0) || !atLeast(server, 3, 0, 4)) {
    return { ok: false, reason: `Detected Etcd version ${String(record.etcdserver)} is lower than 3.0.4` };
  }
  const prefix = atLeast(cluster, 3, 4) ? '/v3' : atLeast(cluster, 3, 3) ? '/v3beta' : '/v3alpha';
  return {
    ok: true,
    api: {
      prefix,
      clusterVersion: String(record.etcdcluster),
      watchSupported: atLeast(cluster, 3, 1),
      authSupported: atLeast(cluster, 3, 3),
    },
  };
}
