/**
 * The dynamic configuration (`/config`, `bootstrap.dcs`) validated once into a frozen `DynamicConfig`
 * (config.md §3). Lenient like Patroni: bad optional values fall back to defaults (with a warning); only
 * a non-object document or non-integer ttl/loop_wait/retry_timeout rejects the whole document, in which
 * case the previous configuration stays in force.
 */
import { deepFreeze } from '../model/freeze.js';
import { parseBoolish } from '../model/value-parsing.js';
import { s } from '../schema/index.js';
import { parseIgnoreSlots, parsePermanentSlots, rawPermanentSlots } from './slots.js';
import { type Timing, validateTiming } from './timing.js';
import type { DynamicConfig, DynamicPostgresqlConfig, StandbyClusterConfig } from './types.js';
import { parseIntWithUnit, pythonInt } from './units.js';

export type DynamicConfigResult =
  | { readonly ok: true; readonly config: DynamicConfig; readonly warnings: string[] }
  | {
      readonly ok: false;
      readonly config: DynamicConfig;
      readonly warnings: string[];
      readonly error: string;
    };

const pyIntSchema = (name: string, fallback: number) =>
  s
    .unknown()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === null) return fallback;
      const parsed = pythonInt(value);
      if (parsed === null) return ctx.invalid(`${name} must be an integer, got ${JSON.stringify(value)}`);
      return parsed;
    });

const documentSchema = s.looseObject({
  ttl: pyIntSchema('ttl', 30),
  loop_wait: pyIntSchema('loop_wait', 10),
  retry_timeout: pyIntSchema('retry_timeout', 10),
});

const stringOrNull = s.string().nullable().catch(null);

const standbyClusterSchema = s.looseObject({
  host: s
    .union([s.string(), s.number().transform(String)])
    .nullable()
    .catch(null),
  port: s
    .unknown()
    .optional()
    .transform((value) => parseIntWithUnit(value)),
  primary_slot_name: stringOrNull,
  create_replica_methods: s.array(s.string()).catch([]),
  restore_command: stringOrNull,
  archive_cleanup_command: stringOrNull,
  recovery_min_apply_delay: s.union([s.string(), s.number()]).nullable().catch(null),
});

/** Keys of the dynamic `postgresql` section that are local-only (Patroni drops them from /config). */
const LOCAL_ONLY_POSTGRESQL_KEYS = new Set([
  'connect_address',
  'proxy_address',
  'listen',
  'config_dir',
  'data_dir',
  'pgpass',
  'authentication',
]);
const PARSED_POSTGRESQL_KEYS = new Set([
  'use_slots',
  'use_pg_rewind',
  'parameters',
  'pg_hba',
  'pg_ident',
  'recovery_conf',
]);

const stringList = s.array(s.string()).nullable().catch(null);
const paramValues = s.record(s.string(), s.union([s.string(), s.number(), s.boolean()]));

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface FieldReader {
  readonly raw: Readonly<Record<string, unknown>>;
  readonly warnings: string[];
}

function readBool(reader: FieldReader, key: string, fallback: boolean): boolean {
  const value = reader.raw[key];
  if (value === undefined || value === null) return fallback;
  const parsed = parseBoolish(value);
  if (parsed === null)
    reader.warnings.push(`${key}=${JSON.stringify(value)} is not a boolean; using ${fallback}`);
  return parsed ?? fallback;
}

function readInt(reader: FieldReader, key: string, fallback: number, baseUnit: string | null = null): number {
  const value = reader.raw[key];
  if (value === undefined || value === null) return fallback;
  const parsed = parseIntWithUnit(value, baseUnit);
  if (parsed === null)
    reader.warnings.push(`${key}=${JSON.stringify(value)} is not an integer; using ${fallback}`);
  return parsed ?? fallback;
}

/** `synchronous_mode`: bool-ish, or [4.x] the string `quorum`; anything else is off. */
function readSynchronousMode(reader: FieldReader): DynamicConfig['synchronousMode'] {
  const value = reader.raw.synchronous_mode;
  if (typeof value === 'string' && value.trim().toLowerCase() === 'quorum') return 'quorum';
  return parseBoolish(value) ? 'on' : 'off';
}

function readStandbyCluster(raw: unknown): StandbyClusterConfig | null {
  if (!isObject(raw)) return null;
  const parsed = standbyClusterSchema.parse(raw);
  if (!parsed.host && parsed.port === null && !parsed.restore_command) return null;
  return {
    host: parsed.host || null,
    port: parsed.port,
    primarySlotName: parsed.primary_slot_name,
    createReplicaMethods: parsed.create_replica_methods,
    restoreCommand: parsed.restore_command,
    archiveCleanupCommand: parsed.archive_cleanup_command,
    recoveryMinApplyDelay: parsed.recovery_min_apply_delay,
  };
}

