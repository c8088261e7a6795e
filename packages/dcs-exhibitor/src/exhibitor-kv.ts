import type { ZooKeeperKv } from '@patroni/dcs-zookeeper';
import type {
  DcsKv,
  KeyVersion,
  KvCapabilities,
  KvCondition,
  KvSnapshot,
  KvTiming,
  KvWriteOptions,
  KvWriteResult,
  Logger,
} from '@patroni/ha-core';
import type { ExhibitorPoller } from './exhibitor-poller.js';

export interface ExhibitorKvOptions {
  readonly zookeeper: ZooKeeperKv;
  readonly poller: ExhibitorPoller;
  readonly pollIntervalMs: number;
  readonly logger: Logger;
  /** Milliseconds since some fixed point; injectable for tests. */
  readonly now?: () => number;
}

/**
 * The ZooKeeper key-value layer with Exhibitor-discovered servers: before each cluster read, once
 * `poll_interval` has passed, Exhibitor is asked again and the ZooKeeper client is pointed at the new
 * server list when it changed (the session is kept, as kazoo's set_hosts does).
 */
export class ExhibitorKv implements DcsKv {
  private readonly zookeeper: ZooKeeperKv;
  private readonly now: () => number;
  private lastPollMs: number;

  constructor(private readonly options: ExhibitorKvOptions) {
    this.zookeeper = options.zookeeper;
    this.now = options.now ?? (() => performance.now());
    this.lastPollMs = this.now();
  }

  get capabilities(): KvCapabilities {
    return this.zookeeper.capabilities;
  }

  /** The ZooKeeper servers the client uses now (`host:port`). */
  zookeeperHosts(): readonly string[] {
    return this.zookeeper.currentHosts();
  }

  /** Polls Exhibitor when the interval has passed; applies a changed server list. */
  async refreshHosts(): Promise<void> {
    if (this.now() - this.lastPollMs < this.options.pollIntervalMs) return;
    this.lastPollMs = this.now();
    if (!(await this.options.poller.poll())) return;
    const hosts = this.options.poller.hosts();
    if (hosts.join(',') === this.zookeeper.currentHosts().join(',')) return;
    this.options.logger.info('ZooKeeper connection string changed: %s', hosts.join(','));
    this.zookeeper.setHosts(hosts);
  }

  async readAll(options: { consistent: boolean }): Promise<KvSnapshot> {
    await this.refreshHosts();
    return this.zookeeper.readAll(options);
  }

  write(key: string, value: string, options: KvWriteOptions): Promise<KvWriteResult> {
    return this.zookeeper.write(key, value, options);
  }

  remove(key: string, condition?: KvCondition): Promise<boolean> {
    return this.zookeeper.remove(key, condition);
  }

  removeAll(): Promise<void> {
    return this.zookeeper.removeAll();
  }

  refreshSession(force: boolean): Promise<void> {
    return this.zookeeper.refreshSession(force);
  }

  sessionId(): string | null {
    return this.zookeeper.sessionId();
  }

  watch(
    key: string,
    sinceVersion: KeyVersion | null,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<boolean> {
    return this.zookeeper.watch(key, sinceVersion, timeoutMs, signal);
  }

  watchKeySet(prefix: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.zookeeper.watchKeySet(prefix, timeoutMs, signal);
  }

  setTiming(timing: KvTiming): void {
    this.zookeeper.setTiming(timing);
  }

  close(options?: { keepSession?: boolean }): Promise<void> {
    return this.zookeeper.close(options);
  }
}
