import { type AnySchema, s } from '@patroni/ha-core';
import {
  bool,
  dict,
  hostPort,
  int,
  intRange,
  listenAddress,
  oneOf,
  section,
  str,
  strList,
} from './schema-helpers.js';

/**
 * The schemas the agent validates the `postgresql` and `restapi` sections with. The packages that own those
 * sections export their own (`postgresqlConfigSchema`, `restApiConfigSchema`); `loadConfig` takes them as
 * arguments, and these minimal ones are used until those land.
 */
export interface SectionSchemas {
  readonly postgresql: AnySchema;
  readonly restapi: AnySchema;
}

const pgUser = (required: boolean) =>
  section({
    username: required ? str() : str().optional(),
    password: str().optional(),
  });

/** The shape checks of `postgresql` from config.md §4.6 (live checks are separate). */
export const minimalPostgresqlSchema = section({
  listen: listenAddress(),
  connect_address: hostPort(),
  proxy_address: hostPort().optional(),
  data_dir: str().refine((value) => value !== '', 'is an empty string'),
  config_dir: str().optional(),
  bin_dir: str().optional(),
  bin_name: dict().optional(),
  pgpass: str().optional(),
  database: str().optional(),
  authentication: section({
    superuser: pgUser(true),
    replication: pgUser(true),
    rewind: pgUser(false).optional(),
  }),
  parameters: section({ unix_socket_directories: str().optional() }).optional(),
  pg_hba: strList().optional(),
  pg_ident: strList().optional(),
  pg_ctl_timeout: intRange(0).optional(),
  use_pg_rewind: bool().optional(),
  use_unix_socket: bool().optional(),
  use_unix_socket_repl: bool().optional(),
  remove_data_directory_on_rewind_failure: bool().optional(),
  remove_data_directory_on_diverged_timelines: bool().optional(),
  callbacks: dict().optional(),
  create_replica_methods: strList().optional(),
  recovery_conf: dict().optional(),
  custom_conf: str().optional(),
  pre_promote: str().optional(),
  before_stop: str().optional(),
});

/** The shape checks of `restapi` from config.md §4.7. */
export const minimalRestApiSchema = section({
  listen: hostPort(),
  connect_address: hostPort(),
  authentication: section({ username: str(), password: str() }).optional(),
  certfile: str().optional(),
  keyfile: str().optional(),
  keyfile_password: str().optional(),
  cafile: str().optional(),
  ciphers: str().optional(),
  verify_client: oneOf(['none', 'optional', 'required']).optional(),
  allowlist: strList().optional(),
  allowlist_include_members: bool().optional(),
  http_extra_headers: dict().optional(),
  https_extra_headers: dict().optional(),
  request_queue_size: intRange(0, 4096).optional(),
  server_tokens: oneOf(['ORIGINAL', 'MINIMAL', 'PRODUCTONLY'], true).optional(),
  thread_pool_size: intRange(5).optional(),
});

export const minimalSectionSchemas: SectionSchemas = {
  postgresql: minimalPostgresqlSchema,
  restapi: minimalRestApiSchema,
};

const etcdShape = {
  host: str().optional(),
  hosts: s.union([str(), strList()], 'is not an array').optional(),
  url: str().optional(),
  proxy: str().optional(),
  srv: str().optional(),
  srv_suffix: str().optional(),
  use_proxies: bool().optional(),
  protocol: str().optional(),
  username: str().optional(),
  password: str().optional(),
};

const etcdSchema = section(etcdShape).refine(
  (value) => ['host', 'hosts', 'srv', 'srv_suffix', 'url', 'proxy'].some((key) => value[key] !== undefined),
  'is not defined. (one of host, hosts, srv, srv_suffix, url, proxy is required)',
);

/**
 * Shape checks of each DCS section (config.md §4.5). The DCS package's factory validates its section fully
 * when the agent builds the backend; this catches the common mistakes in `--validate-config`.
 */
export const dcsSectionSchemas: Readonly<Record<string, AnySchema>> = {
  etcd: etcdSchema,
  etcd3: etcdSchema,
  consul: section({
    host: str().optional(),
    url: str().optional(),
    port: intRange(0, 65535).optional(),
    consistency: oneOf(['default', 'consistent', 'stale']).optional(),
    checks: strList().optional(),
    register_service: bool().optional(),
    service_tags: strList().optional(),
  }).refine(
    (value) => value.host !== undefined || value.url !== undefined,
    'is not defined. (one of host, url is required)',
  ),
  zookeeper: section({
    hosts: s.union([str(), strList()], 'is not an array'),
    use_ssl: bool().optional(),
    verify: bool().optional(),
    set_acls: dict().optional(),
    auth_data: dict().optional(),
  }),
  exhibitor: section({ hosts: strList(), port: int(), poll_interval: intRange(1).optional() }),
  kubernetes: section({
    labels: dict(),
    namespace: str().optional(),
    use_endpoints: bool().optional(),
    bypass_api_service: bool().optional(),
    pod_ip: str().optional(),
  }),
};
