import { parseBoolish } from '@patroni/ha-core';
import { isTree, type Tree } from './deep-merge.js';
import { parsePyYaml } from './py-yaml.js';

/** The tree built from `PATRONI_*` variables and the names it consumed (to remove from the environment). */
export interface EnvConfig {
  readonly tree: Tree;
  readonly consumed: readonly string[];
}

const PREFIX = 'PATRONI_';

/** Connection keys accepted per PostgreSQL user (config.md §1.3). */
export const AUTH_KEYS = [
  'username',
  'password',
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

const SECTION_KEYS: Readonly<Record<string, readonly string[]>> = {
  log: [
    'type',
    'level',
    'traceback_level',
    'format',
    'dateformat',
    'static_fields',
    'max_queue_size',
    'dir',
    'mode',
    'file_size',
    'file_num',
    'loggers',
    'deduplicate_heartbeat_logs',
  ],
  restapi: [
    'listen',
    'connect_address',
    'certfile',
    'keyfile',
    'keyfile_password',
    'cafile',
    'ciphers',
    'verify_client',
    'http_extra_headers',
    'https_extra_headers',
    'allowlist',
    'allowlist_include_members',
    'request_queue_size',
    'server_tokens',
  ],
  ctl: ['insecure', 'cacert', 'certfile', 'keyfile', 'keyfile_password'],
  postgresql: ['listen', 'connect_address', 'proxy_address', 'config_dir', 'data_dir', 'pgpass', 'bin_dir'],
  raft: ['data_dir', 'self_addr', 'partner_addrs', 'password', 'bind_addr'],
};

const BINARIES = [
  'pg_ctl',
  'initdb',
  'pg_controldata',
  'pg_basebackup',
  'postgres',
  'pg_isready',
  'pg_rewind',
];

/** How a value of each typed key is parsed (everything else stays a string). */
const TYPED_KEYS: Readonly<Record<string, 'bool' | 'int' | 'list' | 'dict'>> = {
  'restapi.allowlist_include_members': 'bool',
  'ctl.insecure': 'bool',
  'log.deduplicate_heartbeat_logs': 'bool',
  'restapi.request_queue_size': 'int',
  'log.max_queue_size': 'int',
  'log.file_size': 'int',
  'log.file_num': 'int',
  'log.mode': 'int',
  'raft.partner_addrs': 'list',
  'restapi.allowlist': 'list',
  'restapi.http_extra_headers': 'dict',
  'restapi.https_extra_headers': 'dict',
  'log.static_fields': 'dict',
  'log.loggers': 'dict',
};

const DCS_SUFFIXES: Readonly<Record<string, 'str' | 'int' | 'list' | 'dict' | 'bool'>> = {
  HOST: 'str',
  HOSTS: 'list',
  PORT: 'int',
  PORTS: 'list',
  CHECKS: 'list',
  SERVICE_TAGS: 'list',
  RETRIABLE_HTTP_CODES: 'list',
  LABELS: 'dict',
  SET_ACLS: 'dict',
  AUTH_DATA: 'dict',
  BOOTSTRAP_LABELS: 'dict',
  USE_PROXIES: 'bool',
  REGISTER_SERVICE: 'bool',
  USE_ENDPOINTS: 'bool',
  BYPASS_API_SERVICE: 'bool',
  VERIFY: 'bool',
  ...Object.fromEntries(
    [
      'PROTOCOL',
      'SRV',
      'SRV_SUFFIX',
      'URL',
      'PROXY',
      'CACERT',
      'CERT',
      'KEY',
      'TOKEN',
      'DC',
      'CONSISTENCY',
      'SERVICE_CHECK_INTERVAL',
      'SERVICE_CHECK_TLS_SERVER_NAME',
      'NAMESPACE',
      'CONTEXT',
      'SCOPE_LABEL',
      'ROLE_LABEL',
      'POD_IP',
      'KEY_PASSWORD',
      'USE_SSL',
      'LEADER_LABEL_VALUE',
      'FOLLOWER_LABEL_VALUE',
      'STANDBY_LEADER_LABEL_VALUE',
      'TMP_ROLE_LABEL',
      'GROUP',
      'DATABASE',
    ].map((suffix) => [suffix, 'str' as const]),
  ),
};

function yamlOrNull(text: string): unknown {
  try {
    return parsePyYaml(text);
  } catch {
    return null;
  }
}

/** A YAML list; brackets are added unless the text starts with `-` or contains `[`. */
export function parseEnvList(value: string): unknown {
  const text = value.trim().startsWith('-') || value.includes('[') ? value : `[${value}]`;
  return yamlOrNull(text);
}

/** A YAML map; braces are added when missing. */
export function parseEnvDict(value: string): unknown {
  return yamlOrNull(value.trim().startsWith('{') ? value : `{${value}}`);
}

function parseTyped(value: string, kind: 'str' | 'int' | 'list' | 'dict' | 'bool'): unknown {
  switch (kind) {
    case 'bool':
      return parseBoolish(value);
    case 'int':
      return parsePythonInt(value);
    case 'list': {
      const list = parseEnvList(value);
      return Array.isArray(list) && list.length > 0 ? list : null;
    }
    case 'dict': {
      const dict = parseEnvDict(value);
      return isTree(dict) && Object.keys(dict).length > 0 ? dict : null;
    }
    default:
      return value;
  }
}

/** Python-style int: decimal, `0x` hex, leading-`0` octal (so `0640` is 416); null otherwise. */
export function parsePythonInt(value: string): number | null {
  const text = value.trim();
  if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(text)) return Number.parseInt(text, 16);
  if (/^[+-]?0[0-7]+$/.test(text)) return Number.parseInt(text, 8);
  if (/^[+-]?\d+$/.test(text)) return Number.parseInt(text, 10);
  return null;
}

