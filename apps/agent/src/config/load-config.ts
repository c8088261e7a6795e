import type {
  AgentConfig,
  BasicAuth,
  BootstrapSettings,
  CtlSettings,
  LogField,
  LogLevelName,
  LogSettings,
  WatchdogSettings,
} from './agent-config.js';
import { type ConfigSource, readConfigSource } from './config-source.js';
import { deepFreeze, deepMerge, isTree, type Tree } from './deep-merge.js';
import { configFromEnv } from './env-config.js';
import { tagsSchema } from './local-schema.js';
import { normalizeLegacy } from './normalize.js';
import { minimalSectionSchemas, type SectionSchemas } from './section-schemas.js';
import { type DcsSectionName, formatProblem, presentDcsSections, validateLocalTree } from './validate.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface LoadConfigOptions {
  /** The command-line config file or directory; a missing path falls back to the environment. */
  readonly path?: string | undefined;
  readonly env: Env;
  /** Schemas of the sections other packages own; the minimal built-in ones by default. */
  readonly sections?: SectionSchemas;
}

/** The merged local tree before validation, and which `PATRONI_*` variables were used. */
export type LocalTreeResult =
  | {
      readonly ok: true;
      readonly tree: Tree;
      readonly source: ConfigSource;
      readonly consumedEnv: readonly string[];
    }
  | { readonly ok: false; readonly problems: readonly string[] };

export type LoadConfigResult =
  | {
      readonly ok: true;
      readonly config: AgentConfig;
      readonly source: ConfigSource;
      /** Remove these from the process environment (config.md §1.2). */
      readonly consumedEnv: readonly string[];
    }
  | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Reads the file/directory (or `PATRONI_CONFIGURATION`), merges the `PATRONI_*` overrides over it (not
 * over `PATRONI_CONFIGURATION`) and applies the legacy rewrites. No validation (patronictl uses this).
 */
export function readLocalTree(path: string | undefined, env: Env): LocalTreeResult {
  const read = readConfigSource(path, env);
  if (!read.ok) return read;
  let tree = read.tree;
  let consumedEnv: readonly string[] = [];
  if (read.source.kind === 'environment-document') consumedEnv = ['PATRONI_CONFIGURATION'];
  else {
    const fromEnv = configFromEnv(env);
    tree = deepMerge(tree, fromEnv.tree);
    consumedEnv = fromEnv.consumed;
  }
  if (Object.keys(tree).length === 0) return { ok: false, problems: ['Config is empty.'] };
  return { ok: true, tree: normalizeLegacy(tree), source: read.source, consumedEnv };
}

/** Loads and validates the local configuration once; every problem is listed (config.md §1, §8). */
export function loadConfig(options: LoadConfigOptions): LoadConfigResult {
  const local = readLocalTree(options.path, options.env);
  if (!local.ok) return local;
  const sections = options.sections ?? minimalSectionSchemas;
  const problems = validateLocalTree(local.tree, sections);
  if (problems.length > 0) return { ok: false, problems: problems.map(formatProblem) };
  const config = buildAgentConfig(local.tree, sections);
  return { ok: true, config, source: local.source, consumedEnv: local.consumedEnv };
}

const tree = (value: unknown): Tree => (isTree(value) ? value : {});
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown, fallback: number): number => (typeof value === 'number' ? value : fallback);

export function normalizeLevel(level: string): LogLevelName {
  const upper = level.toUpperCase();
  if (upper === 'WARN') return 'WARNING';
  if (upper === 'FATAL') return 'CRITICAL';
  return upper as LogLevelName;
}

