import type { KvTiming, Logger } from '@patroni/ha-core';
import type { EtcdConfig } from '../config.js';
import { type DiscoveryIo, initialEndpoints, realDiscoveryIo } from '../endpoints.js';
import { RequestCounter } from '../request-counter.js';
import { Etcd3Kv } from './etcd3-kv.js';
import { Etcd3Rpc } from './etcd3-rpc.js';

export interface KvOptions {
  /** `/service/<scope>` (see ha-core's clusterBasePath). */
  readonly basePath: string;
  readonly timing: KvTiming;
  readonly logger: Logger;
  readonly discoveryIo?: DiscoveryIo;
}

/** Builds the etcd v3 key-value layer from a validated `etcd3:` section. No request is sent yet. */
export async function createEtcd3Kv(config: EtcdConfig, options: KvOptions): Promise<Etcd3Kv> {
  const endpoints = await initialEndpoints(
    config,
    options.discoveryIo ?? realDiscoveryIo,
    options.timing.retryTimeoutMs,
  );
  const counter = new RequestCounter();
  const rpc = new Etcd3Rpc(config, endpoints, options.timing, counter, options.logger);
  return new Etcd3Kv(rpc, options.basePath, options.timing, counter, options.logger);
}
