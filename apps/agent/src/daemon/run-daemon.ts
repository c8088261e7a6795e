import {
  type Cluster,
  type Dcs,
  type DynamicConfig,
  HaLoop,
  type KvTiming,
  parseDynamicConfig,
  systemClock,
} from '@patroni/ha-core';
import { createPostgres, type PostgresqlConfig, parseBootstrapConfig } from '@patroni/postgres';
import { createRestApi, parseRestApiConfig } from '@patroni/rest-api';
import type { AgentConfig } from '../config/index.js';
import { httpRestClient } from '../ctl/rest-client.js';
import { loadDcsFactory } from '../dcs-loader.js';
import type { AgentLogger } from '../logging/logger.js';
import { createAgentCommands } from './agent-commands.js';
import { nameInUse } from './duplicate-check.js';
import { buildLocalSettings } from './local-settings.js';
import { createPeerClient } from './peer-client.js';

/** `postgresql` parsed by @patroni/postgres's schema; `restapi` shape-checked (parsed below). */
export type DaemonConfig = AgentConfig<PostgresqlConfig>;

export interface DaemonDeps {
  readonly logger: AgentLogger;
  /** Re-reads the config files for SIGHUP / POST /reload; null when they no longer validate. */
  readonly rereadConfig: () => DaemonConfig | null;
  /** Resolves when the process is asked to stop (SIGTERM/SIGINT). */
  readonly stopRequested: Promise<void>;
  /** Registers the SIGHUP handler. */
  readonly onReloadSignal: (handler: () => void) => void;
}

function timingOf(config: DynamicConfig): KvTiming {
  return { ttlMs: config.ttlMs, loopWaitMs: config.loopWaitMs, retryTimeoutMs: config.retryTimeoutMs };
}

async function loadClusterOnce(dcs: Dcs): Promise<Cluster | null> {
  try {
    return await dcs.loadCluster();
  } catch {
    return null;
  }
}

/** Wires the agent from a validated config and runs it until stopped. Returns the process exit code. */
export async function runDaemon(config: DaemonConfig, deps: DaemonDeps): Promise<number> {
  const { logger } = deps;
  const restapi = parseRestApiConfig(config.restapi);
  const bootstrap = parseDynamicConfig(config.bootstrap?.dcs ?? {});
  for (const warning of bootstrap.warnings) logger.warn(warning);
  const factory = await loadDcsFactory(config.dcs.kind);
  const dcs = await factory(config.dcs.section, {
    scope: { namespace: config.namespace, scope: config.scope, name: config.name },
    timing: timingOf(bootstrap.config),
    logger: logger.child('patroni.dcs'),
  });

  // Peer requests use the ctl section's TLS settings and the REST API's own credentials (POST /failsafe).
  const peerRest = httpRestClient({ ...config.ctl, auth: restapi.authentication });
  const existing = await loadClusterOnce(dcs);
  if (existing && (await nameInUse(existing, config.name, peerRest))) {
    logger.critical(`Can't start; there is already a node named '${config.name}' running`);
    await dcs.close({ keepSession: true });
    return 1;
  }

  let loop: HaLoop | null = null;
  const postgres = createPostgres(config.postgresql, {
    scope: config.scope,
    name: config.name,
    logger: logger.child('patroni.postgresql'),
    bootstrap: config.bootstrap ? parseBootstrapConfig(config.bootstrap.raw) : null,
    // The loop already parsed and validated /config: hand its result over instead of parsing it again.
    dynamicConfig: () => loop?.getDynamicConfig() ?? bootstrap.config,
  });
  const peers = createPeerClient(peerRest);
  const haLoop = new HaLoop({
    dcs,
    postgres,
    peers,
    clock: systemClock,
    logger,
    local: buildLocalSettings(config, restapi, postgres.connUrl),
    bootstrapConfig: bootstrap.config,
  });
  loop = haLoop;

  const reload = async () => {
    const fresh = deps.rereadConfig();
    if (!fresh) {
      logger.error('configuration reload failed: the config files do not validate; keeping the current one');
      return;
    }
    postgres.updateConfig(fresh.postgresql);
    await postgres.reload();
    haLoop.wake();
    logger.info('Reloaded configuration');
  };
  deps.onReloadSignal(() => void reload().catch((e: unknown) => logger.error(`reload failed: ${String(e)}`)));

  const commands = createAgentCommands({
    loop: haLoop,
    dcs,
    peers,
    clock: systemClock,
    logger,
    probe: () => postgres.probe(),
    reload,
  });
  const rest = createRestApi({
    config: restapi,
    getStatus: () => haLoop.getStatus(),
    commands,
    logger: logger.child('patroni.api'),
  });
  await rest.listen();

  const running = haLoop.start();
  const outcome = await Promise.race([
    running.then(
      () => 'stopped' as const,
      (error: unknown) => error,
    ),
    deps.stopRequested.then(() => 'signal' as const),
  ]);
  let exitCode = 0;
  if (outcome === 'signal') {
    logger.info('Received shutdown signal, stopping');
    await haLoop.stop();
  } else if (outcome !== 'stopped') {
    logger.critical(`${outcome instanceof Error ? outcome.message : String(outcome)}`);
    exitCode = 1;
  }
  await rest.close();
  await postgres.close();
  // A paused cluster keeps its leader key on shutdown (ha-loop.md §12.4): keep the session then.
  await dcs.close({ keepSession: haLoop.getStatus().paused });
  return exitCode;
}
