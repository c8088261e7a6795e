/** Questions the REST API asks of the dynamic configuration (Patroni's `global_config` accessors). */
import { parseBoolish } from '@patroni/ha-core';
import { parseIntWithUnit } from './units.js';

type DynamicConfig = Readonly<Record<string, unknown>>;

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkMode(config: DynamicConfig, key: string): boolean {
  return parseBoolish(config[key]) === true;
}

/** A `standby_cluster` section with a non-empty `host`, `port` or `restore_command`. */
export function isStandbyCluster(config: DynamicConfig): boolean {
  const section = config.standby_cluster;
  return isRecord(section) && ['host', 'port', 'restore_command'].some((key) => Boolean(section[key]));
}

export function isQuorumCommitMode(config: DynamicConfig): boolean {
  return String(config.synchronous_mode).toLowerCase() === 'quorum';
}

/** Synchronous (or quorum) replication requested, and not a standby cluster. */
export function isSynchronousMode(config: DynamicConfig): boolean {
  return (checkMode(config, 'synchronous_mode') || isQuorumCommitMode(config)) && !isStandbyCluster(config);
}

export function isFailsafeMode(config: DynamicConfig): boolean {
  return checkMode(config, 'failsafe_mode');
}

export function maximumLagOnFailoverBytes(config: DynamicConfig): number {
  return parseIntWithUnit(config.maximum_lag_on_failover, 'B') ?? 1_048_576;
}

export { isRecord };
