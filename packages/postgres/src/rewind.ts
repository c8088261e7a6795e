import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import {
  formatLsn,
  type Lsn,
  type OperationResult,
  parseLsn,
  type Timeline,
  type UpstreamMember,
} from '@patroni/ha-core';
import type pg from 'pg';
import { formatConninfo, parseConnUrl, userParams } from './conninfo.js';
import type { PgContext } from './context.js';
import { controlFileStamp, currentControlData, readFreshControlData } from './controldata.js';
import { errorMessage } from './errors.js';
import { stopPostgres } from './lifecycle.js';
import { newPgClient } from './pg-driver.js';
import { checkPostmaster } from './postmaster.js';
import {
  type HistoryEntry,
  identifySystem,
  timelineHistory,
  withReplicationConnection,
  withTextConnection,
} from './replication-connection.js';
import { childEnvironment, describeFailure, runCommand } from './run-command.js';
import { pgpassFor, writePgpass } from './server-config.js';

export interface LocalPosition {
  readonly inRecovery: boolean;
  readonly timeline: Timeline;
  readonly lsn: Lsn;
}

/**
 * The divergence rule (postgres.md §7.3 step 3). `checkpointEnd` is the end of the local shutdown
 * checkpoint record (former primary), null when unknown.
 */
export function decideRewind(
  local: LocalPosition,
  leaderTimeline: Timeline,
  history: readonly HistoryEntry[],
  checkpointEnd: Lsn | null,
): 'need' | 'not-need' {
  if (local.timeline > leaderTimeline) return 'need';
  if (local.timeline === leaderTimeline) return 'not-need';
  for (const entry of history) {
    if (entry.parentTimeline === local.timeline) {
      if (local.inRecovery) return local.lsn > entry.switchpoint ? 'need' : 'not-need';
      if (local.lsn >= entry.switchpoint) return 'need';
      return checkpointEnd !== null && checkpointEnd === entry.switchpoint ? 'not-need' : 'need';
    }
    if (entry.parentTimeline > local.timeline) return 'need';
  }
  return 'need';
}

/** Local timeline/LSN from pg_controldata of a stopped server (postgres.md §7.3 step 1). */
export function localPositionFromControlData(
  control: Readonly<Record<string, string>>,
): LocalPosition | null {
  const state = control['Database cluster state'];
  if (state === 'shut down in recovery' || state === 'in archive recovery') {
    const lsn = control['Minimum recovery ending location'];
    const timeline = Number(control["Min recovery ending loc's timeline"]);
    if (lsn && lsn !== '0/0' && timeline > 0) return { inRecovery: true, timeline, lsn: parseLsn(lsn) };
  } else if (state !== 'shut down') return null;
  const lsn = control['Latest checkpoint location'];
  const timeline = Number(control["Latest checkpoint's TimeLineID"]);
  return lsn && timeline > 0 ? { inRecovery: false, timeline, lsn: parseLsn(lsn) } : null;
}

/** The credentials used against the leader: rewind user on PG ≥ 11 when configured, else superuser. */
function rewindUser(ctx: PgContext) {
  return ctx.config.authentication.rewind ?? ctx.config.authentication.superuser;
}

function leaderClientConfig(
  ctx: PgContext,
  leader: UpstreamMember,
  user: typeof ctx.config.authentication.superuser,
): pg.ClientConfig | null {
  const url = leader.connUrl ? parseConnUrl(leader.connUrl) : null;
  if (!url) return null;
  return {
    host: url.host,
    port: url.port,
    database: url.dbname ?? ctx.config.database,
    user: user.username,
    password: user.password ?? undefined,
    connectionTimeoutMillis: 3000,
    options: '-c statement_timeout=2000',
  };
}

async function localPosition(ctx: PgContext): Promise<LocalPosition | null> {
  if (checkPostmaster(ctx.dataDir).kind !== 'running') {
    return localPositionFromControlData(await readFreshControlData(ctx));
  }
  const rows = await ctx.query<{ in_recovery: boolean; lsn: string }>(
    `SELECT pg_catalog.pg_is_in_recovery() AS in_recovery, CASE WHEN pg_catalog.pg_is_in_recovery()
       THEN pg_catalog.pg_last_wal_replay_lsn() ELSE pg_catalog.pg_current_wal_flush_lsn() END::text AS lsn`,
  );
  const row = rows[0];
  if (!row) return null;
  const repl = ctx.config.authentication.replication;
  const conn = ctx.localConnection();
  const identity = await withReplicationConnection(
    {
      host: conn.host,
      port: conn.port,
      user: repl.username,
      password: repl.password ?? undefined,
      database: ctx.config.database,
    },
    identifySystem,
  );
  return { inRecovery: row.in_recovery, timeline: identity.timeline, lsn: parseLsn(row.lsn) };
}

