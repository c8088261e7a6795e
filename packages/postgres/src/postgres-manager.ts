import { existsSync, lstatSync, readdirSync, readlinkSync, renameSync } from 'node:fs';
import { rm, unlink } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type {
  CallbackAction,
  DesiredSlot,
  DesiredSlots,
  OperationResult,
  PostgresObservation,
  PostgresPort,
  PostgresQueryResult,
  SlotSyncResult,
  StartOptions,
  StopOptions,
  StopResult,
  UpstreamMember,
} from '@patroni/ha-core';
import { bootstrapCluster, postBootstrap } from './bootstrap.js';
import { runScript } from './callbacks.js';
import type { PostgresqlConfig } from './config.js';
import { hasRecoverySignal } from './config-files.js';
import { connUrl } from './conninfo.js';
import { PgContext, type PostgresDeps, type PostgresRole } from './context.js';
import { readFreshControlData } from './controldata.js';
import { errorMessage } from './errors.js';
import { configureFollow } from './follow.js';
import { startPostgres, stopPostgres } from './lifecycle.js';
import { observe, probe } from './observe.js';
import { RECOVERY_PARAMETERS } from './parameters.js';
import { checkPostmaster } from './postmaster.js';
import { createReplica } from './replica.js';
import { canRewind, checkDivergence, crashRecovery, rewind } from './rewind.js';
import { describeFailure, runCommand } from './run-command.js';
import { type ServerRole, writeServerConfig } from './server-config.js';
import { copyLogicalSlots } from './slot-copy.js';
import { syncReplicationSlots } from './slots.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The PostgresPort over one real PostgreSQL server. Callbacks are fired by the caller (runCallback). */
export class PostgresManager implements PostgresPort {
  private readonly ctx: PgContext;

  constructor(config: PostgresqlConfig, deps: PostgresDeps) {
    this.ctx = new PgContext(config, deps);
  }

  /** The agent's role for this server as Patroni 4 names it. */
  get role(): PostgresRole {
    return this.ctx.role;
  }

  /** `postgres://<connect_address>/<database>` for the member key. */
  get connUrl(): string {
    return connUrl(this.ctx.config);
  }

  /** Replaces the local config (SIGHUP / POST /reload); call reload() to apply it. */
  updateConfig(config: PostgresqlConfig): void {
    this.ctx.config = config;
  }

  observe(): Promise<PostgresObservation> {
    return observe(this.ctx);
  }

  /** The status query only (REST health probe): null when the server does not answer. */
  probe(): Promise<PostgresQueryResult | null> {
    return probe(this.ctx);
  }

  bootstrap(signal: AbortSignal): Promise<OperationResult> {
    return bootstrapCluster(this.ctx, signal);
  }

  postBootstrap(signal: AbortSignal): Promise<OperationResult> {
    return postBootstrap(this.ctx, signal);
  }

  createReplica(source: UpstreamMember | null, signal: AbortSignal): Promise<OperationResult> {
    return createReplica(this.ctx, source, signal);
  }

  start(options: StartOptions, signal: AbortSignal): Promise<OperationResult> {
    return startPostgres(this.ctx, options, signal);
  }

  stop(options: StopOptions): Promise<StopResult> {
    return stopPostgres(this.ctx, options);
  }

  async restart(options: StartOptions, signal: AbortSignal): Promise<OperationResult> {
    this.ctx.state = 'restarting';
    const stopped = await stopPostgres(this.ctx, { mode: 'fast', checkpoint: true, timeoutMs: null });
    if (!stopped.ok) {
      this.ctx.state = 'restart failed';
      return { ok: false, error: stopped.error ?? 'stop failed' };
    }
    const started = await startPostgres(this.ctx, options, signal);
    if (!started.ok) this.ctx.state = 'restart failed';
    return started;
  }

