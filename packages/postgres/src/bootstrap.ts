import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OperationResult } from '@patroni/ha-core';
import type { BootstrapConfig, ConnectionUser } from './config.js';
import { writeRecoverySignal } from './config-files.js';
import { formatConninfo, userParams } from './conninfo.js';
import type { PgContext } from './context.js';
import { inspectDataDirectory } from './data-dir.js';
import { errorMessage } from './errors.js';
import { INITDB_FORBIDDEN, keyValueArgs, renderLongOptions } from './options.js';
import type { Run } from './replication-connection.js';
import { childEnvironment, describeFailure, runCommand } from './run-command.js';
import { writePgpass } from './server-config.js';
import { shellSplit } from './shell-split.js';
import { sqlIdentifier, sqlLiteral } from './sql-literal.js';

const CUSTOM_METHOD_SKIP = new Set([
  'command',
  'no_params',
  'keep_existing_recovery_conf',
  'recovery_conf',
  'scope',
  'datadir',
]);

/** initdb argv (postgres.md §5.1): options, `--username`, `--pwfile` when a password is set, the data dir. */
export function initdbArgs(
  bootstrap: BootstrapConfig | null,
  superuser: ConnectionUser,
  pwfile: string | null,
  dataDir: string,
): { ok: true; args: string[] } | { ok: false; error: string } {
  const rendered = renderLongOptions(bootstrap?.initdb ?? null, INITDB_FORBIDDEN, true, () => undefined);
  if (!rendered.ok) return rendered;
  const args = [...rendered.args, `--username=${superuser.username}`];
  if (pwfile !== null) args.push(`--pwfile=${pwfile}`);
  return { ok: true, args: [...args, dataDir] };
}

/** argv of a custom bootstrap method (postgres.md §5.2). */
export function customBootstrapArgv(
  method: NonNullable<BootstrapConfig['customMethod']>,
  scope: string,
  dataDir: string,
): string[] {
  const argv = shellSplit(method.command);
  if (!method.no_params) argv.push(`--scope=${scope}`, `--datadir=${dataDir}`);
  return [...argv, ...keyValueArgs(method, CUSTOM_METHOD_SKIP)];
}

async function runInitdb(ctx: PgContext, signal: AbortSignal): Promise<OperationResult> {
  ctx.state = 'initializing new cluster';
  const superuser = ctx.config.authentication.superuser;
  const tempDir = superuser.password !== null ? await mkdtemp(join(tmpdir(), 'patroni-initdb-')) : null;
  try {
    const pwfile = tempDir ? join(tempDir, 'pwfile') : null;
    if (pwfile) await writeFile(pwfile, `${superuser.password}\n`, { mode: 0o600 });
    const built = initdbArgs(ctx.deps.bootstrap ?? null, superuser, pwfile, ctx.dataDir);
    if (!built.ok) return { ok: false, error: `initdb: ${built.error}` };
    const result = await runCommand(ctx.binaries.path('initdb'), built.args, {
      signal,
      env: childEnvironment(),
    });
    if (result.code !== 0) return { ok: false, error: describeFailure('initdb', result) };
    const legacyHba = ctx.deps.bootstrap?.pgHba;
    if (legacyHba && ctx.config.pgHba === null && ctx.config.parameters.hba_file === undefined) {
      const hba = join(ctx.config.configDir, 'pg_hba.conf');
      await writeFile(hba, `${legacyHba.join('\n')}\n`, { flag: 'a' });
    }
    return { ok: true };
  } finally {
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  }
}

async function runCustomBootstrap(ctx: PgContext, signal: AbortSignal): Promise<OperationResult> {
  const method = ctx.deps.bootstrap?.customMethod;
  if (!method) return { ok: false, error: 'no custom bootstrap method configured' };
  ctx.state = 'running custom bootstrap script';
  const [program, ...args] = customBootstrapArgv(method, ctx.deps.scope, ctx.dataDir);
  if (program === undefined) return { ok: false, error: 'custom bootstrap command is empty' };
  const result = await runCommand(program, args, { signal, env: childEnvironment() });
  if (result.code !== 0) return { ok: false, error: describeFailure(program, result) };
  if (method.recovery_conf) {
    const standby = method.recovery_conf.standby_mode === true || method.recovery_conf.standby_mode === 'on';
    await writeRecoverySignal(ctx.dataDir, standby ? 'standby' : 'recovery', 0o600);
  } else if (!method.keep_existing_recovery_conf) await writeRecoverySignal(ctx.dataDir, null, 0o600);
  return { ok: true };
}