class EnvReader {
  private readonly pending: Map<string, string>;
  readonly consumed: string[] = [];
  readonly tree: Record<string, Tree> = {};

  constructor(env: Readonly<Record<string, string | undefined>>) {
    this.pending = new Map(
      Object.entries(env).filter((e): e is [string, string] => e[0].startsWith(PREFIX) && e[1] !== undefined),
    );
    this.pending.delete('PATRONI_CONFIGURATION');
  }

  /** Removes and returns `PATRONI_<name>`; empty values count as absent. */
  pop(name: string): string | undefined {
    const key = PREFIX + name.toUpperCase();
    const value = this.pending.get(key);
    if (value === undefined) return undefined;
    this.pending.delete(key);
    this.consumed.push(key);
    return value === '' ? undefined : value;
  }

  remaining(): string[] {
    return [...this.pending.keys()];
  }

  set(section: string, key: string, value: unknown): void {
    if (value === null || value === undefined) return;
    this.tree[section] ??= {};
    (this.tree[section] as Tree)[key] = value;
  }
}

function readSections(reader: EnvReader): void {
  for (const [oldName, newName] of [
    ['LOGLEVEL', 'LOG_LEVEL'],
    ['LOGFORMAT', 'LOG_FORMAT'],
    ['LOG_DATEFMT', 'LOG_DATEFORMAT'],
  ] as const) {
    const value = reader.pop(oldName);
    if (value !== undefined && !reader.remaining().includes(PREFIX + newName))
      reader.set('log', newName.slice(4).toLowerCase(), value);
  }
  for (const [section, keys] of Object.entries(SECTION_KEYS)) {
    for (const key of keys) {
      const raw = reader.pop(`${section}_${key}`);
      if (raw === undefined) continue;
      const kind = TYPED_KEYS[`${section}.${key}`];
      reader.set(section, key, kind === undefined ? raw : parseTyped(raw, kind));
    }
  }
  const format = reader.tree.log?.format;
  if (typeof format === 'string' && !format.includes('%(')) {
    const list = parseEnvList(format);
    if (Array.isArray(list)) reader.set('log', 'format', list);
  }
  for (const binary of BINARIES) {
    const value = reader.pop(`POSTGRESQL_BIN_${binary}`);
    if (value !== undefined) {
      reader.tree.postgresql ??= {};
      const postgresql = reader.tree.postgresql;
      postgresql.bin_name ??= {};
      (postgresql.bin_name as Tree)[binary] = value;
    }
  }
}

