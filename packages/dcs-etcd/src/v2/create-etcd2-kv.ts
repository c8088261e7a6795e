import type { EtcdConfig } from '../config.js';
import { initialEndpoints, realDiscoveryIo } from '../endpoints.js';
import { RequestCounter } from '../request-counter.js';
import type { KvOptions } from '../v3/create-etcd3-kv.js';
import { Etcd2Http } from './etcd2-http.js';
import { Etcd2Kv } from './etcd2-kv.js';

/** Builds the etcd v2 key-value layer from a validated `etcd:` section. No request is sent yet. */
export async function createEtcd2Kv(config: EtcdConfig, options: KvOptions): Promise<Etcd2Kv> {
  const endpoints = await initialEndpoints(
    config,
    options.discoveryIo ?? realDiscoveryIo,
    options.timing.retryTimeoutMs,
  );
  const counter = new RequestCounter();
  const http = new Etcd2Http(config, endpoints, options.timing, counter, options.logger);
  return new Etcd2Kv(http, options.basePath, options.timing, counter, options.logger);
}
