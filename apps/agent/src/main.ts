import { type PostgresqlConfig, postgresqlConfigSchema } from '@patroni/postgres';
import { restApiConfigSchema } from '@patroni/rest-api';
import { type AgentConfig, loadConfig, type SectionSchemas } from './config/index.js';
import { type DaemonConfig, runDaemon } from './daemon/run-daemon.js';
import { createLogging } from './logging/logger.js';
import { runPatroni } from './patroni-cli.js';

/** The sections whose schemas live in the packages that use them. */
export const SECTION_SCHEMAS: SectionSchemas = {
  postgresql: postgresqlConfigSchema,
  restapi: restApiConfigSchema,
};

/**
 * The one place that reads argv, the environment and config files, builds the real adapters and installs
 * signal handlers (STYLE.md 7). Returns the exit code.
 */
/** The loader parsed `postgresql` with SECTION_SCHEMAS, so its value has this type. */
function asDaemonConfig(config: AgentConfig): DaemonConfig {
  return config as unknown as AgentConfig<PostgresqlConfig>;
}

export async function main(argv: readonly string[]): Promise<number> {
  return runPatroni(argv, process.stdout, process.stderr, {
    env: process.env,
    sections: SECTION_SCHEMAS,
    runDaemon: (config, consumedEnv, configFile) =>
      startDaemon(asDaemonConfig(config), consumedEnv, configFile),
  });
}

async function startDaemon(
  config: DaemonConfig,
  consumedEnv: readonly string[],
  configFile: string | undefined,
): Promise<number> {
  // Patroni removes the variables it consumed so child processes (callbacks, postgres) do not see secrets.
  for (const name of consumedEnv) delete process.env[name];
  const logging = createLogging(config.log);
  const logger = logging.root;
  const env = { ...process.env };
  let requestStop: () => void = () => undefined;
  const stopRequested = new Promise<void>((resolve) => {
    requestStop = resolve;
  });
  const onSignal = () => requestStop();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    return await runDaemon(config, {
      logger,
      stopRequested,
      onReloadSignal: (handler) => process.on('SIGHUP', handler),
      rereadConfig: () => {
        const loaded = loadConfig({ path: configFile, env, sections: SECTION_SCHEMAS });
        if (!loaded.ok) {
          for (const problem of loaded.problems) logger.error(problem);
          return null;
        }
        return asDaemonConfig(loaded.config);
      },
    });
  } catch (error) {
    logger.critical(error instanceof Error ? error.message : String(error));
    // An unexpected failure is a bug: keep its stack for the report (Patroni logs the traceback too).
    if (error instanceof Error && !('code' in error)) logger.error(error.stack ?? '');
    return 1;
  } finally {
    logging.close();
  }
}
