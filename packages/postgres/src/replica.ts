import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type OperationResult, truthy, type UpstreamMember } from '@patroni/ha-core';
import { restoreConfigFiles } from './config-files.js';
import { formatConninfo, parseConnUrl, userParams } from './conninfo.js';
import type { PgContext } from './context.js';
import { inspectDataDirectory } from './data-dir.js';
import { errorMessage } from './errors.js';
import { basebackupArgs, keyValueArgs } from './options.js';
import { childEnvironment, describeFailure, runCommand } from './run-command.js';
import { configPaths, pgpassFor, writePgpass } from './server-config.js';
import { shellSplit } from './shell-split.js';

const BASEBACKUP_ATTEMPTS = 2;
const BASEBACKUP_RETRY_MS = 5_000;

/** keyword=value conninfo for pg_basebackup / custom methods: source + replication user, no password. */
export function replicationConninfo(ctx: PgContext, source: UpstreamMember, version: number): string | null {
  const url = source.connUrl ? parseConnUrl(source.connUrl) : null;
  if (url === null) return null;
  const params = {
    dbname: url.dbname ?? ctx.config.database,
    ...userParams(ctx.config.authentication.replication, false),
    host: url.host,
    port: url.port,
  };
  return formatConninfo(params, version);
}

/** argv of a custom replica method (postgres.md §6.3, compat-notes.md). */
export function customReplicaArgv(
  method: string,
  options: Readonly<Record<string, unknown>>,
  scope: string,
  dataDir: string,
  connstring: string,
): string[] {
  const argv = shellSplit(typeof options.command === 'string' ? options.command : method);
  if (truthy(options.no_params))
    return [...argv, ...keyValueArgs(options, new Set(['command', 'no_params', 'no_leader', 'keep_data']))];
  argv.push(`--scope=${scope}`, `--datadir=${dataDir}`, '--role=replica', `--connstring=${connstring}`);
  return [...argv, ...keyValueArgs(options, new Set(['command', 'scope', 'datadir', 'role', 'connstring']))];
}

/**
 * Removes what a failed attempt left in the data directory, keeping the entries that were there before
 * (an empty mount point, dot-files, lost+found) and the directory itself if it existed.
 */
async function removePartialDataDirectory(
  dataDir: string,
  before: ReadonlySet<string> | null,
): Promise<void> {
  if (!existsSync(dataDir)) return;
  if (before === null) {
    await rm(dataDir, { recursive: true, force: true });
    return;
  }
  for (const entry of readdirSync(dataDir)) {
    if (!before.has(entry)) await rm(join(dataDir, entry), { recursive: true, force: true });
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

async function runBasebackup(
  ctx: PgContext,
  source: UpstreamMember,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
  before: ReadonlySet<string> | null,
) {
  const version = await ctx.binaries.serverVersion();
  const conninfo = replicationConninfo(ctx, source, version);
  if (conninfo === null) return { ok: false, error: `member ${source.name} has no conn_url` } as const;
  const options = basebackupArgs(ctx.config.basebackup, version, (m) => ctx.logger.warn(m));
  if (!options.ok) return options;
  const args = [`--pgdata=${ctx.dataDir}`, '-X', 'stream', `--dbname=${conninfo}`, ...options.args];
  let error = '';
  for (let attempt = 1; attempt <= BASEBACKUP_ATTEMPTS && !signal.aborted; attempt++) {
    const result = await runCommand(ctx.binaries.path('pg_basebackup'), args, { env, signal });
    if (result.code === 0) return { ok: true } as const;
    error = describeFailure('pg_basebackup', result);
    ctx.logger.error(`Error when fetching backup: ${error}`);
    await removePartialDataDirectory(ctx.dataDir, before);
    if (attempt < BASEBACKUP_ATTEMPTS) await sleep(BASEBACKUP_RETRY_MS, signal);
  }
  return { ok: false, error } as const;
}

async function runCustomMethod(
  ctx: PgContext,
  method: string,
  source: UpstreamMember | null,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): Promise<OperationResult> {
  const options = ctx.config.replicaMethods[method] ?? {};
  const version = await ctx.binaries.serverVersion().catch(() => 999999);
  const connstring = source ? (replicationConninfo(ctx, source, version) ?? '') : '';
  const [program, ...args] = customReplicaArgv(method, options, ctx.deps.scope, ctx.dataDir, connstring);
  if (program === undefined) return { ok: false, error: `replica method ${method} has an empty command` };
  const result = await runCommand(program, args, { env, signal });
  return result.code === 0 ? { ok: true } : { ok: false, error: describeFailure(program, result) };
}

/** Clones the data directory with create_replica_methods in order (postgres.md §6). */
export async function createReplica(
  ctx: PgContext,
  source: UpstreamMember | null,
  signal: AbortSignal,
): Promise<OperationResult> {
  const methods = ctx.config.createReplicaMethods.filter(
    (m) => source !== null || (m !== 'basebackup' && truthy(ctx.config.replicaMethods[m]?.no_leader)),
  );
  if (methods.length === 0)
    return { ok: false, error: 'no replica creation method can be used without a leader' };
  const env: NodeJS.ProcessEnv = {};
  if (source)
    env.PGPASSFILE = await writePgpass(ctx, pgpassFor(source.connUrl, ctx.config.authentication.replication));
  const childEnv = childEnvironment(env);
  const before = existsSync(ctx.dataDir) ? new Set(readdirSync(ctx.dataDir)) : null;
  ctx.state = 'creating replica';
  const errors: string[] = [];
  try {
    for (const method of methods) {
      const keepData = truthy(ctx.config.replicaMethods[method]?.keep_data);
      if (!keepData && inspectDataDirectory(ctx.dataDir).state.kind !== 'empty') {
        errors.push(`${method}: data directory ${ctx.dataDir} is not empty`);
        continue;
      }
      ctx.logger.info(
        `trying to bootstrap ${source ? `from leader '${source.name}'` : 'without leader'} using ${method}`,
      );
      const result =
        method === 'basebackup' && source
          ? await runBasebackup(ctx, source, childEnv, signal, before)
          : await runCustomMethod(ctx, method, source, childEnv, signal);
      if (result.ok) {
        await restoreConfigFiles(configPaths(ctx), ctx.config.customConf);
        await rm(join(ctx.dataDir, 'promote'), { force: true });
        return { ok: true };
      }
      errors.push(`${method}: ${result.error}`);
      if (!keepData) await removePartialDataDirectory(ctx.dataDir, before);
    }
    return { ok: false, error: `failed to create a replica: ${errors.join('; ')}` };
  } catch (error) {
    await removePartialDataDirectory(ctx.dataDir, before);
    return { ok: false, error: errorMessage(error) };
  } finally {
    ctx.state = 'stopped';
  }
}
