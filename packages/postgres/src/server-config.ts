import { existsSync, mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { slotNameFromMemberName, type UpstreamMember } from '@patroni/ha-core';
import {
  type ConfigFilePaths,
  sanitizeAutoConf,
  writeHbaIdent,
  writePostgresqlConf,
  writeRecoveryConf,
  writeRecoverySignal,
} from './config-files.js';
import { formatConninfo, type PgpassEntry, parseConnUrl, renderPgpass, userParams } from './conninfo.js';
import type { PgContext } from './context.js';
import { readFreshControlData } from './controldata.js';
import { dataDirModes } from './data-dir.js';
import { effectiveParameters, type ParameterValue, renderValue } from './parameters.js';

export type ServerRole = 'primary' | 'replica' | 'standby_leader';

export interface WrittenServerConfig {
  readonly commandLine: readonly string[];
  readonly parameters: Readonly<Record<string, string>>;
  readonly recovery: Readonly<Record<string, string>> | null;
  readonly bumped: Readonly<Record<string, { old_value: string; new_value: string }>>;
  readonly changed: boolean;
}

export function configPaths(ctx: PgContext): ConfigFilePaths {
  return { configDir: ctx.config.configDir, dataDir: ctx.dataDir, baseName: ctx.config.configBaseName };
}

/**
 * Writes the pgpass file (config.md §7.5) with mode 0600; returns its path. A replica follows its upstream
 * every cycle: the file is only rewritten when its content would change (or it is gone).
 */
export async function writePgpass(ctx: PgContext, entries: readonly PgpassEntry[]): Promise<string> {
  const path = ctx.config.pgpassPath;
  const content = renderPgpass(entries);
  const written = ctx.pgpassWritten;
  if (written?.path === path && written.content === content && existsSync(path)) return path;
  mkdirSync(dirname(path), { recursive: true });
  await writeFile(path, content, { mode: 0o600 });
  ctx.pgpassWritten = { path, content };
  return path;
}

/** pgpass entries for connecting to `connUrl` as `user` (when it has a password). */
export function pgpassFor(
  connUrl: string | null,
  user: { username: string; password: string | null },
): PgpassEntry[] {
  const url = connUrl ? parseConnUrl(connUrl) : null;
  if (user.password === null) return [];
  return [{ host: url?.host ?? null, port: url?.port ?? null, user: user.username, password: user.password }];
}

/** primary_conninfo for following `upstream` (postgres.md §7.1); the password goes to the pgpass file. */
export function primaryConninfo(ctx: PgContext, upstream: UpstreamMember, version: number): string | null {
  const url = upstream.connUrl ? parseConnUrl(upstream.connUrl) : null;
  if (url === null) return null;
  const params: Record<string, string | number | undefined> = {
    dbname: url.dbname ?? ctx.config.database,
    ...userParams(ctx.config.authentication.replication, false),
    host: url.host,
    port: url.port,
  };
  if (ctx.config.authentication.replication.password !== null) params.passfile = ctx.config.pgpassPath;
  params.sslmode ??= 'prefer';
  params.gssencmode ??= 'prefer';
  params.channel_binding ??= 'prefer';
  params.application_name = ctx.deps.name;
  if (ctx.config.krbsrvname) params.krbsrvname = ctx.config.krbsrvname;
  return formatConninfo(params, version);
}

/** Recovery settings of a replica / standby leader (config.md §7.3). */
export function recoveryParameters(
  ctx: PgContext,
  upstream: UpstreamMember | null,
  version: number,
  fromParameters: Readonly<Record<string, string>>,
): Record<string, string> {
  const dynamic = ctx.dynamic();
  const merged: Record<string, unknown> = {
    ...(dynamic?.postgresql.recoveryConf ?? {}),
    ...ctx.config.recoveryConf,
    ...fromParameters,
  };
  const recovery: Record<string, string> = {};
  for (const [name, value] of Object.entries(merged)) {
    if (
      name.startsWith('recovery_target') ||
      ['primary_conninfo', 'primary_slot_name', 'standby_mode'].includes(name)
    )
      continue;
    if (value !== null && value !== undefined) recovery[name] = renderValue(value as ParameterValue);
  }
  recovery.recovery_target_timeline = 'latest';
  // PG < 12 reads recovery.conf, where standby_mode makes it a standby (≥ 12: standby.signal does).
  if (version < 120000) recovery.standby_mode = 'on';
  if (version >= 120000)
    for (const name of [
      'recovery_target',
      'recovery_target_name',
      'recovery_target_time',
      'recovery_target_xid',
      'recovery_target_lsn',
    ])
      recovery[name] = '';
  if (upstream) {
    const conninfo = primaryConninfo(ctx, upstream, version);
    if (conninfo) recovery.primary_conninfo = conninfo;
    const useSlots = dynamic?.postgresql.useSlots ?? true;
    const slot =
      upstream.slotName !== undefined
        ? upstream.slotName
        : useSlots
          ? slotNameFromMemberName(ctx.deps.name)
          : null;
    if (slot && conninfo) recovery.primary_slot_name = slot;
    if (upstream.restoreCommand) recovery.restore_command = upstream.restoreCommand;
    if (upstream.archiveCleanupCommand) recovery.archive_cleanup_command = upstream.archiveCleanupCommand;
    if (upstream.recoveryMinApplyDelay !== undefined && upstream.recoveryMinApplyDelay !== null)
      recovery.recovery_min_apply_delay = String(upstream.recoveryMinApplyDelay);
  }
  return recovery;
}

/** Computes the parameters for `role` without writing anything. */
export async function computeServerConfig(
  ctx: PgContext,
  role: ServerRole,
  upstream: UpstreamMember | null,
  version: number,
) {
  const dynamic = ctx.dynamic();
  const replicaControlData = role === 'primary' ? null : await readFreshControlData(ctx);
  const effective = effectiveParameters({
    local: ctx.config.parameters,
    dynamic: dynamic?.postgresql.parameters ?? {},
    listenAddresses: ctx.config.listenAddresses,
    port: ctx.config.port,
    scope: ctx.deps.scope,
    version,
    configDir: ctx.config.configDir,
    replicaControlData,
    warn: (m) => ctx.logger.warn(m),
  });
  const parameters = { ...effective.conf };
  // Replicas that should hold logical slots need their catalog_xmin on the primary (postgres.md §9.4).
  if (ctx.enforceHotStandbyFeedback) parameters.hot_standby_feedback = 'on';
  if (ctx.syncStandbyNames === null) delete parameters.synchronous_standby_names;
  else if (ctx.syncStandbyNames !== undefined) parameters.synchronous_standby_names = ctx.syncStandbyNames;
  const recovery =
    role === 'primary' ? null : recoveryParameters(ctx, upstream, version, effective.recoveryFromParameters);
  return { ...effective, parameters, recovery };
}

/**
 * Writes postgresql.conf (+ base), pg_hba.conf, pg_ident.conf, the pgpass file and the recovery settings
 * for `role` (postgres.md §2.1 step 5). PG ≥ 12 layout only.
 */
export async function writeServerConfig(
  ctx: PgContext,
  role: ServerRole,
  upstream: UpstreamMember | null,
  version: number,
): Promise<WrittenServerConfig> {
  const computed = await computeServerConfig(ctx, role, upstream, version);
  const { fileMode } = dataDirModes(ctx.dataDir);
  const paths = configPaths(ctx);
  if (upstream) await writePgpass(ctx, pgpassFor(upstream.connUrl, ctx.config.authentication.replication));
  let changed = await writePostgresqlConf(
    paths,
    {
      include: ctx.config.customConf ?? `${paths.baseName}.base.conf`,
      parameters: computed.parameters,
      // PG < 12 has no recovery GUCs: the settings go to recovery.conf instead.
      recovery: version >= 120000 ? computed.recovery : null,
    },
    ctx.config.customConf,
    fileMode,
  );
  const dynamic = ctx.dynamic();
  const hba = ctx.config.pgHba ?? dynamic?.postgresql.pgHba ?? null;
  const ident = ctx.config.pgIdent ?? dynamic?.postgresql.pgIdent ?? null;
  changed = (await writeHbaIdent(paths, hba, ident, computed.parameters, fileMode)) || changed;
  await sanitizeAutoConf(ctx.dataDir);
  if (version >= 120000)
    await writeRecoverySignal(ctx.dataDir, role === 'primary' ? null : 'standby', fileMode);
  else await writeRecoveryConf(ctx.dataDir, computed.recovery, fileMode);
  ctx.upstream = role === 'primary' ? null : upstream;
  return {
    commandLine: computed.commandLine,
    parameters: computed.parameters,
    recovery: computed.recovery,
    bumped: computed.bumped,
    changed,
  };
}
