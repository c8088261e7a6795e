// Test builders for the engine (STYLE.md 8): clusters are built from raw DCS values and parsed by the real
// parser, so tests see exactly what a backend would hand the engine.
import { parseDynamicConfig } from '../../config/parse-dynamic-config.js';
import type { DynamicConfig } from '../../config/types.js';
import type { KvNode } from '../../dcs/kv.js';
import { parseCluster } from '../../model/parse-cluster.js';
import type { Cluster } from '../../model/types.js';

export const SYSID = '7000000000000000001';
/** The leader's WAL position in built clusters (bytes). */
export const LEADER_LSN = 100_000_000;

export interface MemberOptions {
  readonly lagBytes?: number;
  readonly tags?: Record<string, unknown>;
  readonly state?: string;
  readonly role?: string;
  readonly timeline?: number;
  readonly apiUrl?: string | null;
  readonly extra?: Record<string, unknown>;
}

export class ClusterBuilder {
  private readonly members = new Map<string, Record<string, unknown>>();
  private leader: string | null = null;
  private keys = new Map<string, string>();

  constructor() {
    this.keys.set('initialize', SYSID);
    this.keys.set('config', JSON.stringify({ ttl: 30, loop_wait: 10, retry_timeout: 10 }));
    this.keys.set('status', JSON.stringify({ optime: LEADER_LSN }));
    this.keys.set('history', '[]');
  }

  private member(name: string, role: string, options: MemberOptions): this {
    const apiUrl = options.apiUrl === undefined ? `http://${name}:8008/patroni` : options.apiUrl;
    const data: Record<string, unknown> = {
      conn_url: `postgres://${name}:5432/postgres`,
      ...(apiUrl ? { api_url: apiUrl } : {}),
      state: options.state ?? 'running',
      role: options.role ?? role,
      version: '4.1.4',
      xlog_location: LEADER_LSN - (options.lagBytes ?? 0),
      timeline: options.timeline ?? 1,
      ...(options.tags ? { tags: options.tags } : {}),
      ...options.extra,
    };
    this.members.set(name, data);
    return this;
  }

  withLeader(name: string, options: MemberOptions = {}): this {
    this.leader = name;
    return this.member(name, 'primary', options);
  }

  /** A member key with a primary role but no `/leader` (the key expired). */
  withFormerLeader(name: string, options: MemberOptions = {}): this {
    return this.member(name, 'primary', options);
  }

  withReplica(name: string, options: MemberOptions = {}): this {
    return this.member(name, 'replica', options);
  }

  /** `/leader` names `name` without any member key for it. */
  withLeaderKeyOnly(name: string): this {
    this.leader = name;
    return this;
  }

  withoutLeader(): this {
    this.leader = null;
    return this;
  }

  withoutMember(name: string): this {
    this.members.delete(name);
    return this;
  }

  withFailover(value: { leader?: string; member?: string; scheduled_at?: string }): this {
    this.keys.set('failover', JSON.stringify(value));
    return this;
  }

  withSync(leader: string | null, standbys: string[], quorum?: number): this {
    const value = {
      leader,
      ...(quorum === undefined ? {} : { quorum }),
      sync_standby: standbys.join(',') || null,
    };
    this.keys.set('sync', JSON.stringify(value));
    return this;
  }

  withConfig(patch: Record<string, unknown>): this {
    const current = JSON.parse(this.keys.get('config') ?? '{}') as Record<string, unknown>;
    this.keys.set('config', JSON.stringify({ ...current, ...patch }));
    return this;
  }

  withoutConfig(): this {
    this.keys.delete('config');
    return this;
  }

  withInitialize(value: string | null): this {
    if (value === null) this.keys.delete('initialize');
    else this.keys.set('initialize', value);
    return this;
  }

  withStatus(value: Record<string, unknown>): this {
    this.keys.set('status', JSON.stringify(value));
    return this;
  }

  withHistory(lines: unknown[]): this {
    this.keys.set('history', JSON.stringify(lines));
    return this;
  }

  withFailsafe(value: Record<string, string>): this {
    this.keys.set('failsafe', JSON.stringify(value));
    return this;
  }

  memberNames(): string[] {
    return [...this.members.keys()];
  }

  memberData(name: string): Record<string, unknown> | undefined {
    return this.members.get(name);
  }

  leaderName(): string | null {
    return this.leader;
  }

  build(): Cluster {
    const nodes: KvNode[] = [];
    let version = 1;
    for (const [key, value] of this.keys)
      nodes.push({ key, value, version: String(version++), session: null });
    for (const [name, data] of this.members) {
      nodes.push({
        key: `members/${name}`,
        value: JSON.stringify(data),
        version: String(version++),
        session: `s-${name}`,
      });
    }
    if (this.leader)
      nodes.push({
        key: 'leader',
        value: this.leader,
        version: String(version++),
        session: `s-${this.leader}`,
      });
    return parseCluster({ nodes });
  }

  config(): DynamicConfig {
    const raw = this.keys.get('config');
    return parseDynamicConfig(raw ? JSON.parse(raw) : {}).config;
  }
}

export function aCluster(): ClusterBuilder {
  return new ClusterBuilder();
}