/** `log` with Patroni's defaults (config.md §4.2). */
export function logSettings(raw: unknown): LogSettings {
  const log = tree(raw);
  const loggers = Object.fromEntries(
    Object.entries(tree(log.loggers)).map(([k, v]) => [k, normalizeLevel(String(v))]),
  );
  return {
    type: log.type === 'json' ? 'json' : 'plain',
    level: normalizeLevel(text(log.level) ?? 'INFO'),
    tracebackLevel: text(log.traceback_level)?.toUpperCase() === 'DEBUG' ? 'DEBUG' : 'ERROR',
    format: Array.isArray(log.format)
      ? (log.format as LogField[])
      : (text(log.format) ?? '%(asctime)s %(levelname)s: %(message)s'),
    dateFormat: text(log.dateformat),
    staticFields: tree(log.static_fields),
    maxQueueSize: num(log.max_queue_size, 1000),
    dir: text(log.dir),
    fileNum: num(log.file_num, 4),
    fileSizeBytes: num(log.file_size, 25_000_000),
    loggers,
    fileMode: typeof log.mode === 'number' ? log.mode : null,
    deduplicateHeartbeatLogs: log.deduplicate_heartbeat_logs === true,
  };
}

function basicAuth(value: unknown): BasicAuth | null {
  const auth = tree(value);
  return typeof auth.username === 'string' && typeof auth.password === 'string'
    ? { username: auth.username, password: auth.password }
    : null;
}

/** `ctl` with its fallbacks to the `restapi` section (config.md §4.8). */
export function ctlSettings(local: Tree): CtlSettings {
  const ctl = tree(local.ctl);
  const restapi = tree(local.restapi);
  return {
    auth: basicAuth(ctl.authentication) ?? basicAuth(restapi.authentication),
    insecure: ctl.insecure === true,
    caFile: text(ctl.cacert) ?? text(restapi.cafile),
    certFile: text(ctl.certfile),
    keyFile: text(ctl.keyfile),
    keyFilePassword: text(ctl.keyfile_password),
  };
}

function watchdogSettings(raw: unknown): WatchdogSettings {
  const watchdog = tree(raw);
  const mode = watchdog.mode === false ? 'off' : String(watchdog.mode ?? 'automatic').toLowerCase();
  return {
    mode: mode === 'required' || mode === 'off' ? mode : 'automatic',
    device: text(watchdog.device) ?? '/dev/watchdog',
    safetyMarginSeconds: num(watchdog.safety_margin, 5),
    driver: watchdog.driver === 'testing' ? 'testing' : 'default',
  };
}

function bootstrapSettings(raw: unknown, citus: boolean): BootstrapSettings | null {
  if (!isTree(raw)) return null;
  const dcs = { ...tree(raw.dcs) };
  if (citus && dcs.synchronous_mode === undefined) dcs.synchronous_mode = 'quorum';
  return { dcs, method: text(raw.method) ?? 'initdb', raw };
}

function buildAgentConfig(local: Tree, sections: SectionSchemas): AgentConfig {
  const kind = presentDcsSections(local)[0] as Exclude<DcsSectionName, 'raft'>;
  const citusRaw = tree(local.citus);
  const citus = isTree(local.citus)
    ? { group: Number(citusRaw.group), database: String(citusRaw.database) }
    : null;
  const poolSize = Number(local.thread_pool_size ?? 5);
  const config: AgentConfig = {
    name: String(local.name),
    scope: String(local.scope),
    namespace: text(local.namespace) ?? '/service/',
    log: logSettings(local.log),
    ctl: ctlSettings(local),
    watchdog: watchdogSettings(local.watchdog),
    tags: isTree(local.tags) ? (tagsSchema.parse(local.tags) as Tree) : {},
    citus,
    dcs: { kind, section: tree(local[kind]) },
    postgresql: sections.postgresql.parse(local.postgresql) as Tree,
    restapi: sections.restapi.parse(local.restapi) as Tree,
    bootstrap: bootstrapSettings(local.bootstrap, citus !== null),
    threadPoolSize: Number.isInteger(poolSize) && poolSize >= 5 ? poolSize : 5,
    local: structuredClone(local),
  };
  return deepFreeze(config);
}
