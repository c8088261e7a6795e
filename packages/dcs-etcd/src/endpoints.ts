import type { EtcdConfig } from './config.js';
import { EtcdError, EtcdErrorCode } from './errors.js';
import { readBody } from './read-body.js';

export interface SrvRecord {
  readonly name: string;
  readonly port: number;
}

/** DNS and HTTP seams for SRV discovery (tests pass fakes of these, not of our modules). */
export interface DiscoveryIo {
  resolveSrv(name: string): Promise<readonly SrvRecord[]>;
  /** GET a peer URL's `/members` and return each member's clientURLs. */
  peerMembers(url: string, timeoutMs: number): Promise<readonly string[]>;
}

export const realDiscoveryIo: DiscoveryIo = {
  // node:dns/promises only for `srv` discovery.
  resolveSrv: async (name) => (await import('node:dns/promises')).resolveSrv(name),
  async peerMembers(url, timeoutMs) {
    const { status, text } = await httpGet(url, timeoutMs);
    if (status < 200 || status >= 300) return [];
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return [];
    }
    if (!Array.isArray(body)) return [];
    return body.flatMap((m: unknown) => {
      const urls = (m as { clientURLs?: unknown } | null)?.clientURLs;
      return Array.isArray(urls) ? urls.filter((u): u is string => typeof u === 'string') : [];
    });
  },
};

/**
 * A plain GET on node:http(s), loaded on first use: SRV discovery is rare, and the global `fetch` would
 * load undici (about 2 MiB of heap) for it.
 */
async function httpGet(url: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  const { get } = url.startsWith('https:') ? await import('node:https') : await import('node:http');
  return new Promise((resolve, reject) => {
    const req = get(url, (res) => {
      readBody(res)
        .then((text) => resolve({ status: res.statusCode ?? 0, text }), reject)
        .finally(() => clearTimeout(timer));
    });
    const timer = setTimeout(() => req.destroy(new Error(`GET ${url} timed out`)), Math.max(1, timeoutMs));
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** The SRV names Patroni tries, in order: client records first, then server (peer) records. */
export function srvCandidates(
  domain: string,
  suffix: string | null,
): { name: string; protocol: string; peer: boolean }[] {
  return ['-client-ssl', '-client', '-ssl', '', '-server-ssl', '-server'].map((kind) => {
    const tagged = suffix ? `${kind}-${suffix}` : kind;
    return {
      name: `_etcd${tagged}._tcp.${domain}`,
      protocol: kind.includes('-ssl') ? 'https' : 'http',
      peer: kind.startsWith('-server'),
    };
  });
}

function hostUrl(protocol: string, host: string, port: number): string {
  return `${protocol}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Client URLs from SRV records, first kind of record that yields any. */
export async function endpointsFromSrv(
  domain: string,
  suffix: string | null,
  io: DiscoveryIo,
  timeoutMs: number,
): Promise<string[]> {
  for (const candidate of srvCandidates(domain, suffix)) {
    let records: readonly SrvRecord[] = [];
    try {
      records = await io.resolveSrv(candidate.name);
    } catch {
      continue; // NXDOMAIN and friends: try the next kind
    }
    const urls: string[] = [];
    for (const record of records) {
      const url = hostUrl(candidate.protocol, record.name, record.port);
      if (!candidate.peer) urls.push(url);
      else urls.push(...(await io.peerMembers(`${url}/members`, timeoutMs).catch(() => [])));
    }
    if (urls.length > 0) return [...new Set(urls)];
  }
  return [];
}

/** The client URLs to start from: configured hosts, or SRV discovery. */
export async function initialEndpoints(
  config: EtcdConfig,
  io: DiscoveryIo,
  timeoutMs: number,
): Promise<string[]> {
  if (config.endpoints.length > 0) return [...config.endpoints];
  const domain = config.srv ?? '';
  const found = await endpointsFromSrv(domain, config.srvSuffix, io, timeoutMs);
  if (found.length === 0) {
    throw new EtcdError(EtcdErrorCode.NoEndpoints, `Can not resolve SRV for ${domain}`);
  }
  return found;
}

/** Same set of URLs, order ignored. */
export function sameEndpoints(a: readonly string[], b: readonly string[]): boolean {
  const left = [...new Set(a)].sort();
  const right = [...new Set(b)].sort();
  return left.length === right.length && left.every((v, i) => v === right[i]);
}
