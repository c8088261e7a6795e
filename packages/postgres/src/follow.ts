import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { UpstreamMember } from '@patroni/ha-core';
import { confPath, hasRecoverySignal, parseConfFile } from './config-files.js';
import { parseConninfo } from './conninfo.js';
import type { PgContext } from './context.js';
import { readFreshControlData } from './controldata.js';
import { checkPostmaster, type PostmasterCheck } from './postmaster.js';
import { configPaths, pgpassFor, recoveryParameters, writePgpass } from './server-config.js';
import { sqlLiteral } from './sql-literal.js';

interface SettingRow {
  name: string;
  setting: string;
  context: string;
}

/** Recovery names compared with pg_settings (postgres.md §7.2). */
const COMPARED = [
  'primary_conninfo',
  'primary_slot_name',
  'restore_command',
  'archive_cleanup_command',
  'recovery_min_apply_delay',
  'recovery_target_timeline',
];

// The names in the text, so it can run on the heartbeat connection (no parameters there).
const COMPARED_SETTINGS_QUERY = `SELECT name, setting, context FROM pg_catalog.pg_settings WHERE name IN (${COMPARED.map(sqlLiteral).join(', ')})`;

function sameValue(name: string, current: string, desired: string): boolean {
  if (name === 'primary_conninfo') {
    const a = parseConninfo(current);
    const b = parseConninfo(desired);
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => a[k] === b[k]);
  }
  if (name === 'recovery_min_apply_delay')
    return (Number.parseInt(current, 10) || 0) === (Number.parseInt(desired, 10) || 0);
  return current === desired;
}

const mtimeMs = (path: string) => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0;

/**
 * What the live recovery settings can only change with: postgresql.conf, postgresql.auto.conf (ALTER
 * SYSTEM) and the postmaster. Patroni keys its cached pg_settings reading on the same files.
 */
function settingsStamp(ctx: PgContext, postmaster: PostmasterCheck): string | null {
  if (postmaster.kind !== 'running') return null;
  const conf = confPath(configPaths(ctx));
  const autoConf = join(ctx.dataDir, 'postgresql.auto.conf');
  return `${postmaster.pid}:${postmaster.pidFile.startTime}:${mtimeMs(conf)}:${mtimeMs(autoConf)}`;
}

/**
 * Compares the live recovery settings with what following `upstream` needs (postgres.md §7.2, PG ≥ 12).
 * Returns the names that differ and whether one of them needs a restart. A comparison that found nothing
 * is not repeated while the wanted values and the settings' sources are unchanged (one query less a cycle).
 */
export async function recoveryDifferences(
  ctx: PgContext,
  upstream: UpstreamMember | null,
  version: number,
  postmaster: PostmasterCheck = checkPostmaster(ctx.dataDir),
) {
  const desired = recoveryParameters(ctx, upstream, version, {});
  if (version < 120000) return recoveryConfDifferences(ctx, desired);
  const stamp = settingsStamp(ctx, postmaster);
  const key = stamp === null ? null : `${stamp}\n${JSON.stringify(desired)}`;
  if (key !== null && ctx.recoverySettingsMatched === key) return { changed: [], restart: false };
  ctx.recoverySettingsMatched = null;
  const rows = await ctx.query<SettingRow>(COMPARED_SETTINGS_QUERY);
  const changed: string[] = [];
  let restart = false;
  for (const row of rows) {
    const want = desired[row.name] ?? (row.name === 'recovery_min_apply_delay' ? '0' : '');
    if (!sameValue(row.name, row.setting, want)) {
      changed.push(row.name);
      if (row.context === 'postmaster') restart = true;
    }
  }
  if (changed.length === 0) ctx.recoverySettingsMatched = key;
  return { changed, restart };
}

/** PG < 12: recovery.conf as written is compared; any difference needs a restart (postgres.md §7.2). */
async function recoveryConfDifferences(ctx: PgContext, desired: Readonly<Record<string, string>>) {
  const text = await readFile(join(ctx.dataDir, 'recovery.conf'), 'utf8').catch(() => '');
  const current = parseConfFile(text);
  const changed = COMPARED.filter(
    (name) =>
      !sameValue(
        name,
        current[name] ?? (name === 'recovery_min_apply_delay' ? '0' : ''),
        desired[name] ?? (name === 'recovery_min_apply_delay' ? '0' : ''),
      ),
  );
  return { changed, restart: changed.length > 0 };
}

export async function configureFollow(
  ctx: PgContext,
  upstream: UpstreamMember | null,
  reload: () => Promise<void>,
): Promise<'unchanged' | 'reloaded' | 'restart-required'> {
  // The cycle's observation found it running moments ago (start and stop forget it): if it died since,
  // the settings query fails and the next cycle sees the crash.
  const observed = ctx.observedPostmaster;
  const postmaster = observed?.kind === 'running' ? observed : checkPostmaster(ctx.dataDir);
  if (postmaster.kind !== 'running') {
    ctx.upstream = upstream;
    return 'unchanged';
  }
  if (!hasRecoverySignal(ctx.dataDir)) {
    ctx.upstream = upstream;
    return 'restart-required';
  }
  const version = await ctx.binaries.serverVersion();
  const diff = await recoveryDifferences(ctx, upstream, version, postmaster);
  if (upstream) await writePgpass(ctx, pgpassFor(upstream.connUrl, ctx.config.authentication.replication));
  ctx.upstream = upstream;
  if (diff.changed.length === 0) return 'unchanged';
  if (diff.restart) {
    ctx.logger.info('changing primary_conninfo and restarting');
    return 'restart-required';
  }
  if (ctx.role !== 'standby_leader') ctx.role = 'replica';
  await reload();
  return 'reloaded';
}

/** The role the recovery state of a stopped or running data directory implies (postgres.md §2.1 step 2). */
export async function roleFromDataDirectory(
  ctx: PgContext,
): Promise<'replica' | 'primary' | 'uninitialized'> {
  const control = await readFreshControlData(ctx);
  if (Object.keys(control).length === 0) return 'uninitialized';
  return hasRecoverySignal(ctx.dataDir) ? 'replica' : 'primary';
}
