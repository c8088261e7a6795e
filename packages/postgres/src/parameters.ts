import { parseBoolish } from '@patroni/ha-core';

export type ParameterValue = string | number | boolean;
export type Parameters = Readonly<Record<string, ParameterValue>>;

interface GuardedRule {
  readonly defaultValue: string;
  readonly minVersion: number;
  readonly maxVersion?: number;
  readonly onCommandLine: boolean;
  /** Normalised value, or null when the value fails validation. */
  validate(value: ParameterValue): string | null;
}

const intAtLeast = (min: number) => (value: ParameterValue) => {
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  return Number.isInteger(n) && n >= min ? String(n) : null;
};
const trueOnly = (value: ParameterValue) => (parseBoolish(value) === true ? 'on' : null);
const boolishValue = (value: ParameterValue) => {
  const b = parseBoolish(value);
  return b === null ? null : b ? 'on' : 'off';
};

/** config.md §5.2: dynamic-only parameters, validated, most passed on the postmaster command line. */
export const GUARDED_PARAMETERS: Readonly<Record<string, GuardedRule>> = {
  wal_level: {
    defaultValue: 'hot_standby',
    minVersion: 0,
    onCommandLine: true,
    validate: (v) =>
      ['hot_standby', 'replica', 'logical'].includes(String(v).toLowerCase())
        ? String(v).toLowerCase()
        : null,
  },
  hot_standby: { defaultValue: 'on', minVersion: 0, onCommandLine: true, validate: trueOnly },
  max_connections: { defaultValue: '100', minVersion: 0, onCommandLine: true, validate: intAtLeast(25) },
  max_wal_senders: { defaultValue: '10', minVersion: 0, onCommandLine: true, validate: intAtLeast(3) },
  wal_keep_segments: {
    defaultValue: '8',
    minVersion: 0,
    maxVersion: 129999,
    onCommandLine: false,
    validate: intAtLeast(1),
  },
  wal_keep_size: { defaultValue: '128MB', minVersion: 130000, onCommandLine: false, validate: walKeepSize },
  max_prepared_transactions: {
    defaultValue: '0',
    minVersion: 0,
    onCommandLine: true,
    validate: intAtLeast(0),
  },
  max_locks_per_transaction: {
    defaultValue: '64',
    minVersion: 0,
    onCommandLine: true,
    validate: intAtLeast(32),
  },
  track_commit_timestamp: {
    defaultValue: 'off',
    minVersion: 90500,
    onCommandLine: true,
    validate: boolishValue,
  },
  max_replication_slots: {
    defaultValue: '10',
    minVersion: 90400,
    onCommandLine: true,
    validate: intAtLeast(4),
  },
  max_worker_processes: {
    defaultValue: '8',
    minVersion: 90400,
    onCommandLine: true,
    validate: intAtLeast(2),
  },
  // [4.x] bool-ish: `off` is honoured.
  wal_log_hints: { defaultValue: 'on', minVersion: 90400, onCommandLine: true, validate: boolishValue },
};

/** Postmaster command-line order (config.md §5.2). */
const COMMAND_LINE_ORDER = [
  'listen_addresses',
  'port',
  'cluster_name',
  'wal_level',
  'hot_standby',
  'max_connections',
  'max_wal_senders',
  'max_prepared_transactions',
  'max_locks_per_transaction',
  'track_commit_timestamp',
  'max_replication_slots',
  'max_worker_processes',
  'wal_log_hints',
] as const;

/** Recovery names moved from `parameters` into `recovery_conf` (config.md §5.3). */
export const RECOVERY_PARAMETERS = new Set([
  'archive_cleanup_command',
  'pause_at_recovery_target',
  'primary_conninfo',
  'primary_slot_name',
  'promote_trigger_file',
  'recovery_end_command',
  'recovery_min_apply_delay',
  'recovery_target',
  'recovery_target_action',
  'recovery_target_inclusive',
  'recovery_target_lsn',
  'recovery_target_name',
  'recovery_target_time',
  'recovery_target_timeline',
  'recovery_target_xid',
  'restore_command',
  'standby_mode',
  'trigger_file',
]);

/** Replica safety (config.md §5.2): controldata key and minimum version for each parameter. */
const CONTROLDATA_MINIMUMS: readonly (readonly [string, string, number])[] = [
  ['max_connections', 'max_connections setting', 0],
  ['max_prepared_transactions', 'max_prepared_xacts setting', 0],
  ['max_locks_per_transaction', 'max_locks_per_xact setting', 0],
  ['max_worker_processes', 'max_worker_processes setting', 90400],
  ['max_wal_senders', 'max_wal_senders setting', 120000],
];

function walKeepSize(value: ParameterValue): string | null {
  const match = /^\s*(\d+)\s*(MB|GB|TB)?\s*$/.exec(String(value));
  if (!match) return null;
  const factor = { MB: 1, GB: 1024, TB: 1024 * 1024 }[(match[2] ?? 'MB') as 'MB' | 'GB' | 'TB'];
  const mb = Number(match[1]) * factor;
  return mb >= 16 ? `${mb}MB` : null;
}

