import type { Tree } from './deep-merge.js';
import type { DcsSectionName } from './validate.js';

/** Python logging level names after normalisation (`WARN` → `WARNING`, `FATAL` → `CRITICAL`). */
export type LogLevelName = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';

/** A json log field: kept under its name, or renamed (`{levelname: level}`). */
export type LogField = string | Readonly<Record<string, string>>;

export interface LogSettings {
  readonly type: 'plain' | 'json';
  readonly level: LogLevelName;
  readonly tracebackLevel: 'DEBUG' | 'ERROR';
  /** Python `%`-style format, or (json) the list of fields. */
  readonly format: string | readonly LogField[];
  /** strftime-style; null → Patroni's default `YYYY-MM-DD HH:MM:SS,mmm`. */
  readonly dateFormat: string | null;
  readonly staticFields: Readonly<Record<string, unknown>>;
  readonly maxQueueSize: number;
  /** null → log to stderr. */
  readonly dir: string | null;
  readonly fileNum: number;
  readonly fileSizeBytes: number;
  readonly loggers: Readonly<Record<string, LogLevelName>>;
  /** File mode of the log file; null → from the umask. */
  readonly fileMode: number | null;
  readonly deduplicateHeartbeatLogs: boolean;
}

export interface BasicAuth {
  readonly username: string;
  readonly password: string;
}

/** `ctl` with its fallbacks to `restapi.authentication` / `restapi.cafile` applied (config.md §4.8). */
export interface CtlSettings {
  readonly auth: BasicAuth | null;
  readonly insecure: boolean;
  readonly caFile: string | null;
  readonly certFile: string | null;
  readonly keyFile: string | null;
  readonly keyFilePassword: string | null;
}

export interface WatchdogSettings {
  readonly mode: 'off' | 'automatic' | 'required';
  readonly device: string;
  /** -1 → ttl / 2. */
  readonly safetyMarginSeconds: number;
  readonly driver: 'default' | 'testing';
}

export interface BootstrapSettings {
  /** The seed of `/config` (validated shape, stored as written). */
  readonly dcs: Readonly<Tree>;
  readonly method: string;
  /** The whole `bootstrap` section (custom method definitions, initdb options, post_bootstrap...). */
  readonly raw: Readonly<Tree>;
}

/** The validated, frozen, fully defaulted local configuration. */
export interface AgentConfig<P = Readonly<Tree>, R = Readonly<Tree>> {
  readonly name: string;
  readonly scope: string;
  /** As configured (`/service/` by default); see `clusterBasePath`. */
  readonly namespace: string;
  readonly log: LogSettings;
  readonly ctl: CtlSettings;
  readonly watchdog: WatchdogSettings;
  /** As configured (words and numeric strings already read as booleans/numbers). */
  readonly tags: Readonly<Tree>;
  readonly citus: { readonly group: number; readonly database: string } | null;
  readonly dcs: { readonly kind: Exclude<DcsSectionName, 'raft'>; readonly section: Readonly<Tree> };
  readonly postgresql: P;
  readonly restapi: R;
  readonly bootstrap: BootstrapSettings | null;
  readonly threadPoolSize: number;
  /** The merged local tree (file(s) + env), for `--print` and for comparing on reload. */
  readonly local: Readonly<Tree>;
}
