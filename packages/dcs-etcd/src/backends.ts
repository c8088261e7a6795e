import {
  BACKEND_VERSION_SOURCES,
  clusterBasePath,
  type Dcs,
  type DcsBackends,
  type DcsFactoryContext,
  type DcsKv,
  KvDcs,
} from '@patroni/ha-core';
import { type EtcdConfig, parseEtcdConfig } from './config.js';
import type { DiscoveryIo } from './endpoints.js';

export type EtcdApi = 'etcd' | 'etcd3';

/** Non-leaders wait this much longer than the leader on etcd v3 so their loops trail its renewals (dcs.md §4). */
const ETCD3_NON_LEADER_EXTRA_MS = 500;

/**
 * The key-value layer for a section, from a validated config. Each API's client is imported on first use,
 * so an agent loads only the one its config names.
 */
export async function createEtcdKv(
  api: EtcdApi,
  config: EtcdConfig,
  context: DcsFactoryContext,
  discoveryIo?: DiscoveryIo,
): Promise<DcsKv> {
  const options = {
    basePath: clusterBasePath(context.scope),
    timing: context.timing,
    logger: context.logger,
    ...(discoveryIo ? { discoveryIo } : {}),
  };
  if (api === 'etcd3') return (await import('./v3/create-etcd3-kv.js')).createEtcd3Kv(config, options);
  return (await import('./v2/create-etcd2-kv.js')).createEtcd2Kv(config, options);
}

async function createEtcdDcs(api: EtcdApi, section: unknown, context: DcsFactoryContext): Promise<Dcs> {
  const config = parseEtcdConfig(api, section);
  const kv = await createEtcdKv(api, config, context);
  return new KvDcs(kv, context.scope, {
    logger: context.logger,
    parseOptions: BACKEND_VERSION_SOURCES[api],
    nonLeaderWatchExtraMs: api === 'etcd3' ? ETCD3_NON_LEADER_EXTRA_MS : 0,
  });
}

/** The config sections this package serves: `etcd3:` (v3 API) and `etcd:` (v2 keys API). */
export const backends: DcsBackends = Object.freeze({
  etcd3: (section: unknown, context: DcsFactoryContext) => createEtcdDcs('etcd3', section, context),
  etcd: (section: unknown, context: DcsFactoryContext) => createEtcdDcs('etcd', section, context),
});