/** initdb or the custom method into an empty data directory (postgres.md §5.1, §5.2). */
export async function bootstrapCluster(ctx: PgContext, signal: AbortSignal): Promise<OperationResult> {
  const inspection = inspectDataDirectory(ctx.dataDir).state;
  if (inspection.kind !== 'empty')
    return { ok: false, error: `cannot bootstrap: data directory ${ctx.dataDir} is not empty` };
  const custom = ctx.deps.bootstrap?.customMethod ?? null;
  try {
    const result = custom ? await runCustomBootstrap(ctx, signal) : await runInitdb(ctx, signal);
    if (!result.ok) ctx.state = custom ? 'custom bootstrap failed' : 'initdb failed';
    else ctx.state = 'stopped';
    return result;
  } catch (error) {
    ctx.state = custom ? 'custom bootstrap failed' : 'initdb failed';
    return { ok: false, error: errorMessage(error) };
  }
}

/** Create-or-alter a role without letting the password reach the server log (postgres.md §5.3). */
export async function createOrAlterRole(
  run: Run,
  name: string,
  password: string | null,
  options: readonly string[],
): Promise<void> {
  const opts = options.map((o) => o.toUpperCase());
  if (!opts.includes('LOGIN') && !opts.includes('NOLOGIN')) opts.push('LOGIN');
  if (password !== null) opts.push(`PASSWORD ${sqlLiteral(password)}`);
  const exists = await run(`SELECT 1 FROM pg_catalog.pg_authid WHERE rolname = ${sqlLiteral(name)}`);
  const verb = exists.length > 0 ? 'ALTER' : 'CREATE';
  await run(`${verb} ROLE ${sqlIdentifier(name)} WITH ${opts.join(' ')}`);
}

const REWIND_FUNCTIONS = [
  'pg_catalog.pg_ls_dir(text, boolean, boolean)',
  'pg_catalog.pg_stat_file(text, boolean)',
  'pg_catalog.pg_read_binary_file(text)',
  'pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)',
];

async function createUsers(ctx: PgContext, run: Run, version: number): Promise<void> {
  const { superuser, replication, rewind } = ctx.config.authentication;
  await run(
    "SET log_statement TO 'none'; SET log_min_duration_statement TO -1; SET log_min_error_statement TO 'log'; SET synchronous_commit TO 'local'",
  );
  if (replication.username !== superuser.username)
    await createOrAlterRole(run, replication.username, replication.password, ['REPLICATION']);
  if (rewind && version >= 110000 && rewind.username !== superuser.username) {
    await createOrAlterRole(run, rewind.username, rewind.password, []);
    for (const fn of REWIND_FUNCTIONS)
      await run(`GRANT EXECUTE ON FUNCTION ${fn} TO ${sqlIdentifier(rewind.username)}`);
  }
  await run('RESET log_statement; RESET log_min_duration_statement; RESET log_min_error_statement');
}

async function runPostBootstrapScript(
  ctx: PgContext,
  command: string,
  signal: AbortSignal,
): Promise<OperationResult> {
  const su = ctx.config.authentication.superuser;
  const conn = ctx.localConnection();
  const conninfo = formatConninfo({
    dbname: ctx.config.database,
    ...userParams(su, false),
    host: conn.host ?? undefined,
    port: conn.port,
  });
  const env: NodeJS.ProcessEnv = { PGOPTIONS: '-c synchronous_commit=local -c statement_timeout=0' };
  if (su.password !== null) {
    const host = conn.host?.startsWith('/') ? 'localhost' : (conn.host ?? 'localhost');
    env.PGPASSFILE = await writePgpass(ctx, [
      { host, port: ctx.config.port, user: su.username, password: su.password },
    ]);
  }
  const [program, ...args] = shellSplit(command);
  if (program === undefined) return { ok: false, error: 'post_bootstrap command is empty' };
  const result = await runCommand(program, [...args, conninfo], { signal, env: childEnvironment(env) });
  return result.code === 0 ? { ok: true } : { ok: false, error: describeFailure(program, result) };
}

/** Users from `authentication` and the post_bootstrap script, on the freshly started primary (§5.3). */
export async function postBootstrap(ctx: PgContext, signal: AbortSignal): Promise<OperationResult> {
  try {
    const version = await ctx.binaries.serverVersion();
    await ctx.withConnection(async (run) => {
      const su = ctx.config.authentication.superuser;
      if (su.password !== null) {
        await run("SET log_statement TO 'none'");
        await createOrAlterRole(run, su.username, su.password, ['SUPERUSER']);
      }
    });
    const script = ctx.deps.bootstrap?.postBootstrap;
    if (script) {
      const result = await runPostBootstrapScript(ctx, script, signal);
      if (!result.ok) return result;
    }
    await ctx.withConnection((run) => createUsers(ctx, run, version));
    if (ctx.deps.bootstrap?.hasUsers)
      ctx.logger.error(
        'User creation is not be supported starting from v4.0.0. Please use "bootstrap.post_bootstrap" script to create users.',
      );
    return { ok: true };
  } catch (error) {
    return { ok: false, error: errorMessage(error) };
  }
}
