/**
 * Access control for unsafe endpoints (rest-api.md §3.1), in Patroni's order: IP allow-list, client
 * certificate, HTTP Basic auth. Returns the refusal to send, or null to proceed.
 */
import { BlockList, isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Cluster, Logger } from '@patroni/ha-core';
import type { RestApiConfig } from './config.js';

export interface Refusal {
  readonly status: 401 | 403;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface AccessRequest {
  readonly remoteAddress: string | undefined;
  readonly authorization: string | undefined;
  /** The TLS socket, when the connection is TLS. */
  readonly tlsSocket: TLSSocket | null;
  /** The cached cluster view (members' addresses join the allow-list with `allowlist_include_members`). */
  readonly cluster: Cluster | null;
  /** POST /failsafe ignores `allowlist_include_members` ([4.x]). */
  readonly includeMembers: boolean;
}

/** `::ffff:10.0.0.1` → `10.0.0.1`, so IPv4 rules match clients of a dual-stack socket. */
export function normaliseAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}

function familyOf(address: string): 'ipv4' | 'ipv6' | null {
  const version = isIP(address);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : null;
}

function addAddress(list: BlockList, address: string): void {
  const family = familyOf(normaliseAddress(address));
  if (family) list.addAddress(normaliseAddress(address), family);
}

async function resolveAll(host: string): Promise<string[]> {
  if (isIP(host)) return [host];
  // node:dns/promises only for an allow-list that names hosts.
  const { lookup } = await import('node:dns/promises');
  const results = await lookup(host, { all: true });
  return results.map((r) => r.address);
}

/** Builds the static allow-list: CIDRs as networks (host bits allowed), names resolved now; bad entries logged. */
export async function buildAllowlist(entries: readonly string[], logger: Logger): Promise<BlockList> {
  const list = new BlockList();
  for (const entry of entries) {
    if (entry.includes('/')) {
      const [network = '', prefixText = ''] = entry.split('/');
      const family = familyOf(network);
      const prefix = Number(prefixText);
      const maxPrefix = family === 'ipv6' ? 128 : 32;
      if (!family || !/^\d+$/.test(prefixText) || prefix > maxPrefix) {
        logger.error(`Invalid value "${entry}" in the allowlist`);
        continue;
      }
      list.addSubnet(network, prefix, family);
      continue;
    }
    try {
      for (const address of await resolveAll(entry.replace(/^\[(.*)\]$/, '$1'))) addAddress(list, address);
    } catch (error) {
      logger.error(`Failed to resolve ${entry}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return list;
}

function memberHosts(cluster: Cluster | null): string[] {
  if (!cluster) return [];
  const hosts: string[] = [];
  for (const member of cluster.members) {
    const apiUrl = member.data.api_url;
    if (typeof apiUrl !== 'string') continue;
    try {
      const host = new URL(apiUrl).hostname.replace(/^\[(.*)\]$/, '$1');
      if (host) hosts.push(host);
    } catch {
      // an unparsable api_url contributes nothing
    }
  }
  return hosts;
}

/** Is the client one of the cluster members (resolved on every request, as Patroni does)? */
async function isMemberAddress(client: string, cluster: Cluster | null): Promise<boolean> {
  for (const host of memberHosts(cluster)) {
    try {
      const addresses = await resolveAll(host);
      if (addresses.some((address) => normaliseAddress(address) === client)) return true;
    } catch {
      // unresolvable member hosts add nothing
    }
  }
  return false;
}

// node:crypto (~0.5 MiB RSS) only once a request must be checked against a password.
const crypto = () => process.getBuiltinModule('node:crypto');

function digest(text: string): Buffer {
  return crypto().createHash('sha256').update(text).digest();
}

/** Constant-time comparison of the `Authorization` value against `Basic base64(user:password)`. */
export function basicAuthMatches(header: string, expectedToken: string): boolean {
  if (!header.startsWith('Basic ')) return false;
  return crypto().timingSafeEqual(digest(header.slice(6)), digest(expectedToken));
}

export class AccessControl {
  private readonly expectedToken: string | null;
  private readonly allowlistActive: boolean;

  constructor(
    private readonly config: RestApiConfig,
    private readonly allowlist: BlockList,
  ) {
    const auth = config.authentication;
    this.expectedToken = auth ? Buffer.from(`${auth.username}:${auth.password}`).toString('base64') : null;
    this.allowlistActive = config.allowlist.length > 0 || config.allowlistIncludeMembers;
  }

  private async ipAllowed(request: AccessRequest): Promise<boolean> {
    const includeMembers = request.includeMembers && this.config.allowlistIncludeMembers;
    const active = request.includeMembers ? this.allowlistActive : this.config.allowlist.length > 0;
    if (!active) return true;
    const client = normaliseAddress(request.remoteAddress ?? '');
    const family = familyOf(client);
    if (family && this.allowlist.check(client, family)) return true;
    return includeMembers && family !== null && (await isMemberAddress(client, request.cluster));
  }

  async check(request: AccessRequest): Promise<Refusal | null> {
    if (!(await this.ipAllowed(request))) return { status: 403, message: 'Access is denied' };
    const verify = this.config.tls?.verifyClient ?? 'none';
    if (request.tlsSocket && verify !== 'none' && !request.tlsSocket.authorized) {
      return { status: 403, message: 'client certificate required' };
    }
    if (this.expectedToken === null) return null;
    const header = request.authorization;
    const challenge = { 'WWW-Authenticate': 'Basic realm="Patroni"' };
    if (header === undefined) return { status: 401, message: 'no auth header received', headers: challenge };
    if (!basicAuthMatches(header, this.expectedToken)) {
      return { status: 401, message: 'not authenticated', headers: challenge };
    }
    return null;
  }
}