  private currentServerRole(): ServerRole {
    if (this.ctx.role === 'standby_leader') return 'standby_leader';
    if (this.ctx.role === 'primary' || this.ctx.role === 'promoted') return 'primary';
    return hasRecoverySignal(this.ctx.dataDir) ? 'replica' : 'primary';
  }

  async reload(): Promise<void> {
    const version = await this.ctx.binaries.serverVersion();
    const written = await writeServerConfig(this.ctx, this.currentServerRole(), this.ctx.upstream, version);
    if (checkPostmaster(this.ctx.dataDir).kind !== 'running') return;
    const before = await this.configLoadTime();
    const result = await runCommand(this.ctx.binaries.path('pg_ctl'), [
      'reload',
      '-s',
      '-D',
      this.ctx.dataDir,
    ]);
    if (result.code !== 0) throw new Error(describeFailure('pg_ctl reload', result));
    // The postmaster applies SIGHUP asynchronously; new backends show it once pg_conf_load_time() moved.
    const deadline = Date.now() + 2000;
    while (before !== null && (await this.configLoadTime()) === before && Date.now() < deadline)
      await sleep(20);
    await this.refreshPendingRestart(written.parameters, written.bumped);
  }

  private async configLoadTime(): Promise<string | null> {
    await this.ctx.closeConnection();
    const rows = await this.ctx
      .query<{ t: string }>('SELECT pg_catalog.pg_conf_load_time()::text AS t')
      .catch(() => []);
    return rows[0]?.t ?? null;
  }

  /** pending_restart from pg_settings after a reload, with the old (running) and new (configured) values. */
  private async refreshPendingRestart(
    parameters: Readonly<Record<string, string>>,
    bumped: Readonly<Record<string, { old_value: string; new_value: string }>>,
  ): Promise<void> {
    const rows = await this.ctx
      .query<{ name: string; setting: string; unit: string | null }>(
        'SELECT name, pg_catalog.current_setting(name) AS setting, NULL AS unit FROM pg_catalog.pg_settings WHERE pending_restart',
      )
      .catch(() => []);
    const reasons: Record<string, { old_value: string; new_value: string }> = { ...bumped };
    for (const row of rows) {
      if (row.name === 'hot_standby' || RECOVERY_PARAMETERS.has(row.name)) continue;
      reasons[row.name] = {
        old_value: `${row.setting}${row.unit ?? ''}`,
        new_value: parameters[row.name] ?? '',
      };
    }
    this.ctx.pendingRestartReason = reasons;
  }

  async promote(waitMs: number, signal: AbortSignal): Promise<OperationResult> {
    this.ctx.slotAdvancer.clean();
    if (this.ctx.pendingLogicalSlots.size > 0)
      this.ctx.logger.warn(
        `Logical replication slots that might be unsafe to use after promote: ${[...this.ctx.pendingLogicalSlots.keys()].join(', ')}`,
      );
    const result = await runCommand(
      this.ctx.binaries.path('pg_ctl'),
      ['promote', '-W', '-D', this.ctx.dataDir],
      { signal },
    );
    if (result.code !== 0) return { ok: false, error: describeFailure('pg_ctl promote', result) };
    this.ctx.role = 'promoted';
    this.ctx.upstream = null;
    const deadline = Date.now() + waitMs;
    while (Date.now() <= deadline && !signal.aborted) {
      const control = await readFreshControlData(this.ctx);
      if (control['Database cluster state'] === 'in production') {
        this.ctx.role = 'primary';
        return { ok: true };
      }
      await sleep(100);
    }
    return { ok: false, error: `postgres did not leave recovery within ${waitMs} ms` };
  }

  async checkpoint(): Promise<OperationResult> {
    try {
      await this.ctx.withConnection((run) => run('CHECKPOINT'), {
        options: '-c statement_timeout=0',
      });
      return { ok: true };
    } catch (error) {
      return { ok: false, error: errorMessage(error) };
    }
  }

