import { type LocalSettings, parseTags, publishedTags, type WatchdogMode } from '@patroni/ha-core';
import type { PostgresqlConfig } from '@patroni/postgres';
import type { RestApiConfig } from '@patroni/rest-api';
import type { AgentConfig } from '../config/index.js';

/** The Patroni version this agent speaks for: peers gate features on the member key's `version`. */
export const PATRONI_COMPAT_VERSION = '4.1.4';

/** Methods that can build a replica without a running leader (backup tools, `no_leader`). */
function hasLeaderlessReplicaMethod(pg: PostgresqlConfig): boolean {
  return pg.createReplicaMethods.some((method) => {
    if (method === 'basebackup') return false;
    const options = pg.replicaMethods[method] ?? {};
    const noLeader = options.no_leader;
    return noLeader === true || noLeader === 1 || String(noLeader).toLowerCase() === 'true';
  });
}

export function buildLocalSettings(
  config: AgentConfig<PostgresqlConfig>,
  restapi: RestApiConfig,
  connUrl: string | null,
): LocalSettings {
  const pg = config.postgresql;
  const watchdogMode: WatchdogMode = config.watchdog.mode;
  return {
    name: config.name,
    scope: config.scope,
    patroniVersion: PATRONI_COMPAT_VERSION,
    tags: parseTags(config.tags),
    publishedTags: publishedTags(config.tags),
    connUrl,
    apiUrl: restapi.apiUrl,
    proxyUrl: pg.proxyAddress ? `postgres://${pg.proxyAddress}/${pg.database}` : null,
    hasBootstrapSection: config.bootstrap !== null,
    canCreateReplicaWithoutLeader: hasLeaderlessReplicaMethod(pg),
    removeDataDirectoryOnRewindFailure: pg.removeDataDirectoryOnRewindFailure,
    removeDataDirectoryOnDivergedTimelines: pg.removeDataDirectoryOnDivergedTimelines,
    watchdogMode,
  };
}
