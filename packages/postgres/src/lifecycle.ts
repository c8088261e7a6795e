import { mkdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import {
  type Lsn,
  type OperationResult,
  parseLsn,
  type StartOptions,
  type StopOptions,
  type StopResult,
} from '@patroni/ha-core';
import { majorOf } from './binaries.js';
import { runScript } from './callbacks.js';
import { backupConfigFiles } from './config-files.js';
import type { PgContext } from './context.js';
import { readFreshControlData } from './controldata.js';
import { assertUsableDataDirectory, inspectDataDirectory } from './data-dir.js';
import { errorMessage, PostgresError, PostgresErrorCode } from './errors.js';
import { checkPostmaster, processExists } from './postmaster.js';
import { childEnvironment, runCommand } from './run-command.js';
import { configPaths, writeServerConfig } from './server-config.js';

const POLL_MS = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** PostgreSQL refuses to run as root; the agent must say how to fix it. null when uid is fine. */
export function rootError(uid: number | undefined): PostgresError | null {
  if (uid !== 0) return null;
  return new PostgresError(
    PostgresErrorCode.RunningAsRoot,
    'PostgreSQL cannot be run as root: run the agent as the postgres user (the owner of the data directory), e.g. `sudo -u postgres patroni patroni.yml`',
  );
}

export type ReadyAnswer = 'ok' | 'reject' | 'no-response' | 'unknown';

/** `pg_isready` (postgres.md §1): exit 0 → ok, 1 → reject, 2 → no response, other → unknown. */
export async function pgIsReady(ctx: PgContext): Promise<ReadyAnswer> {
  const conn = ctx.localConnection();
  const args = ['-p', String(conn.port), '-d', String(conn.database), '-U', String(conn.user)];
  if (conn.host) args.push('-h', String(conn.host));
  const result = await runCommand(ctx.binaries.path('pg_isready'), args, { timeoutMs: 10_000 });
  return result.code === 0
    ? 'ok'
    : result.code === 1
      ? 'reject'
      : result.code === 2
        ? 'no-response'
        : 'unknown';
}

/** Checks before touching an existing data directory: initialised, same major version, sane ownership/mode. */
export async function checkDataDirectoryForStart(ctx: PgContext): Promise<number> {
  const inspection = inspectDataDirectory(ctx.dataDir);
  const state = inspection.state;
  if (state.kind === 'empty')
    throw new PostgresError(PostgresErrorCode.BadDataDirectory, `data directory ${ctx.dataDir} is empty`);
  if (state.kind !== 'initialized') throw new PostgresError(PostgresErrorCode.BadDataDirectory, state.error);
  const version = await ctx.binaries.serverVersion();
  assertUsableDataDirectory(ctx.dataDir, inspection.majorVersion ?? 0, majorOf(version));
  return version;
}

function ensureSocketDirectories(ctx: PgContext, parameters: Readonly<Record<string, string>>): void {
  for (const dir of (parameters.unix_socket_directories ?? '').split(',').map((d) => d.trim())) {
    if (dir === '' || dir.startsWith('@')) continue;
    mkdirSync(isAbsolute(dir) ? dir : join(ctx.dataDir, dir), { recursive: true, mode: 0o700 });
  }
}

/**
 * Launches the postmaster through a short-lived `sh` in a new session, so the postmaster is not the
 * agent's child and survives agent restarts (postgres.md §2.1 step 6). Resolves with its pid.
 */
async function launchPostmaster(ctx: PgContext, commandLine: readonly string[]): Promise<number> {
  const postgres = ctx.binaries.path('postgres');
  const confFile = join(ctx.config.configDir, `${ctx.config.configBaseName}.conf`);
  const args = ['-D', ctx.dataDir, `--config-file=${confFile}`, ...commandLine];
  const extra: NodeJS.ProcessEnv = {};
  const stale = checkPostmaster(ctx.dataDir);
  if (stale.kind === 'stale') extra.PG_GRANDPARENT_PID = String(stale.pid);
  const env = childEnvironment(extra);
  if (env.PG_MALLOC_ARENA_MAX !== undefined) {
    env.MALLOC_ARENA_MAX = env.PG_MALLOC_ARENA_MAX;
    delete env.PG_MALLOC_ARENA_MAX;
  }
  // The log path travels as $1, so the postmaster's environment stays free of agent variables. Without a log
  // file the postmaster writes to the agent's stderr; it must not hold the pipe `echo $!` answers on.
  const log = ctx.deps.postmasterLogFile ?? '';
  const script =
    'log="$1"; shift; if [ -n "$log" ]; then "$@" </dev/null >>"$log" 2>&1 & else "$@" </dev/null >&2 & fi; echo $!';
  const result = await runCommand('/bin/sh', ['-c', script, 'sh', log, postgres, ...args], {
    env,
    inheritStderr: log === '',
  });
  const pid = Number(result.stdout.trim());
  if (result.code !== 0 || !Number.isInteger(pid) || pid <= 0)
    throw new Error(`could not launch ${postgres}: ${result.spawnError ?? result.stderr.trim()}`);
  return pid;
}

/** Polls pg_isready until the server accepts connections, dies, or the deadline passes. */
async function waitForReady(
  ctx: PgContext,
  pid: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<OperationResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await pgIsReady(ctx);
    if (answer === 'ok' || answer === 'unknown') return { ok: true };
    if (answer === 'no-response' && !processExists(pid))
      return { ok: false, error: 'postmaster exited during start' };
    if (signal?.aborted) return { ok: false, error: 'start cancelled' };
    if (Date.now() > deadline)
      return { ok: false, error: `postgres did not accept connections within ${timeoutMs} ms` };
    await sleep(POLL_MS);
  }
}