  configureFollow(upstream: UpstreamMember | null): Promise<'unchanged' | 'reloaded' | 'restart-required'> {
    return configureFollow(this.ctx, upstream, () => this.reload());
  }

  checkDivergence(leader: UpstreamMember): Promise<'need' | 'not-need' | 'unknown'> {
    return checkDivergence(this.ctx, leader);
  }

  canRewind(): Promise<boolean> {
    return canRewind(this.ctx);
  }

  rewind(leader: UpstreamMember, signal: AbortSignal): Promise<OperationResult> {
    return rewind(this.ctx, leader, signal, (reason) => this.removeDataDirectory(reason));
  }

  crashRecovery(signal: AbortSignal): Promise<OperationResult> {
    return crashRecovery(this.ctx, signal);
  }

  /** postgres.md §6.6: symlinked pg_wal and tablespace targets too; renamed to `.failed` if removal fails. */
  async removeDataDirectory(reason: string): Promise<OperationResult> {
    const dataDir = this.ctx.dataDir;
    if (checkPostmaster(dataDir).kind === 'running')
      return { ok: false, error: `refusing to remove data directory ${dataDir}: postgres is running` };
    this.ctx.logger.info(`Removing data directory: ${dataDir} (${reason})`);
    this.ctx.role = 'uninitialized';
    if (!existsSync(dataDir)) return { ok: true };
    const targets: string[] = [];
    try {
      const stat = lstatSync(dataDir);
      if (stat.isSymbolicLink() || stat.isFile()) {
        await unlink(dataDir);
        return { ok: true };
      }
      for (const link of ['pg_wal', ...tablespaceLinks(dataDir)]) {
        const path = join(dataDir, link);
        if (existsSync(path) && lstatSync(path).isSymbolicLink()) {
          const target = readlinkSync(path);
          targets.push(isAbsolute(target) ? target : resolve(dataDir, target));
        }
      }
      for (const target of targets) await rm(target, { recursive: true, force: true });
      await rm(dataDir, { recursive: true, force: true });
      return { ok: true };
    } catch (error) {
      for (const path of [dataDir, ...targets]) {
        try {
          if (existsSync(path)) renameSync(path, `${path}.failed`);
        } catch {
          // nothing more to do
        }
      }
      return { ok: false, error: `could not remove data directory ${dataDir}: ${errorMessage(error)}` };
    }
  }

  syncReplicationSlots(desired: DesiredSlots): Promise<SlotSyncResult> {
    return syncReplicationSlots(this.ctx, desired, () => this.reload());
  }

  copyLogicalSlots(
    leader: UpstreamMember,
    slots: Readonly<Record<string, DesiredSlot>>,
    start: StartOptions,
    signal: AbortSignal,
  ): Promise<OperationResult> {
    return copyLogicalSlots(this.ctx, leader, slots, start, signal);
  }

  async setSynchronousStandbyNames(value: string | null): Promise<void> {
    if (this.ctx.syncStandbyNames === value) return;
    this.ctx.syncStandbyNames = value;
    await this.reload();
  }

  runCallback(action: CallbackAction, role: string): void {
    this.ctx.callbacks.run(action, role);
  }

  async runPrePromote(): Promise<boolean> {
    const command = this.ctx.config.prePromote;
    if (!command) return true;
    const code = await runScript(command, undefined, this.ctx.logger, 'pre_promote');
    this.ctx.logger.info(`pre_promote script \`${command}\` exited with ${code}`);
    return code === 0;
  }

  /** Closes the agent's connection and stops running callbacks (agent shutdown). */
  async close(): Promise<void> {
    this.ctx.callbacks.killAll();
    this.ctx.slotAdvancer.clean();
    await this.ctx.closeConnection();
  }
}

function tablespaceLinks(dataDir: string): string[] {
  try {
    return readdirSync(join(dataDir, 'pg_tblspc')).map((oid) => join('pg_tblspc', oid));
  } catch {
    return [];
  }
}