/** End of the checkpoint record at `lsn` on `timeline` from pg_waldump's "invalid record length at" error. */
async function checkpointRecordEnd(ctx: PgContext, timeline: Timeline, lsn: Lsn): Promise<Lsn | null> {
  if (!ctx.binaries.has('pg_waldump')) return null;
  const result = await runCommand(
    ctx.binaries.path('pg_waldump'),
    ['-t', String(timeline), '-s', formatLsn(lsn), '-n', '2'],
    {
      env: { ...process.env, PGDATA: ctx.dataDir, LANG: 'C', LC_ALL: 'C' },
      timeoutMs: 30_000,
    },
  );
  const matches = [
    ...`${result.stdout}\n${result.stderr}`.matchAll(
      /invalid record length at ([0-9A-Fa-f]+\/[0-9A-Fa-f]+)/g,
    ),
  ];
  const last = matches[matches.length - 1]?.[1];
  return last ? parseLsn(last) : null;
}

/** Is a pg_rewind needed to follow `leader` (postgres.md §7.3)? */
export async function checkDivergence(
  ctx: PgContext,
  leader: UpstreamMember,
): Promise<'need' | 'not-need' | 'unknown'> {
  try {
    const local = await localPosition(ctx);
    if (local === null) return 'unknown';
    const leaderConfig = leaderClientConfig(ctx, leader, rewindUser(ctx));
    if (leaderConfig === null) return 'unknown';
    if (!(await leaderIsPrimary(leaderConfig))) return 'unknown';
    const repl = ctx.config.authentication.replication;
    const replConfig = {
      ...leaderConfig,
      user: repl.username,
      password: repl.password ?? undefined,
      options: undefined,
    };
    const { timeline, history } = await withReplicationConnection(replConfig, async (run) => {
      const identity = await identifySystem(run);
      const entries =
        identity.timeline > 1 && identity.timeline > local.timeline
          ? await timelineHistory(run, identity.timeline)
          : [];
      return { timeline: identity.timeline, history: entries };
    });
    const checkpointEnd = local.inRecovery ? null : await checkpointRecordEnd(ctx, local.timeline, local.lsn);
    const decision = decideRewind(local, timeline, history, checkpointEnd);
    ctx.logger.info(
      `local timeline=${local.timeline} lsn=${local.lsn}; leader timeline=${timeline}: rewind ${decision === 'need' ? 'needed' : 'not needed'}`,
    );
    return decision;
  } catch (error) {
    ctx.logger.warn(`could not check divergence with ${leader.name}: ${errorMessage(error)}`);
    return 'unknown';
  }
}

/**
 * Whether `pg_rewind --help` works, asked once per binary (path, size, mtime, mode) rather than every cycle;
 * false without an executable file there.
 */
export async function rewindBinaryWorks(ctx: PgContext): Promise<boolean> {
  const path = ctx.binaries.expectedPath('pg_rewind');
  const info = path === null ? undefined : statSync(path, { throwIfNoEntry: false });
  if (path === null || !info?.isFile() || (info.mode & 0o111) === 0) return false;
  const key = `${path}:${info.size}:${info.mtimeMs}:${info.mode}`;
  const known = ctx.rewindBinaryWorks.get(key);
  if (known !== undefined) return known;
  const help = await runCommand(path, ['--help'], { timeoutMs: 10_000 });
  // A timeout says nothing about the binary: ask again next time.
  if (!help.cancelled) ctx.rewindBinaryWorks.set(key, help.code === 0);
  return help.code === 0;
}

/**
 * use_pg_rewind, a working pg_rewind, and wal_log_hints or data checksums (postgres.md §7.3). Asked every
 * cycle: pg_controldata comes from the cache while pg_control is unchanged (controldata.ts).
 */
