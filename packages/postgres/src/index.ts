// The public surface of @patroni/postgres.
import type { PostgresqlConfig } from './config.js';
import type { PostgresDeps } from './context.js';
import { rootError } from './lifecycle.js';
import { PostgresManager } from './postgres-manager.js';

export { Binaries, parseVersionOutput, resolveBinDir } from './binaries.js';
export { customBootstrapArgv, initdbArgs } from './bootstrap.js';
export { CallbackExecutor } from './callbacks.js';
export {
  type BootstrapConfig,
  bootstrapConfigSchema,
  type ConnectionUser,
  type PostgresqlConfig,
  type PostgresqlConfigInput,
  parseBootstrapConfig,
  parsePostgresqlConfig,
  postgresqlConfigSchema,
} from './config.js';
export { confLine, parseConfFile, renderPostgresqlConf } from './config-files.js';
export { connUrl, formatConninfo, parseConninfo, parseConnUrl, renderPgpass } from './conninfo.js';
export type { PostgresDeps, PostgresRole } from './context.js';
export { parseControlData } from './controldata.js';
export { type DataDirectoryInspection, inspectDataDirectory } from './data-dir.js';
export { errorMessage, isPostgresError, PostgresError, PostgresErrorCode } from './errors.js';
export { rootError } from './lifecycle.js';
export { effectiveParameters, GUARDED_PARAMETERS } from './parameters.js';
export { PostgresManager } from './postgres-manager.js';
export { checkPostmaster, parsePostmasterPid } from './postmaster.js';
export { customReplicaArgv } from './replica.js';
export { decideRewind, localPositionFromControlData } from './rewind.js';
export { shellSplit } from './shell-split.js';
export { planSlotChanges } from './slots.js';
export {
  type ParsedStandbyNames,
  parseSynchronousStandbyNames,
  renderSynchronousStandbyNames,
  type SyncStandbyRequest,
} from './sync-names.js';

/** The package's name, as published. */
export const packageName = '@patroni/postgres';

/**
 * A PostgresPort over the real server described by the `postgresql:` section. Throws PG_RUNNING_AS_ROOT
 * when the agent runs as root (PostgreSQL refuses to): run it as the postgres user.
 */
export function createPostgres(config: PostgresqlConfig, deps: PostgresDeps): PostgresManager {
  const root = rootError(process.getuid?.());
  if (root) throw root;
  return new PostgresManager(config, deps);
}
