import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { describeValue, formatIssues, type Infer, type InferInput, parseBoolish, s } from '@patroni/ha-core';
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
  s.preprocess(
    (value) => (value === undefined || value === null ? fallback : (parseBoolish(value) ?? value)),
    s.boolean((value) => `expected a boolean (true/false, on/off, yes/no, 1/0), got ${describeValue(value)}`),
  );

/** Scalars YAML may type as numbers (`password: 1234`) are used as text. */
const text = s.union([s.string(), s.number()]).transform(String);

const scalar = s.union([s.string(), s.number(), s.boolean()]);

const userSchema = s.looseObject({ username: text, password: text.optional() }).transform((user) => {
  const options: Record<string, string> = {};
  for (const key of USER_KEYS) {
    const value = user[key];
    if (typeof value === 'string' || typeof value === 'number') options[key] = String(value);
  }
  return { username: user.username, password: user.password ?? null, options };
});

export type ConnectionUser = Infer<typeof userSchema>;

/** `basebackup` and `bootstrap.initdb`: a list of `flag` / `{key: value}` items, or one map. */
export const optionListSchema = s.union([
  s.array(s.union([s.string(), s.record(s.string(), scalar)])),
  s.record(s.string(), scalar.nullable()),
]);
export type OptionList = Infer<typeof optionListSchema>;

const callbacksSchema = s.strictObject({
  on_start: s.string().optional(),
  on_stop: s.string().optional(),
  on_restart: s.string().optional(),
  on_reload: s.string().optional(),
  on_role_change: s.string().optional(),
});

const listenSchema = s
  .union([s.string(), s.number()])
  .transform(String)
  .transform((listen, ctx) => {
    const colon = listen.lastIndexOf(':');
    const hosts = colon >= 0 ? listen.slice(0, colon) : listen;
    const port = colon >= 0 ? Number(listen.slice(colon + 1)) : 5432;
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      return ctx.invalid(`invalid port in ${JSON.stringify(listen)}`);
    const addresses = hosts
      .split(',')
      .map((h) => h.trim())
      .filter((h) => h !== '');
    if (addresses.length === 0) return ctx.invalid(`no listen address in ${JSON.stringify(listen)}`);
    if (addresses.includes('*') && addresses.length > 1)
      return ctx.invalid('`*` must be the only listen address');
    return { addresses, port };
  });

const rawPostgresqlSchema = s.looseObject({
  listen: listenSchema,
  connect_address: s.string().optional(),
  proxy_address: s.string().optional(),
  data_dir: s.string().min(1, 'must not be empty'),
  config_dir: s.string().optional(),
  config_base_name: s.string().min(1).default('postgresql'),
  bin_dir: s.string().default(''),
  bin_name: s.partialRecord(s.oneOf(OVERRIDABLE_BINARIES), s.string().min(1)).default({}),
  database: s.string().min(1).default('postgres'),
  pgpass: s.string().optional(),
  authentication: s.object({
    superuser: userSchema,
    replication: userSchema,
    rewind: userSchema.optional(),
  }),
  use_unix_socket: boolish(false),
  use_unix_socket_repl: boolish(false),
  callbacks: callbacksSchema.default({}),
  create_replica_methods: s.array(s.string().min(1)).optional(),
  create_replica_method: s.array(s.string().min(1)).optional(),
  basebackup: optionListSchema.optional(),
  recovery_conf: s.record(s.string(), s.unknown()).default({}),
  custom_conf: s.string().optional(),
  parameters: s.record(s.string(), scalar, 'postgresql.parameters is not a dictionary').default({}),
  pg_hba: s.array(s.string()).optional(),
  pg_ident: s.array(s.string()).optional(),
  pg_ctl_timeout: s.coerceNumber().int().min(0).default(60),
  use_pg_rewind: boolish(false),
  remove_data_directory_on_rewind_failure: boolish(false),
  remove_data_directory_on_diverged_timelines: boolish(false),
  pre_promote: s.string().optional(),
  before_stop: s.string().optional(),
  krbsrvname: s.string().optional(),
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
    else ctx.addIssue('replica method options must be a map', [method]);
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

export type PostgresqlConfig = Infer<typeof postgresqlConfigSchema>;
export type PostgresqlConfigInput = InferInput<typeof postgresqlConfigSchema>;

function resolvePgpass(path: string | undefined): string {
  if (path === undefined) return join(homedir(), 'pgpass');
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return isAbsolute(path) ? path : join(process.cwd(), path);
}

const customMethodSchema = s.looseObject({
  command: s.string().min(1),
  no_params: boolish(false),
  keep_existing_recovery_conf: boolish(false),
  recovery_conf: s.record(s.string(), s.unknown()).optional(),
});

const rawBootstrapSchema = s.looseObject({
  method: s.string().min(1).default('initdb'),
  initdb: optionListSchema.optional(),
  post_bootstrap: s.string().optional(),
  post_init: s.string().optional(),
  pg_hba: s.array(s.string()).optional(),
  users: s.record(s.string(), s.unknown()).optional(),
});

/** The parts of `bootstrap:` this package uses (config.md §4.3); `dcs` belongs to ha-core. */
export const bootstrapConfigSchema = rawBootstrapSchema.transform((raw, ctx) => {
  let custom: Infer<typeof customMethodSchema> | null = null;
  if (raw.method !== 'initdb') {
    const section = raw[raw.method];
    // Patroni falls back to initdb when the named method has no `command`.
    if (section && typeof section === 'object' && 'command' in section) {
      const parsed = customMethodSchema.safeParse(section);
      if (parsed.success) custom = parsed.data;
      else for (const issue of parsed.error.issues) ctx.addIssue(issue.message, [raw.method, ...issue.path]);
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

export type BootstrapConfig = Infer<typeof bootstrapConfigSchema>;
export type CustomBootstrapMethod = NonNullable<BootstrapConfig['customMethod']>;

/** Validates the `postgresql:` section; throws PG_INVALID_CONFIG naming every bad key path. */
export function parsePostgresqlConfig(raw: unknown): PostgresqlConfig {
  const parsed = postgresqlConfigSchema.safeParse(raw);
  if (!parsed.success)
    throw new PostgresError(PostgresErrorCode.InvalidConfig, formatIssues(parsed.error.issues, 'postgresql'));
  return Object.freeze(parsed.data);
}

/** Validates the `bootstrap:` section (method, initdb, post_bootstrap); throws PG_INVALID_CONFIG. */
export function parseBootstrapConfig(raw: unknown): BootstrapConfig {
  const parsed = bootstrapConfigSchema.safeParse(raw ?? {});
  if (!parsed.success)
    throw new PostgresError(PostgresErrorCode.InvalidConfig, formatIssues(parsed.error.issues, 'bootstrap'));
  return Object.freeze(parsed.data);
}
