import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { DesiredSlot, OperationResult, StartOptions, UpstreamMember } from '@patroni/ha-core';
import type pg from 'pg';
import { parseConnUrl } from './conninfo.js';
import type { PgContext } from './context.js';
import { dataDirModes } from './data-dir.js';
import { errorMessage } from './errors.js';
import { startPostgres, stopPostgres } from './lifecycle.js';
import { newPgClient } from './pg-driver.js';

/** A slot read from the leader: its state file and the catalog_xmin it had. */
export interface LeaderSlot {
  readonly name: string;
  readonly database: string;
  readonly plugin: string;
  readonly catalogXmin: number | null;
  readonly state: Buffer;
}

/**
 * The connection used against the leader for slot files and readiness: rewind credentials (they may read
 * PGDATA files), `dbname = postgresql.database` (Patroni's _get_leader_connection_cursor).
 */
export function leaderSlotConnection(ctx: PgContext, leader: UpstreamMember): pg.ClientConfig | null {
  const url = leader.connUrl ? parseConnUrl(leader.connUrl) : null;
  if (!url) return null;
  const user = ctx.config.authentication.rewind ?? ctx.config.authentication.superuser;
  return {
    host: url.host,
    port: url.port,
    database: ctx.config.database,
    user: user.username,
    password: user.password ?? undefined,
    connectionTimeoutMillis: 3000,
    options: '-c statement_timeout=2000',
  };
}

/** Reads the state files of `wanted` slots that exist on the leader with the configured database and plugin. */
export async function readLeaderSlots(
  ctx: PgContext,
  leader: UpstreamMember,
  wanted: Readonly<Record<string, DesiredSlot>>,
): Promise<LeaderSlot[]> {
  const config = leaderSlotConnection(ctx, leader);
  if (config === null) return [];
  const client = await newPgClient(config);
  client.on('error', () => undefined);
  const found: LeaderSlot[] = [];
  try {
    await client.connect();
    const { rows } = await client.query<{
      slot_name: string;
      slot_type: string;
      datname: string;
      plugin: string;
      catalog_xmin: string | null;
      state: Buffer;
    }>(
      `SELECT slot_name, slot_type, datname, plugin, catalog_xmin::text AS catalog_xmin,
         pg_catalog.pg_read_binary_file('pg_replslot/' || slot_name || '/state') AS state
       FROM pg_catalog.pg_get_replication_slots() JOIN pg_catalog.pg_database ON datoid = oid
       WHERE NOT pg_catalog.pg_is_in_recovery() AND slot_name = ANY($1)`,
      [Object.keys(wanted)],
    );
    for (const row of rows) {
      const want = wanted[row.slot_name];
      if (!want) continue;
      if (row.slot_type !== 'logical' || row.datname !== want.database || row.plugin !== want.plugin) {
        ctx.logger.warn(
          `Will not copy the logical slot "${row.slot_name}" due to the configuration mismatch: configuration=${JSON.stringify(want)}, slot on the primary=${JSON.stringify({ type: row.slot_type, database: row.datname, plugin: row.plugin })}`,
        );
        continue;
      }
      found.push({
        name: row.slot_name,
        database: row.datname,
        plugin: row.plugin,
        catalogXmin: row.catalog_xmin === null ? null : Number(row.catalog_xmin),
        state: row.state,
      });
    }
  } catch (error) {
    ctx.logger.error(
      `Failed to copy logical slots from the ${leader.name} via postgresql connection: ${errorMessage(error)}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
  return found;
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `pg_replslot/<slot>` as PostgreSQL does: `<slot>.tmp/state` fsynced, renamed, directories fsynced. */
export function writeSlotFiles(dataDir: string, slots: readonly LeaderSlot[]): void {
  const { fileMode, dirMode } = dataDirModes(dataDir);
  const replslot = join(dataDir, 'pg_replslot');
  for (const slot of slots) {
    const dir = join(replslot, slot.name);
    const tmp = `${dir}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { mode: dirMode });
    fsyncPath(tmp);
    const fd = openSync(join(tmp, 'state'), 'w', fileMode);
    try {
      writeSync(fd, slot.state);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    fsyncPath(dir);
  }
  fsyncPath(replslot);
}

/**
 * Copies logical slots from the leader to this stopped-then-restarted replica (postgres.md §9.4). Nothing
 * is stopped when no slot qualifies. The state stays `restarting` while the server is down on purpose, so
 * the observation never reports a crash.
 */
export async function copyLogicalSlots(
  ctx: PgContext,
  leader: UpstreamMember,
  wanted: Readonly<Record<string, DesiredSlot>>,
  start: StartOptions,
  signal: AbortSignal,
): Promise<OperationResult> {
  const slots = await readLeaderSlots(ctx, leader, wanted);
  if (slots.length === 0) return { ok: true };
  ctx.slotAdvancer.clean();
  ctx.state = 'restarting';
  const stopped = await stopPostgres(ctx, { mode: 'fast', checkpoint: true, timeoutMs: null });
  if (!stopped.ok) {
    ctx.state = 'stop failed';
    return { ok: false, error: stopped.error ?? 'stop failed' };
  }
  let writeError: string | null = null;
  try {
    writeSlotFiles(ctx.dataDir, slots);
    for (const slot of slots) ctx.pendingLogicalSlots.set(slot.name, null);
  } catch (error) {
    writeError = `Failed to write logical slot files: ${errorMessage(error)}`;
  }
  // Started again in any case: a replica must not stay down because a slot could not be copied.
  const started = await startPostgres(ctx, start, signal);
  return started.ok && writeError !== null ? { ok: false, error: writeError } : started;
}