export async function canRewind(ctx: PgContext): Promise<boolean> {
  const usePgRewind = ctx.config.usePgRewind || ctx.dynamic()?.postgresql.usePgRewind === true;
  if (!usePgRewind) return false;
  // The cycle's observation checked the postmaster a moment ago; a stale check only costs a fresh
  // pg_controldata reading (the stamp differs), and the settings asked for live in pg_control anyway.
  const postmaster = ctx.observedPostmaster ?? checkPostmaster(ctx.dataDir);
  const stamp = controlFileStamp(ctx.dataDir, postmaster);
  if (stamp === null) return false;
  if (!(await rewindBinaryWorks(ctx))) return false;
  const control = await currentControlData(ctx, postmaster, stamp);
  return control['wal_log_hints setting'] === 'on' || (control['Data page checksum version'] ?? '0') !== '0';
}

/** The post-promote CHECKPOINT on the source (postgres.md §7.4 step 4); an error text when not ready. */
async function ensureSourceCheckpoint(
  ctx: PgContext,
  leader: UpstreamMember,
  config: pg.ClientConfig,
): Promise<string | null> {
  if (leader.checkpointAfterPromote === false)
    return `Waiting for checkpoint on ${leader.name} before rewind`;
  const client = await newPgClient({ ...config, options: undefined });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const recovery = await client.query<{ r: boolean }>('SELECT pg_catalog.pg_is_in_recovery() AS r');
    if (recovery.rows[0]?.r !== false) return `${leader.name} is not a primary`;
    if (leader.checkpointAfterPromote === true) return null;
    if (ctx.config.authentication.rewind === null) {
      await client.query('CHECKPOINT');
      return null;
    }
    const check = await client.query<{ same: boolean }>(
      `SELECT ('x' || pg_catalog.substr(pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 1, 8))::bit(32)::int
         = (SELECT timeline_id FROM pg_catalog.pg_control_checkpoint()) AS same`,
    );
    return check.rows[0]?.same ? null : 'leader has not run a checkpoint yet';
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** pg_rewind's libpq messages when it could not reach the source or lost it midway. */
const SOURCE_CONNECTION_ERROR =
  /could not connect to server|connection to server .* failed|server closed the connection unexpectedly|terminating connection/i;

/** Whether the server `config` reaches is out of recovery; a connection or query error is thrown. */
async function leaderIsPrimary(config: pg.ClientConfig): Promise<boolean> {
  const [row] = await withTextConnection(config, (run) =>
    run('SELECT pg_catalog.pg_is_in_recovery()::text AS in_recovery'),
  );
  return row?.in_recovery === 'false';
}

/** Patroni's check_leader_is_not_in_recovery: reachable and not in recovery; any error means no. */
function sourceIsPrimary(config: pg.ClientConfig): Promise<boolean> {
  return leaderIsPrimary({ ...config, options: undefined }).catch(() => false);
}

/** pg_rewind against the leader (postgres.md §7.4). */
export async function rewind(
  ctx: PgContext,
  leader: UpstreamMember,
  signal: AbortSignal,
  removeDataDirectory: (reason: string) => Promise<OperationResult>,
): Promise<OperationResult> {
  const user = rewindUser(ctx);
  const config = leaderClientConfig(ctx, leader, user);
  if (config === null) return { ok: false, error: `leader ${leader.name} has no conn_url` };
  const stopped = await stopPostgres(ctx, { mode: 'fast', checkpoint: false, timeoutMs: null });
  if (!stopped.ok) return { ok: false, error: `could not stop postgres before rewind: ${stopped.error}` };
  // The stop already read pg_control: a checkpoint LSN means a clean shutdown, nothing more to check.
  if (stopped.checkpointLsn === null) {
    const clean = await ensureCleanShutdown(ctx, signal);
    if (!clean.ok) return clean;
  }
  try {
    const notReady = await ensureSourceCheckpoint(ctx, leader, config);
    if (notReady) return { ok: false, error: notReady, sourceUnavailable: true };
  } catch (error) {
    const reason = `leader ${leader.name} is not reachable: ${errorMessage(error)}`;
    return { ok: false, error: reason, sourceUnavailable: true };
  }
  const version = await ctx.binaries.serverVersion();
  const conninfo = formatConninfo(
    {
      dbname: config.database,
      ...userParams(user, false),
      host: String(config.host),
      port: Number(config.port),
      target_session_attrs: 'read-write',
    },
    version,
  );
  const env = childEnvironment({
    PGPASSFILE: await writePgpass(ctx, pgpassFor(leader.connUrl, user)),
    LANG: 'C',
    LC_ALL: 'C',
    PGOPTIONS: '-c statement_timeout=0',
  });
  const args = ['-D', ctx.dataDir, '--source-server', conninfo];
  if (version >= 150000 && ctx.config.configDir !== ctx.dataDir)
    args.unshift(`--config-file=${ctx.config.configDir}/${ctx.config.configBaseName}.conf`);
  ctx.logger.info(`running pg_rewind from ${leader.name}`);
  const result = await runCommand(ctx.binaries.path('pg_rewind'), args, { env, signal });
  if (result.code === 0) {
    ctx.logger.info('pg_rewind finished successfully');
    ctx.state = 'stopped';
    return { ok: true };
  }
  const error = describeFailure('pg_rewind', result);
  // postgres.md §7.4.8: when the source went away the attempt does not count (and removes nothing). A
  // connection that failed or broke also counts as that, even if the source answers again by now.
  if (SOURCE_CONNECTION_ERROR.test(result.stderr) || !(await sourceIsPrimary(config))) {
    ctx.logger.warn(`Failed to rewind because primary ${leader.name} become unreachable`);
    return { ok: false, error, sourceUnavailable: true };
  }
  ctx.logger.error(`Failed to rewind from healthy primary: ${leader.name}: ${error}`);
  if (ctx.config.removeDataDirectoryOnRewindFailure || ctx.config.removeDataDirectoryOnDivergedTimelines) {
    const removed = await removeDataDirectory('pg_rewind failed');
    return {
      ok: false,
      error: `${error}; data directory ${removed.ok ? 'removed' : 'could not be removed'}`,
    };
  }
  return { ok: false, error };
}

const CLEAN_STATES = new Set(['shut down', 'shut down in recovery']);

/**
 * pg_rewind refuses a target that was not shut down cleanly, and its own crash recovery fails while
 * standby.signal exists ("standby mode is not supported by single-user servers"): a server that crashed
 * during the stop before the rewind gets our single-user crash recovery first (sim seed 212).
 */
async function ensureCleanShutdown(ctx: PgContext, signal: AbortSignal): Promise<OperationResult> {
  const control = await readFreshControlData(ctx).catch(() => ({}) as Record<string, string>);
  const state = control['Database cluster state'];
  if (state === undefined || CLEAN_STATES.has(state)) return { ok: true };
  ctx.logger.info(`data directory was not shut down cleanly (${state}) before pg_rewind`);
  const recovered = await crashRecovery(ctx, signal);
  return recovered.ok
    ? recovered
    : { ok: false, error: `crash recovery before pg_rewind failed: ${recovered.error}` };
}

/** Single-user crash recovery (postgres.md §7.5) with the options of postmaster.opts. */
export async function crashRecovery(ctx: PgContext, signal: AbortSignal): Promise<OperationResult> {
  const opts = await readFile(`${ctx.dataDir}/postmaster.opts`, 'utf8').catch(() => '');
  const args = ['--single', '-D', ctx.dataDir];
  for (const match of opts.matchAll(/"--([^="]+)=([^"]*)"/g)) args.push('-c', `${match[1]}=${match[2]}`);
  args.push('-c', 'archive_mode=on', '-c', 'archive_command=false', 'template1');
  for (const name of ['standby.signal', 'recovery.signal', 'recovery.conf'])
    await rm(`${ctx.dataDir}/${name}`, { force: true });
  if (existsSync(`${ctx.dataDir}/pg_wal/archive_status`))
    await rm(`${ctx.dataDir}/pg_wal/archive_status`, { recursive: true, force: true }).then(() =>
      mkdir(`${ctx.dataDir}/pg_wal/archive_status`, { mode: 0o700 }),
    );
  ctx.logger.info('doing crash recovery in a single user mode');
  const result = await runCommand(ctx.binaries.path('postgres'), args, {
    signal,
    input: '',
    env: childEnvironment(),
  });
  return result.code === 0
    ? { ok: true }
    : { ok: false, error: describeFailure('postgres --single', result) };
}
