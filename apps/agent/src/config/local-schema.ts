import { s } from '@patroni/ha-core';
import {
  bool,
  boolish,
  dict,
  int,
  intish,
  intRange,
  oneOf,
  section,
  str,
  strList,
} from './schema-helpers.js';

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'WARNING', 'ERROR', 'FATAL', 'CRITICAL'] as const;

const logFormat = s.union(
  [
    str(),
    s
      .array(s.union([s.string(), s.record(s.string(), s.string())]))
      .min(1, 'should contain at least one item'),
  ],
  'each item should be a string or a dictionary with string values',
);

export const logSchema = section({
  type: oneOf(['plain', 'json']).optional(),
  level: oneOf(LOG_LEVELS).optional(),
  traceback_level: oneOf(['DEBUG', 'ERROR'], true).optional(),
  format: logFormat.optional(),
  dateformat: str().optional(),
  static_fields: dict().optional(),
  max_queue_size: int().optional(),
  dir: str().optional(),
  file_num: int().optional(),
  file_size: int().optional(),
  loggers: s.record(s.string(), oneOf(LOG_LEVELS), 'is not a dictionary').optional(),
  mode: intRange(0, 511).optional(),
  deduplicate_heartbeat_logs: bool().optional(),
});

const postgresqlParameters = section({
  max_connections: intRange(1, 262143).optional(),
  max_locks_per_transaction: intRange(10, 2147483647).optional(),
  max_prepared_transactions: intRange(0, 262143).optional(),
  max_replication_slots: intRange(0, 262143).optional(),
  max_wal_senders: intRange(0, 262143).optional(),
  max_worker_processes: intRange(0, 262143).optional(),
});

const nonEmptyStrList = () => strList().min(1, 'is an empty list');

/** `bootstrap.dcs` (config.md §4.3): the seed of the dynamic configuration. */
export const bootstrapDcsSchema = section({
  ttl: intRange(20).optional(),
  loop_wait: intRange(1).optional(),
  retry_timeout: intRange(3).optional(),
  maximum_lag_on_failover: intRange(0).optional(),
  maximum_lag_on_syncnode: intRange(-1).optional(),
  primary_start_timeout: intRange(0).optional(),
  primary_stop_timeout: intRange(0).optional(),
  synchronous_mode: s
    .union(
      [s.boolean(), s.string().refine((value) => value.toLowerCase() === 'quorum', 'is not a boolean')],
      'is not a boolean',
    )
    .optional(),
  synchronous_mode_strict: bool().optional(),
  synchronous_node_count: intRange(1).optional(),
  member_slots_ttl: s.union([intRange(0), str()], 'is not an integer').optional(),
  postgresql: section({
    parameters: postgresqlParameters.optional(),
    use_pg_rewind: bool().optional(),
    use_slots: bool().optional(),
    pg_hba: nonEmptyStrList().optional(),
    pg_ident: nonEmptyStrList().optional(),
    pg_ctl_timeout: intRange(0).optional(),
  }).optional(),
  standby_cluster: section({
    host: str().optional(),
    port: intRange(0, 65535).optional(),
    restore_command: str().optional(),
    primary_slot_name: str().optional(),
    archive_cleanup_command: str().optional(),
    recovery_min_apply_delay: s.union([str(), int()], 'is not a string or an integer').optional(),
    create_replica_methods: strList().optional(),
  })
    .refine(
      (value) => ['host', 'port', 'restore_command'].some((key) => value[key] !== undefined),
      "didn't pass validation: must contain one of host, port, restore_command",
    )
    .optional(),
});

const initdbOptions = s.array(
  s.union([s.string(), s.record(s.string(), s.unknown())], 'is not a string or a dictionary'),
  'is not a list',
);

export const bootstrapSchema = section({
  dcs: bootstrapDcsSchema.optional(),
  method: str().optional(),
  initdb: initdbOptions.optional(),
  post_bootstrap: str().optional(),
  post_init: str().optional(),
  pg_hba: strList().optional(),
  users: dict().optional(),
});

const authentication = section({ username: str(), password: str() });

export const ctlSchema = section({
  authentication: authentication.optional(),
  insecure: boolish().optional(),
  cacert: str().optional(),
  certfile: str().optional(),
  keyfile: str().optional(),
  keyfile_password: str().optional(),
});

export const watchdogSchema = section({
  mode: s
    .union([s.literal(false), s.string()], 'is not a string')
    .refine(
      (mode) => mode === false || ['off', 'automatic', 'required'].includes(mode.toLowerCase()),
      "didn't pass validation: must be one of off, automatic, required",
    )
    .optional(),
  device: str().optional(),
  safety_margin: intRange(-1).optional(),
  driver: oneOf(['default', 'testing']).optional(),
});

/** Tags may arrive as words or numeric strings (compat-notes); at most one of each conflicting pair. */
export const tagsSchema = section({
  nofailover: boolish().optional(),
  failover_priority: intish().optional(),
  clonefrom: boolish().optional(),
  noloadbalance: boolish().optional(),
  replicatefrom: str().optional(),
  nosync: boolish().optional(),
  sync_priority: intish().optional(),
  nostream: boolish().optional(),
}).superRefine((tags, ctx) => {
  for (const [a, b] of [
    ['nofailover', 'failover_priority'],
    ['nosync', 'sync_priority'],
  ] as const) {
    if (tags[a] !== undefined && tags[b] !== undefined) ctx.addIssue(`Multiple of ('${a}', '${b}') provided`);
  }
});

export const citusSchema = section({ group: intRange(0), database: str() });

/** Global keys and the sections the agent itself owns (config.md §4.1–4.10). */
export const ownSectionsSchema = section({
  name: str(),
  scope: str(),
  namespace: str().optional(),
  thread_pool_size: s.union([int(), str()], 'is not an integer or a string').optional(),
  thread_stack_size: s.union([int(), str()], 'is not an integer or a string').optional(),
  log: logSchema.optional(),
  bootstrap: bootstrapSchema.optional(),
  citus: citusSchema.optional(),
  ctl: ctlSchema.optional(),
  watchdog: watchdogSchema.optional(),
  tags: tagsSchema.optional(),
});
