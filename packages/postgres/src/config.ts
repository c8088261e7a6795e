import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { parseBoolish } from '@patroni/ha-core';
import { z } from 'zod';
import { PostgresError, PostgresErrorCode } from './errors.js';

/** Programs whose names `bin_name` may override (config.md §4.6). */
export const OVERRIDABLE_BINARIES = [
  'pg_ctl',
  'initdb',
  'pg_controldata',
  'pg_basebackup',
  'postgres',
  'pg_isready',
  'pg_rewind',
] as const;

/** Keys Patroni keeps from each `authentication.<user>` map (config.md §1.3). */
const USER_KEYS = [
  'sslmode',
  'sslcert',
  'sslkey',
  'sslpassword',
  'sslrootcert',
  'sslcrl',
  'sslcrldir',
  'gssencmode',
  'channel_binding',
  'sslnegotiation',
] as const;

/** YAML and PATRONI_* values: booleans may arrive as `'true'`, `on`, `1`. */
const boolish = (fallback: boolean) =>
  z.preprocess(
    (value) => (value === undefined || value === null ? fallback : (parseBoolish(value) ?? value)),
    z.boolean({ error: 'expected a boolean (true/false, on/off, yes/no, 1/0)' }),
  );

/** Scalars YAML may type as numbers (`password: 1234`) are used as text. */
const text = z.union([z.string(), z.number()]).transform(String);

const scalar = z.union([z.string(), z.number(), z.boolean()]);

const userSchema = z.looseObject({ username: text, password: text.optional() }).transform((user) => {
  const options: Record<string, string> = {};
  for (const key of USER_KEYS) {
    const value = user[key];
    if (typeof value === 'string' || typeof value === 'number') options[key] = String(value);
  }
  return { username: user.username, password: user.password ?? null, options };
});

export type ConnectionUser = z.output<typeof userSchema>;

/** `basebackup` and `bootstrap.initdb`: a list of `flag` / `{key: value}` items, or one map. */
export const optionListSchema = z.union([
  z.array(z.union([z.string(), z.record(z.string(), scalar)])),
  z.record(z.string(), scalar.nullable()),
]);
export type OptionList = z.output<typeof optionListSchema>;

const callbacksSchema = z
  .object({
    on_start: z.string().optional(),
    on_stop: z.string().optional(),
    on_restart: z.string().optional(),
    on_reload: z.string().optional(),
    on_role_change: z.string().optional(),
  })
  .strict();

const listenSchema = z
  .union([z.string(), z.number()])
  .transform(String)
  .transform((listen, ctx) => {
    const colon = listen.lastIndexOf(':');
    const hosts = colon >= 0 ? listen.slice(0, colon) : listen;
    const port = colon >= 0 ? Number(listen.slice(colon + 1)) : 5432;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      ctx.addIssue({ code: 'custom', message: `invalid port in ${JSON.stringify(listen)}` });
      return z.NEVER;
    }
    const addresses = hosts
      .split(',')
      .map((h) => h.trim())
      .filter((h) => h !== '');
    if (addresses.length === 0) {
      ctx.addIssue({ code: 'custom', message: `no listen address in ${JSON.stringify(listen)}` });
      return z.NEVER;
    }
    if (addresses.includes('*') && addresses.length > 1) {
      ctx.addIssue({ code: 'custom', message: '`*` must be the only listen address' });
      return z.NEVER;
    }
    return { addresses, port };
  });

const rawPostgresqlSchema = z.looseObject({
  listen: listenSchema,
  connect_address: z.string().optional(),
  proxy_address: z.string().optional(),
  data_dir: z.string().min(1, 'must not be empty'),
  config_dir: z.string().optional(),
  config_base_name: z.string().min(1).default('postgresql'),
  bin_dir: z.string().default(''),
  bin_name: z.partialRecord(z.enum(OVERRIDABLE_BINARIES), z.string().min(1)).default({}),
  database: z.string().min(1).default('postgres'),
  pgpass: z.string().optional(),
  authentication: z.object({
    superuser: userSchema,
    replication: userSchema,
    rewind: userSchema.optional(),
  }),
  use_unix_socket: boolish(false),
  use_unix_socket_repl: boolish(false),
  callbacks: callbacksSchema.default({}),
  create_replica_methods: z.array(z.string().min(1)).optional(),
  create_replica_method: z.array(z.string().min(1)).optional(),
  basebackup: optionListSchema.optional(),
  recovery_conf: z.record(z.string(), z.unknown()).default({}),
  custom_conf: z.string().optional(),
  parameters: z
    .record(z.string(), scalar, { error: 'postgresql.parameters is not a dictionary' })
    .default({}),
  pg_hba: z.array(z.string()).optional(),
  pg_ident: z.array(z.string()).optional(),
  pg_ctl_timeout: z.coerce.number().int().min(0).default(60),
  use_pg_rewind: boolish(false),
  remove_data_directory_on_rewind_failure: boolish(false),
  remove_data_directory_on_diverged_timelines: boolish(false),
  pre_promote: z.string().optional(),
  before_stop: z.string().optional(),
  krbsrvname: z.string().optional(),
});

