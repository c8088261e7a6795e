import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Binaries } from './binaries.js';
import type { PgContext } from './context.js';
import { checkPostmaster, type PostmasterCheck } from './postmaster.js';
import { runCommand } from './run-command.js';

/** `pg_controldata` output → map (postgres.md §4.3): split at the first `:`, leading `Current ` removed. */
export function parseControlData(output: string): Record<string, string> {
  const data: Record<string, string> = {};
  for (const line of output.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line
      .slice(0, colon)
      .replace(/^Current /, '')
      .trim();
    data[key] = line.slice(colon + 1).trim();
  }
  return data;
}

/** Runs pg_controldata with the C locale; an empty map when it fails (no pg_control yet, binary missing). */
export async function readControlData(binaries: Binaries, dataDir: string): Promise<Record<string, string>> {
  let program: string;
  try {
    program = binaries.path('pg_controldata');
  } catch {
    return {};
  }
  const result = await runCommand(program, [dataDir], {
    env: { ...process.env, LANG: 'C', LC_ALL: 'C' },
    timeoutMs: 30_000,
  });
  return result.code === 0 ? parseControlData(result.stdout) : {};
}

/** One pg_controldata reading and what it was read for (see controlFileStamp). */
export interface ControlDataReading {
  readonly stamp: string;
  readonly data: Readonly<Record<string, string>>;
}

/**
 * What a pg_controldata reading depends on: the postmaster (pid and start time, or not running) and
 * global/pg_control's inode, size and mtime (PostgreSQL rewrites that file on every state change and
 * checkpoint). Null when there is no pg_control.
 */
export function controlFileStamp(dataDir: string, postmaster: PostmasterCheck): string | null {
  try {
    const info = statSync(join(dataDir, 'global', 'pg_control'), { bigint: true });
    const owner =
      postmaster.kind === 'running' ? `${postmaster.pid}@${postmaster.pidFile.startTime}` : postmaster.kind;
    return `${owner}:${info.ino}:${info.size}:${info.mtimeNs}`;
  } catch {
    return null;
  }
}

/** Runs pg_controldata and remembers the result with the stamp taken before the read. */
export async function readFreshControlData(
  ctx: PgContext,
  postmaster: PostmasterCheck = checkPostmaster(ctx.dataDir),
): Promise<Readonly<Record<string, string>>> {
  const stamp = controlFileStamp(ctx.dataDir, postmaster);
  const data = await readControlData(ctx.binaries, ctx.dataDir);
  ctx.controlData = stamp !== null && Object.keys(data).length > 0 ? { stamp, data } : null;
  return data;
}

/**
 * The last pg_controldata reading while nothing it depends on changed (controlFileStamp), else a fresh
 * one. For values that only change with pg_control (sysid, wal_log_hints, checksums, cluster state).
 */
export async function currentControlData(
  ctx: PgContext,
  postmaster: PostmasterCheck = checkPostmaster(ctx.dataDir),
  stamp: string | null = controlFileStamp(ctx.dataDir, postmaster),
): Promise<Readonly<Record<string, string>>> {
  const cached = ctx.controlData;
  if (cached !== null && cached.stamp === stamp) return cached.data;
  return readFreshControlData(ctx, postmaster);
}

/** The cluster state pg_control reports for a running server in (`true`) or out of recovery. */
const STEADY_STATES = new Map([
  ['in production', false],
  ['in archive recovery', true],
]);

/**
 * pg_controldata for the per-cycle observation (postgres.md §4.3). While the postmaster runs in a steady
 * state (agent state `running`, pg_control's cluster state agreeing with pg_is_in_recovery()) the cached
 * reading is reused; when it is not running, or in any transition, it is read afresh.
 */
export async function observedControlData(
  ctx: PgContext,
  postmaster: PostmasterCheck,
  inRecovery: boolean | null,
): Promise<Readonly<Record<string, string>>> {
  const cached = ctx.controlData;
  const reusable =
    postmaster.kind === 'running' &&
    ctx.state === 'running' &&
    inRecovery !== null &&
    cached !== null &&
    cached.stamp === controlFileStamp(ctx.dataDir, postmaster) &&
    STEADY_STATES.get(cached.data['Database cluster state'] ?? '') === inRecovery;
  return reusable ? cached.data : readFreshControlData(ctx, postmaster);
}
