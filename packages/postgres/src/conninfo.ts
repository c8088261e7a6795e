import type { ConnectionUser, PostgresqlConfig } from './config.js';

/** Keyword order of primary_conninfo / pg_basebackup --dbname (postgres.md §7.1). */
const KEYWORD_ORDER = [
  'dbname',
  'user',
  'password',
  'passfile',
  'host',
  'port',
  'sslmode',
  'sslcompression',
  'sslcert',
  'sslkey',
  'sslpassword',
  'sslrootcert',
  'sslcrl',
  'sslcrldir',
  'application_name',
  'krbsrvname',
  'gssencmode',
  'channel_binding',
  'target_session_attrs',
  'sslnegotiation',
] as const;

/** Minimum server version knowing each optional keyword ([4.x] postgres.md §7.1). */
const KEYWORD_MIN_VERSION: Readonly<Record<string, number>> = {
  gssencmode: 120000,
  channel_binding: 130000,
  sslpassword: 130000,
  sslcrldir: 140000,
  sslnegotiation: 170000,
  target_session_attrs: 100000,
};

export type ConnParams = Readonly<Record<string, string | number | undefined | null>>;

function escapeValue(value: string): string {
  return value.replace(/[\\' ]/g, (ch) => `\\${ch}`);
}

/** `key=value` joined by spaces in Patroni's keyword order, `'`, `\` and space backslash-escaped. */
export function formatConninfo(params: ConnParams, serverVersion = 999999): string {
  const keys = [
    ...KEYWORD_ORDER.filter((k) => k in params),
    ...Object.keys(params).filter((k) => !(KEYWORD_ORDER as readonly string[]).includes(k)),
  ];
  return keys
    .filter((key) => params[key] !== undefined && params[key] !== null)
    .filter((key) => (KEYWORD_MIN_VERSION[key] ?? 0) <= serverVersion)
    .map((key) => `${key}=${escapeValue(String(params[key]))}`)
    .join(' ');
}

/** Parses a libpq keyword=value string (the inverse of formatConninfo, quotes accepted too). */
export function parseConninfo(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const pattern = /\s*([A-Za-z_]+)\s*=\s*('((?:[^'\\]|\\.)*)'|((?:[^\s\\]|\\.)*))/g;
  for (const match of text.matchAll(pattern)) {
    const raw = match[3] ?? match[4] ?? '';
    result[match[1] as string] = raw.replace(/\\(.)/g, '$1');
  }
  return result;
}

/** `postgres://host:port/dbname` from a member key → host, port, dbname. */
export function parseConnUrl(url: string): ParsedConnUrl | null {
  // A replica derives its primary_conninfo from the leader's URL every cycle: the last answer is kept.
  if (lastParsedUrl?.url === url) return lastParsedUrl.parsed;
  const parsed = parseConnUrlAfresh(url);
  lastParsedUrl = { url, parsed };
  return parsed;
}

type ParsedConnUrl = { readonly host: string; readonly port: number; readonly dbname: string | null };
let lastParsedUrl: { url: string; parsed: ParsedConnUrl | null } | null = null;

function parseConnUrlAfresh(url: string): ParsedConnUrl | null {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') return null;
    const host = decodeURIComponent(parsed.hostname).replace(/^\[(.*)\]$/, '$1');
    const dbname = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || null;
    return { host, port: parsed.port ? Number(parsed.port) : 5432, dbname };
  } catch {
    return null;
  }
}

/** libpq parameters of a user from `authentication` (username, password and ssl options). */
export function userParams(user: ConnectionUser, withPassword = true): Record<string, string> {
  const params: Record<string, string> = { user: user.username, ...user.options };
  if (withPassword && user.password !== null) params.password = user.password;
  return params;
}

/** Host used for local connections (postgres.md §3): `localhost` for wildcard/loopback listen addresses. */
export function localHost(
  config: PostgresqlConfig,
  unixSocketDir: string | null,
  useUnixSocket: boolean,
): string {
  if (useUnixSocket && unixSocketDir) return unixSocketDir;
  const first = config.listenAddresses[0] ?? 'localhost';
  return ['*', '0.0.0.0', '127.0.0.1', 'localhost', '::'].includes(first) ? 'localhost' : first;
}

/** `connect_address` or the derived one (config.md §4.6). */
export function connectAddress(config: PostgresqlConfig): string {
  if (config.connectAddress) return config.connectAddress;
  return `${localHost(config, null, false)}:${config.port}`;
}

/** The `conn_url` a member publishes: `postgres://<connect_address>/<database>`. */
export function connUrl(config: PostgresqlConfig): string {
  return `postgres://${connectAddress(config)}/${config.database}`;
}

export interface PgpassEntry {
  readonly host: string | null;
  readonly port: number | string | null;
  readonly user: string | null;
  readonly password: string;
}

const escapePgpass = (value: string) => value.replace(/[\\:]/g, (ch) => `\\${ch}`);

/** pgpass lines (config.md §7.5): `host:port:*:user:password`, each ending with a newline. */
export function renderPgpass(entries: readonly PgpassEntry[]): string {
  const lines: string[] = [];
  const line = (e: PgpassEntry, host: string | null) =>
    [host, e.port, '*', e.user, e.password]
      .map((v) => (v === null ? '*' : escapePgpass(String(v))))
      .join(':');
  for (const entry of entries) {
    lines.push(line(entry, entry.host));
    const hasLocalhost = entries.some((e) => e.host === 'localhost');
    if (entry.host?.startsWith('/') && !hasLocalhost) lines.push(line(entry, 'localhost'));
  }
  return lines.map((l) => `${l}\n`).join('');
}