export const postgresqlConfigSchema = rawPostgresqlSchema.transform((raw, ctx) => {
  const dataDir = raw.data_dir;
  const methods = raw.create_replica_methods ?? raw.create_replica_method ?? ['basebackup'];
  const replicaMethods: Record<string, Readonly<Record<string, unknown>>> = {};
  for (const method of methods) {
    if (method === 'basebackup') continue;
    const section = raw[method];
    if (section === undefined || section === null) replicaMethods[method] = {};
    else if (typeof section === 'object' && !Array.isArray(section))
      replicaMethods[method] = section as Record<string, unknown>;
    else ctx.addIssue({ code: 'custom', path: [method], message: 'replica method options must be a map' });
  }
  return {
    listenAddresses: raw.listen.addresses,
    port: raw.listen.port,
    connectAddress: raw.connect_address ?? null,
    proxyAddress: raw.proxy_address ?? null,
    dataDir,
    configDir: raw.config_dir ?? dataDir,
    configBaseName: raw.config_base_name,
    binDir: raw.bin_dir,
    binName: raw.bin_name,
    database: raw.database,
    pgpassPath: resolvePgpass(raw.pgpass),
    authentication: {
      superuser: raw.authentication.superuser,
      replication: raw.authentication.replication,
      rewind: raw.authentication.rewind ?? null,
    },
    useUnixSocket: raw.use_unix_socket,
    useUnixSocketRepl: raw.use_unix_socket_repl,
    callbacks: raw.callbacks,
    createReplicaMethods: methods,
    replicaMethods,
    basebackup: raw.basebackup ?? null,
    recoveryConf: raw.recovery_conf,
    customConf: raw.custom_conf ?? null,
    parameters: raw.parameters,
    pgHba: raw.pg_hba ?? null,
    pgIdent: raw.pg_ident ?? null,
    pgCtlTimeoutMs: raw.pg_ctl_timeout * 1000,
    usePgRewind: raw.use_pg_rewind,
    removeDataDirectoryOnRewindFailure: raw.remove_data_directory_on_rewind_failure,
    removeDataDirectoryOnDivergedTimelines: raw.remove_data_directory_on_diverged_timelines,
    prePromote: raw.pre_promote ?? null,
    beforeStop: raw.before_stop ?? null,
    krbsrvname: raw.krbsrvname ?? null,
  };
});

export type PostgresqlConfig = z.output<typeof postgresqlConfigSchema>;
export type PostgresqlConfigInput = z.input<typeof postgresqlConfigSchema>;

function resolvePgpass(path: string | undefined): string {
  if (path === undefined) return join(homedir(), 'pgpass');
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return isAbsolute(path) ? path : join(process.cwd(), path);
}

const customMethodSchema = z.looseObject({
  command: z.string().min(1),
  no_params: boolish(false),
  keep_existing_recovery_conf: boolish(false),
  recovery_conf: z.record(z.string(), z.unknown()).optional(),
});

const rawBootstrapSchema = z.looseObject({
  method: z.string().min(1).default('initdb'),
  initdb: optionListSchema.optional(),
  post_bootstrap: z.string().optional(),
  post_init: z.string().optional(),
  pg_hba: z.array(z.string()).optional(),
  users: z.record(z.string(), z.unknown()).optional(),
});

/** The parts of `bootstrap:` this package uses (config.md §4.3); `dcs` belongs to ha-core. */
export const bootstrapConfigSchema = rawBootstrapSchema.transform((raw, ctx) => {
  let custom: z.output<typeof customMethodSchema> | null = null;
  if (raw.method !== 'initdb') {
    const section = raw[raw.method];
    // Patroni falls back to initdb when the named method has no `command`.
    if (section && typeof section === 'object' && 'command' in section) {
      const parsed = customMethodSchema.safeParse(section);
      if (parsed.success) custom = parsed.data;
      else
        for (const issue of parsed.error.issues)
          ctx.addIssue({ ...issue, path: [raw.method, ...issue.path] });
    }
  }
  return {
    method: custom ? raw.method : 'initdb',
    customMethod: custom,
    initdb: raw.initdb ?? null,
    postBootstrap: raw.post_bootstrap ?? raw.post_init ?? null,
    pgHba: raw.pg_hba ?? null,
    hasUsers: raw.users !== undefined && Object.keys(raw.users).length > 0,
  };
});

export type BootstrapConfig = z.output<typeof bootstrapConfigSchema>;
export type CustomBootstrapMethod = NonNullable<BootstrapConfig['customMethod']>;

function formatIssues(section: string, error: z.ZodError): string {
  return error.issues
    .map((issue) => `${[section, ...issue.path.map(String)].join('.')}: ${issue.message}`)
    .join('; ');
}

/** Validates the `postgresql:` section; throws PG_INVALID_CONFIG naming every bad key path. */
export function parsePostgresqlConfig(raw: unknown): PostgresqlConfig {
  const parsed = postgresqlConfigSchema.safeParse(raw);
  if (!parsed.success)
    throw new PostgresError(PostgresErrorCode.InvalidConfig, formatIssues('postgresql', parsed.error));
  return Object.freeze(parsed.data);
}

/** Validates the `bootstrap:` section (method, initdb, post_bootstrap); throws PG_INVALID_CONFIG. */
export function parseBootstrapConfig(raw: unknown): BootstrapConfig {
  const parsed = bootstrapConfigSchema.safeParse(raw ?? {});
  if (!parsed.success)
    throw new PostgresError(PostgresErrorCode.InvalidConfig, formatIssues('bootstrap', parsed.error));
  return Object.freeze(parsed.data);
}
