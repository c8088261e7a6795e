import { formatIssues, parseZooKeeperConfig, type ZooKeeperConfig } from '@patroni/dcs-zookeeper';
import { s } from '@patroni/ha-core';
import { ExhibitorError, ExhibitorErrorCode } from './errors.js';

/** A validated `exhibitor:` section (config.md §4.5, dcs.md §7.5), fully defaulted. */
export interface ExhibitorConfig {
  /** Exhibitor hosts to ask first (names or addresses, no port). */
  readonly hosts: readonly string[];
  /** Exhibitor's REST port. */
  readonly port: number;
  readonly pollIntervalMs: number;
  /** The ZooKeeper settings the section may carry too (`set_acls`, `auth_data`...); hosts come from Exhibitor. */
  readonly zookeeper: Omit<ZooKeeperConfig, 'hosts'>;
}

const DEFAULT_POLL_INTERVAL_S = 300;

const sectionSchema = s.looseObject({
  hosts: s.union([s.string().min(1), s.array(s.string().min(1)).min(1)]),
  port: s.coerceNumber().int().min(1).max(65535),
  poll_interval: s.coerceNumber().int().min(1).optional(),
});

/** Validates an `exhibitor` section; throws `ExhibitorError(ConfigInvalid)` naming each bad key. */
export function parseExhibitorConfig(raw: unknown): ExhibitorConfig {
  const parsed = sectionSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new ExhibitorError(
      ExhibitorErrorCode.ConfigInvalid,
      `invalid exhibitor configuration: ${formatIssues('exhibitor', parsed.error)}`,
    );
  }
  const section = parsed.data;
  const hosts = (typeof section.hosts === 'string' ? section.hosts.split(',') : section.hosts)
    .map((h) => h.trim())
    .filter(Boolean);
  if (hosts.length === 0) {
    throw new ExhibitorError(
      ExhibitorErrorCode.ConfigInvalid,
      'invalid exhibitor configuration: exhibitor.hosts: no host given',
    );
  }
  // The ZooKeeper keys are checked by the ZooKeeper parser; its hosts are a placeholder until the first poll.
  const { hosts: _placeholder, ...zookeeper } = parseZooKeeperConfig(
    { ...(raw as object), hosts: 'exhibitor' },
    'exhibitor',
  );
  return Object.freeze({
    hosts,
    port: section.port,
    pollIntervalMs: (section.poll_interval ?? DEFAULT_POLL_INTERVAL_S) * 1000,
    zookeeper,
  });
}