function readAuth(reader: EnvReader, name: string, keys: readonly string[]): Tree | null {
  const auth: Tree = {};
  for (const key of keys) {
    const value = reader.pop(`${name}_${key}`);
    if (value !== undefined) auth[key] = value;
  }
  return Object.keys(auth).length > 0 ? auth : null;
}

function readAuthentication(reader: EnvReader): void {
  reader.set('restapi', 'authentication', readAuth(reader, 'restapi', ['username', 'password']));
  reader.set('ctl', 'authentication', readAuth(reader, 'ctl', ['username', 'password']));
  const users: Tree = {};
  for (const user of ['replication', 'superuser', 'rewind']) {
    const auth = readAuth(reader, user, AUTH_KEYS);
    if (auth) users[user] = auth;
  }
  if (Object.keys(users).length > 0) reader.set('postgresql', 'authentication', users);
}

function readGlobals(reader: EnvReader): Tree {
  const globals: Tree = {};
  for (const key of ['name', 'namespace', 'scope', 'thread_pool_size', 'thread_stack_size']) {
    const value = reader.pop(key);
    if (value !== undefined) globals[key] = value;
  }
  return globals;
}

/** `PATRONI_<SECTION>_<SUFFIX>` for DCS sections (and citus), config.md §6.2. */
function readDcsSections(reader: EnvReader): void {
  for (const variable of reader.remaining()) {
    const rest = variable.slice(PREFIX.length);
    const cut = rest.indexOf('_');
    if (cut <= 0) continue;
    const section = rest.slice(0, cut);
    const suffix = rest.slice(cut + 1);
    const kind = DCS_SUFFIXES[suffix];
    if (kind === undefined) continue;
    const raw = reader.pop(rest) ?? '';
    if (section === 'CITUS') {
      if (suffix === 'GROUP') reader.set('citus', 'group', raw === '' ? null : parsePythonInt(raw));
      else if (suffix === 'DATABASE' && raw !== '') reader.set('citus', 'database', raw);
      continue;
    }
    if (raw === '' && kind !== 'dict' && kind !== 'bool') continue;
    reader.set(section.toLowerCase(), suffix.toLowerCase(), parseTyped(raw, kind));
  }
  for (const dcs of ['etcd', 'etcd3']) {
    if (reader.tree[dcs] === undefined) continue;
    const auth = readAuth(reader, dcs, ['username', 'password']);
    if (auth) Object.assign(reader.tree[dcs] as Tree, auth);
  }
}

/** Remaining `PATRONI_<NAME>_PASSWORD` (+ `_OPTIONS`) → `bootstrap.users` (3.x; ignored by 4.x bootstrap). */
function readBootstrapUsers(reader: EnvReader): void {
  const users: Tree = {};
  for (const variable of reader.remaining()) {
    if (!variable.endsWith('_PASSWORD')) continue;
    const name = variable.slice(PREFIX.length, -'_PASSWORD'.length);
    if (name === '') continue;
    const password = reader.pop(`${name}_PASSWORD`);
    if (password === undefined) continue;
    const user: Tree = { password };
    const options = reader.pop(`${name}_OPTIONS`);
    const list = options === undefined ? null : parseEnvList(options);
    if (Array.isArray(list) && list.length > 0) user.options = list;
    users[name] = user;
  }
  if (Object.keys(users).length > 0) reader.set('bootstrap', 'users', users);
}

/** Builds the configuration tree that `PATRONI_*` variables describe (config.md §6). */
export function configFromEnv(env: Readonly<Record<string, string | undefined>>): EnvConfig {
  const reader = new EnvReader(env);
  const globals = readGlobals(reader);
  readSections(reader);
  readAuthentication(reader);
  readDcsSections(reader);
  readBootstrapUsers(reader);
  const consumed = [...reader.consumed];
  if (env.PATRONI_CONFIGURATION !== undefined) consumed.push('PATRONI_CONFIGURATION');
  return { tree: { ...globals, ...reader.tree }, consumed };
}