export async function startPostgres(
  ctx: PgContext,
  options: StartOptions,
  signal?: AbortSignal,
): Promise<OperationResult> {
  const root = rootError(process.getuid?.());
  if (root) return { ok: false, error: root.message };
  const running = checkPostmaster(ctx.dataDir);
  if (running.kind === 'running') {
    ctx.state = 'starting';
    const ready = await waitForReady(ctx, running.pid, options.timeoutMs, signal);
    if (ready.ok) ctx.state = 'running';
    return ready;
  }
  let pid: number;
  try {
    const version = await checkDataDirectoryForStart(ctx);
    ctx.state = 'starting';
    ctx.role = options.role;
    ctx.pendingRestartReason = {};
    ctx.observedPostmaster = null; // a new postmaster: the cycle's check no longer holds
    await ctx.closeConnection();
    const written = await writeServerConfig(ctx, options.role, options.upstream, version);
    ctx.pendingRestartReason = { ...written.bumped };
    ensureSocketDirectories(ctx, written.parameters);
    pid = await launchPostmaster(ctx, written.commandLine);
  } catch (error) {
    ctx.state = 'start failed';
    return { ok: false, error: errorMessage(error) };
  }
  const ready = await waitForReady(ctx, pid, options.timeoutMs, signal);
  if (!ready.ok) {
    ctx.state = 'start failed';
    return ready;
  }
  ctx.state = 'running';
  await backupConfigFiles(configPaths(ctx), ctx.config.customConf).catch(() => undefined);
  ctx.logger.info(`postmaster pid=${pid}`);
  return { ok: true };
}

const STOP_SIGNALS = { smart: 'SIGTERM', fast: 'SIGINT', immediate: 'SIGQUIT' } as const;

function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Waits for `pid` to exit, calling `onTick` between polls; false on timeout. */
async function waitForExit(
  pid: number,
  timeoutMs: number | null,
  onTick: () => Promise<void>,
): Promise<boolean> {
  const deadline = timeoutMs === null ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
  while (processExists(pid)) {
    if (Date.now() > deadline) return false;
    await onTick();
    await sleep(POLL_MS);
  }
  return true;
}

async function cleanShutdownLsn(ctx: PgContext): Promise<Lsn | null> {
  const control = await readFreshControlData(ctx);
  const state = control['Database cluster state'];
  const location = control['Latest checkpoint location'];
  if ((state === 'shut down' || state === 'shut down in recovery') && location) return parseLsn(location);
  return null;
}

/** postgres.md §2.2. */
export async function stopPostgres(ctx: PgContext, options: StopOptions): Promise<StopResult> {
  const running = checkPostmaster(ctx.dataDir);
  if (running.kind !== 'running') {
    if (ctx.state !== 'crashed') ctx.state = 'stopped';
    return { ok: true, checkpointLsn: await cleanShutdownLsn(ctx) };
  }
  if (options.checkpoint && options.mode !== 'immediate' && ctx.state !== 'starting') {
    await ctx
      .withConnection((run) => run('CHECKPOINT'), { options: '-c statement_timeout=0' })
      .catch((error) => ctx.logger.debug(`CHECKPOINT before stop failed: ${errorMessage(error)}`));
  }
  if (ctx.state !== 'restarting') ctx.state = 'stopping';
  if (ctx.config.beforeStop) {
    const code = await runScript(ctx.config.beforeStop, undefined, ctx.logger, 'before_stop');
    ctx.logger.info(`before_stop script ${ctx.config.beforeStop} exited with code ${code}`);
  }
  ctx.observedPostmaster = null; // it is going away: the cycle's check no longer holds
  await ctx.closeConnection();
  const { pid } = running;
  sendSignal(pid, STOP_SIGNALS[options.mode]);
  let reported = options.mode === 'immediate' || options.onShutdownCheckpoint === undefined;
  let lastControlCheck = 0;
  const onTick = async () => {
    if (reported || Date.now() - lastControlCheck < 500) return;
    lastControlCheck = Date.now();
    const lsn = await cleanShutdownLsn(ctx);
    if (lsn !== null && processExists(pid)) {
      reported = true;
      await options.onShutdownCheckpoint?.(lsn);
    }
  };
  let exited = await waitForExit(pid, options.timeoutMs, onTick);
  if (!exited && options.mode !== 'immediate') {
    ctx.logger.warn('Sending SIGQUIT to postmaster after the stop timeout');
    sendSignal(pid, 'SIGQUIT');
    exited = await waitForExit(pid, options.timeoutMs, async () => undefined);
  }
  if (!exited) {
    ctx.logger.warn(`Sending SIGKILL to postmaster ${pid}`);
    sendSignal(pid, 'SIGKILL');
    exited = await waitForExit(pid, 10_000, async () => undefined);
  }
  if (!exited) {
    ctx.state = 'stop failed';
    return { ok: false, checkpointLsn: null, error: `postmaster ${pid} did not exit` };
  }
  if (ctx.state !== 'restarting') ctx.state = 'stopped';
  return { ok: true, checkpointLsn: await cleanShutdownLsn(ctx) };
}
