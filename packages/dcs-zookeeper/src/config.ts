import { formatIssues as formatIssueList, type Issue, s } from '@patroni/ha-core';
import { ZooKeeperError, ZooKeeperErrorCode } from './errors.js';

/** ZooKeeper permission names as written in `set_acls` (config.md §4.5). */
export const ACL_PERMISSIONS = ['CREATE', 'READ', 'WRITE', 'DELETE', 'ADMIN', 'ALL'] as const;
export type AclPermission = (typeof ACL_PERMISSIONS)[number];

/** One ACL entry applied to every znode this agent creates. */
export interface AclEntry {
  /** `x509` unless the principal was written `scheme:credential` ([4.x master]). */
  readonly scheme: string;
  readonly credential: string;
  readonly permissions: readonly AclPermission[];
}

/** A validated `zookeeper:` section, fully defaulted. */
export interface ZooKeeperConfig {
  /** `host:port` entries (default port 2181). */
  readonly hosts: readonly string[];
  readonly useSsl: boolean;
  readonly tls: {
    readonly cacert: string | null;
    readonly cert: string | null;
    readonly key: string | null;
    readonly keyPassword: string | null;
    readonly verify: boolean;
  };
  /** null: znodes are created world-readable/writable (ZooKeeper's OPEN_ACL_UNSAFE), as kazoo does. */
  readonly acls: readonly AclEntry[] | null;
  /** `addauth` credentials sent on every connection: scheme → credential. */
  readonly authData: readonly { readonly scheme: string; readonly credential: string }[];
}

const DEFAULT_PORT = 2181;

const boolish = s.union([
  s.boolean(),
  s
    .string()
    .regex(/^(true|false|on|off|yes|no|1|0)$/i, 'expected a boolean')
    .transform((value) => /^(true|on|yes|1)$/i.test(value)),
]);

const permission = s
  .string()
  .transform((p) => p.toUpperCase())
  .pipe(s.oneOf(ACL_PERMISSIONS));

const hostsSchema = s.union([s.string().min(1), s.array(s.string().min(1)).min(1)]);

const sectionSchema = s.looseObject({
  hosts: hostsSchema,
  use_ssl: boolish.optional(),
  cacert: s.string().min(1).optional(),
  cert: s.string().min(1).optional(),
  key: s.string().min(1).optional(),
  key_password: s.string().optional(),
  verify: boolish.optional(),
  set_acls: s.record(s.string().min(1), s.array(permission).min(1)).optional(),
  auth_data: s.record(s.string().min(1), s.string()).optional(),
});

/** `host[:port]` entries from a list or a comma string; IPv6 literals in brackets keep their brackets. */
export function normalizeHosts(raw: string | readonly string[], defaultPort = DEFAULT_PORT): string[] {
  const list = typeof raw === 'string' ? raw.split(',') : raw;
  return list
    .map((h) => h.trim())
    .filter((h) => h !== '')
    .map((h) =>
      /:\d+$/.test(h) && (h.startsWith('[') || h.indexOf(':') === h.lastIndexOf(':'))
        ? h
        : `${h}:${defaultPort}`,
    );
}

/** `section.key.path: message; ...` for a failed parse (the exhibitor section reuses it). */
export function formatIssues(section: string, error: { readonly issues: readonly Issue[] }): string {
  return formatIssueList(error.issues, section);
}

function aclsOf(setAcls: Readonly<Record<string, readonly AclPermission[]>> | undefined): AclEntry[] | null {
  if (setAcls === undefined) return null;
  return Object.entries(setAcls).map(([principal, permissions]) => {
    const colon = principal.indexOf(':');
    // A principal without a scheme is an x509 subject; `scheme:credential` is accepted as [4.x master] does.
    return colon > 0
      ? { scheme: principal.slice(0, colon), credential: principal.slice(colon + 1), permissions }
      : { scheme: 'x509', credential: principal, permissions };
  });
}

/** Validates a `zookeeper` section; throws `ZooKeeperError(ConfigInvalid)` naming each bad key. */
export function parseZooKeeperConfig(raw: unknown, sectionName = 'zookeeper'): ZooKeeperConfig {
  const parsed = sectionSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new ZooKeeperError(
      ZooKeeperErrorCode.ConfigInvalid,
      `invalid ${sectionName} configuration: ${formatIssues(sectionName, parsed.error)}`,
    );
  }
  const section = parsed.data;
  const hosts = normalizeHosts(section.hosts);
  if (hosts.length === 0) {
    throw new ZooKeeperError(
      ZooKeeperErrorCode.ConfigInvalid,
      `invalid ${sectionName} configuration: ${sectionName}.hosts: no host given`,
    );
  }
  return Object.freeze({
    hosts,
    useSsl: section.use_ssl ?? false,
    tls: {
      cacert: section.cacert ?? null,
      cert: section.cert ?? null,
      key: section.key ?? null,
      keyPassword: section.key_password ?? null,
      verify: section.verify ?? true,
    },
    acls: aclsOf(section.set_acls),
    authData: Object.entries(section.auth_data ?? {}).map(([scheme, credential]) => ({ scheme, credential })),
  });
}