export function renderValue(value: ParameterValue): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  return String(value);
}

export interface ParameterInputs {
  readonly local: Parameters;
  /** Dynamic `postgresql.parameters` from the DCS (`/config`), empty when none. */
  readonly dynamic: Parameters;
  readonly listenAddresses: readonly string[];
  readonly port: number;
  readonly scope: string;
  /** Server version (e.g. 150002) the parameters are written for. */
  readonly version: number;
  readonly configDir: string;
  /** Replica safety: pg_controldata of the data directory when not starting as primary, else null. */
  readonly replicaControlData: Readonly<Record<string, string>> | null;
  readonly warn: (message: string) => void;
}

export interface EffectiveParameters {
  /** Every parameter for the main block of postgresql.conf. */
  readonly conf: Readonly<Record<string, string>>;
  /** Recovery-related names found in `parameters` (they replace `recovery_conf`). */
  readonly recoveryFromParameters: Readonly<Record<string, string>>;
  /** `--name=value` arguments of the postmaster. */
  readonly commandLine: readonly string[];
  /** Parameters started with a controldata value larger than configured (pending restart reasons). */
  readonly bumped: Readonly<Record<string, { old_value: string; new_value: string }>>;
}

function guardedValues(
  dynamic: Parameters,
  version: number,
  warn: (m: string) => void,
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, rule] of Object.entries(GUARDED_PARAMETERS)) {
    const given = dynamic[name];
    let value = rule.defaultValue;
    if (given !== undefined) {
      const valid = rule.validate(given);
      if (valid === null)
        warn(
          `postgresql parameter ${name}=${renderValue(given)} failed validation, defaulting to ${rule.defaultValue}`,
        );
      else value = valid;
    }
    values[name] = value;
  }
  // Version adaptation (config.md §5.2).
  if (values.wal_level === 'hot_standby' && version >= 90600) values.wal_level = 'replica';
  if (values.wal_level === 'replica' && version < 90600) values.wal_level = 'hot_standby';
  if (version >= 130000) {
    if (dynamic.wal_keep_size === undefined && dynamic.wal_keep_segments !== undefined)
      values.wal_keep_size = `${Number(values.wal_keep_segments) * 16}MB`;
    delete values.wal_keep_segments;
  } else {
    if (dynamic.wal_keep_segments === undefined && dynamic.wal_keep_size !== undefined)
      values.wal_keep_segments = String(
        Math.trunc((Number.parseInt(values.wal_keep_size ?? '128', 10) + 8) / 16),
      );
    delete values.wal_keep_size;
  }
  for (const [name, rule] of Object.entries(GUARDED_PARAMETERS)) {
    if (version < rule.minVersion || (rule.maxVersion !== undefined && version > rule.maxVersion))
      delete values[name];
  }
  return values;
}

/**
 * The effective server parameters (config.md §5): dynamic merged under local, guarded ones from the
 * dynamic config only, listen/port/cluster_name forced, hba/ident files, replica safety bumps.
 */
export function effectiveParameters(inputs: ParameterInputs): EffectiveParameters {
  const conf: Record<string, string> = {};
  const recovery: Record<string, string> = {};
  for (const source of [inputs.dynamic, inputs.local]) {
    for (const [name, value] of Object.entries(source)) {
      if (name in GUARDED_PARAMETERS || ['listen_addresses', 'port', 'cluster_name'].includes(name)) continue;
      if (RECOVERY_PARAMETERS.has(name)) recovery[name] = renderValue(value);
      else conf[name] = renderValue(value);
    }
  }
  Object.assign(conf, guardedValues(inputs.dynamic, inputs.version, inputs.warn));
  conf.listen_addresses = inputs.listenAddresses.join(',');
  conf.port = String(inputs.port);
  if (inputs.version >= 90500) conf.cluster_name = inputs.scope;
  conf.hba_file ??= `${inputs.configDir}/pg_hba.conf`;
  conf.ident_file ??= `${inputs.configDir}/pg_ident.conf`;
  const bumped: Record<string, { old_value: string; new_value: string }> = {};
  if (inputs.replicaControlData) {
    for (const [name, key, minVersion] of CONTROLDATA_MINIMUMS) {
      const fromControl = Number(inputs.replicaControlData[key]);
      const configured = Number(conf[name]);
      if (inputs.version >= minVersion && Number.isFinite(fromControl) && fromControl > configured) {
        bumped[name] = { old_value: String(fromControl), new_value: String(configured) };
        conf[name] = String(fromControl);
      }
    }
  }
  const commandLine = COMMAND_LINE_ORDER.filter((name) => conf[name] !== undefined).map(
    (name) => `--${name}=${conf[name]}`,
  );
  return { conf, recoveryFromParameters: recovery, commandLine, bumped };
}