function readPostgresql(raw: unknown, warnings: string[]): DynamicPostgresqlConfig {
  const section = isObject(raw) ? raw : {};
  const reader: FieldReader = { raw: section, warnings };
  const parameters = paramValues.safeParse(section.parameters ?? {});
  if (!parameters.success) warnings.push('postgresql.parameters must be a mapping of scalars; ignored');
  const other: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(section)) {
    if (!LOCAL_ONLY_POSTGRESQL_KEYS.has(key) && !PARSED_POSTGRESQL_KEYS.has(key)) other[key] = value;
  }
  return {
    useSlots: readBool(reader, 'use_slots', true),
    usePgRewind: readBool(reader, 'use_pg_rewind', false),
    parameters: parameters.success ? parameters.data : {},
    pgHba: stringList.parse(section.pg_hba ?? null),
    pgIdent: stringList.parse(section.pg_ident ?? null),
    recoveryConf: isObject(section.recovery_conf) ? section.recovery_conf : {},
    other,
  };
}

/** `primary_*` wins; the legacy `master_*` name is read only when the new one is absent. */
function readWithLegacyName(reader: FieldReader, key: string, legacyKey: string, fallback: number): number {
  return reader.raw[key] === undefined
    ? readInt(reader, legacyKey, fallback)
    : readInt(reader, key, fallback);
}

function buildConfig(raw: Record<string, unknown>, timing: Timing, warnings: string[]): DynamicConfig {
  const reader: FieldReader = { raw, warnings };
  return {
    ttlMs: timing.ttl * 1000,
    loopWaitMs: timing.loop_wait * 1000,
    retryTimeoutMs: timing.retry_timeout * 1000,
    maximumLagOnFailoverBytes: readInt(reader, 'maximum_lag_on_failover', 1_048_576),
    maximumLagOnSyncnodeBytes: readInt(reader, 'maximum_lag_on_syncnode', -1),
    maxTimelinesHistory: readInt(reader, 'max_timelines_history', 0),
    primaryStartTimeoutMs:
      readWithLegacyName(reader, 'primary_start_timeout', 'master_start_timeout', 300) * 1000,
    primaryStopTimeoutMs: readWithLegacyName(reader, 'primary_stop_timeout', 'master_stop_timeout', 0) * 1000,
    synchronousMode: readSynchronousMode(reader),
    synchronousModeStrict: readBool(reader, 'synchronous_mode_strict', false),
    synchronousNodeCount: readInt(reader, 'synchronous_node_count', 1),
    failsafeMode: readBool(reader, 'failsafe_mode', false),
    checkTimeline: readBool(reader, 'check_timeline', false),
    paused: readBool(reader, 'pause', false),
    memberSlotsTtlMs: readInt(reader, 'member_slots_ttl', 1800, 's') * 1000,
    standbyCluster: readStandbyCluster(raw.standby_cluster),
    permanentSlots: parsePermanentSlots(rawPermanentSlots(raw), warnings),
    ignoreSlots: parseIgnoreSlots(raw.ignore_slots, warnings),
    postgresql: readPostgresql(raw.postgresql, warnings),
    raw: withTimingWrittenBack(raw, timing),
  };
}

/** Like Patroni, adjusted timing values are written back into the in-memory document. */
function withTimingWrittenBack(raw: Record<string, unknown>, timing: Timing): Record<string, unknown> {
  const out = { ...raw };
  const defaults: Timing = { ttl: 30, loop_wait: 10, retry_timeout: 10 };
  for (const key of ['ttl', 'loop_wait', 'retry_timeout'] as const) {
    if (key in raw || timing[key] !== defaults[key]) out[key] = timing[key];
  }
  return out;
}

let defaultConfigCache: DynamicConfig | null = null;

/** The configuration of an empty document (all defaults). */
export function defaultDynamicConfig(): DynamicConfig {
  if (defaultConfigCache === null) {
    defaultConfigCache = deepFreeze(buildConfig({}, { ttl: 30, loop_wait: 10, retry_timeout: 10 }, []));
  }
  return defaultConfigCache;
}

/**
 * Validates a dynamic configuration document. On a document that cannot be used, returns `ok: false` with
 * `config` = `previous` (or the defaults) so callers can keep running on it.
 */
export function parseDynamicConfig(raw: unknown, previous?: DynamicConfig): DynamicConfigResult {
  const fallback = previous ?? defaultDynamicConfig();
  if (!isObject(raw)) {
    return { ok: false, config: fallback, warnings: [], error: 'dynamic configuration is not a mapping' };
  }
  const parsed = documentSchema.safeParse(raw);
  if (!parsed.success) {
    const error = parsed.error.issues.map((issue) => issue.message).join('; ');
    return {
      ok: false,
      config: fallback,
      warnings: [],
      error: `Exception when setting dynamic_configuration: ${error}`,
    };
  }
  const warnings: string[] = [];
  const timing = validateTiming(
    { ttl: parsed.data.ttl, loop_wait: parsed.data.loop_wait, retry_timeout: parsed.data.retry_timeout },
    warnings,
  );
  return { ok: true, config: deepFreeze(buildConfig(raw, timing, warnings)), warnings };
}
