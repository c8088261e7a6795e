import {
  BACKEND_VERSION_SOURCES,
  type Dcs,
  type DcsBackends,
  type DcsFactoryContext,
  type DcsKv,
  KvDcs,
} from '@patroni/ha-core';
import { parseZooKeeperConfig, type ZooKeeperConfig } from './config.js';
import { ZooKeeperError, ZooKeeperErrorCode } from './errors.js';
import { ZooKeeperKv } from './zookeeper-kv.js';

/** Non-leaders wait this much longer than the leader so their loops trail its renewals (dcs.md §4). */
export const ZOOKEEPER_NON_LEADER_EXTRA_MS = 500;

/** Refuses what the client library cannot do rather than silently connecting without it. */
export function assertSupported(config: ZooKeeperConfig, sectionName: string): void {
  if (config.useSsl) {
    throw new ZooKeeperError(
      ZooKeeperErrorCode.Unsupported,
      `${sectionName}.use_ssl: TLS connections to ZooKeeper are not supported by this backend (node-zookeeper-client speaks plain TCP only); use a TLS tunnel (stunnel, ghostunnel) to the ensemble`,
    );
  }
}

/** The ZooKeeper key-value layer for a validated section. */
export function createZooKeeperKv(config: ZooKeeperConfig, context: DcsFactoryContext): ZooKeeperKv {
  return new ZooKeeperKv({ config, scope: context.scope, timing: context.timing, logger: context.logger });
}

/** Patroni's key tree on any ZooKeeper-shaped key-value layer (ZooKeeper itself, Exhibitor). */
export function zooKeeperDcs(kv: DcsKv, context: DcsFactoryContext): Dcs {
  return new KvDcs(kv, context.scope, {
    logger: context.logger,
    parseOptions: BACKEND_VERSION_SOURCES.zookeeper,
    nonLeaderWatchExtraMs: ZOOKEEPER_NON_LEADER_EXTRA_MS,
  });
}

async function createZooKeeperDcs(section: unknown, context: DcsFactoryContext): Promise<Dcs> {
  const config = parseZooKeeperConfig(section);
  assertSupported(config, 'zookeeper');
  return zooKeeperDcs(createZooKeeperKv(config, context), context);
}

/** The config section this package serves: `zookeeper:`. */
export const backends: DcsBackends = Object.freeze({ zookeeper: createZooKeeperDcs });
