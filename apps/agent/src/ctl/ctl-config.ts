import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { CtlSettings } from '../config/agent-config.js';
import { isTree, type Tree } from '../config/deep-merge.js';
import { ctlSettings, type Env, readLocalTree } from '../config/load-config.js';
import { ctlError } from '../errors.js';

/** Default ports and section shapes of `--dcs-url` schemes (patronictl.md §1.2). */
const DCS_DEFAULTS: Readonly<
  Record<string, { port: number; section: (host: string, port: number) => Tree }>
> = {
  consul: { port: 8500, section: (h, p) => ({ host: `${h}:${p}` }) },
  etcd: { port: 2379, section: (h, p) => ({ host: `${h}:${p}` }) },
  etcd3: { port: 2379, section: (h, p) => ({ host: `${h}:${p}` }) },
  exhibitor: { port: 8181, section: (h, p) => ({ hosts: [h], port: p }) },
  zookeeper: { port: 2181, section: (h, p) => ({ hosts: [`${h}:${p}`] }) },
};

/** `[scheme://][host][:port][/namespace]` → the DCS section (plus `namespace`) it stands for. */
export function parseDcsUrl(dcsUrl: string): Tree {
  const text = dcsUrl.includes('//') ? dcsUrl : `//${dcsUrl}`;
  const match = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):)?\/\/(\[[^\]]*\]|[^/:]*)?(?::(\d+))?(\/.*)?$/.exec(text);
  if (!match) throw ctlError(`Unknown dcs scheme: ${dcsUrl}`);
  const [, rawScheme = '', host = '', portText, path] = match;
  const port = portText ? Number(portText) : null;
  let scheme = rawScheme.toLowerCase();
  if (scheme === '')
    scheme = Object.keys(DCS_DEFAULTS).find((name) => DCS_DEFAULTS[name]?.port === port) ?? 'etcd';
  const defaults = DCS_DEFAULTS[scheme];
  if (defaults === undefined) throw ctlError(`Unknown dcs scheme: ${scheme}`);
  const result: Tree = { [scheme]: defaults.section(host || 'localhost', port ?? defaults.port) };
  if (path && path.trim() !== '/') result.namespace = path.trim();
  return result;
}

/** `$XDG_CONFIG_HOME/patroni/patronictl.yaml` (default `~/.config/patroni/patronictl.yaml`). */
export function defaultCtlConfigPath(env: Env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'patroni', 'patronictl.yaml');
}

/** What patronictl takes from the configuration (patronictl.md §1.1). */
export interface CtlConfig {
  readonly local: Tree;
  readonly scope: string | null;
  readonly namespace: string;
  readonly citusGroup: number | null;
  /** The DCS section to use; null when none is configured. */
  readonly dcs: { readonly kind: string; readonly section: Tree } | null;
  readonly ctl: CtlSettings;
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** Loads the configuration as patronictl does: no validation, env overrides, `--dcs-url` replacing the DCS. */
export function loadCtlConfig(options: {
  path: string | undefined;
  dcsUrl: string | undefined;
  env: Env;
  insecure: boolean;
}): CtlConfig {
  const defaultPath = defaultCtlConfigPath(options.env);
  const path = options.path ?? defaultPath;
  const exists = readable(path);
  if (!exists && path !== defaultPath) {
    throw ctlError(
      `Provided config file ${path} not existing or no read rights. Check the -c/--config-file parameter`,
    );
  }
  const read = readLocalTree(exists ? path : undefined, options.env);
  let local: Tree = read.ok ? { ...read.tree } : {};
  if (!read.ok && !read.problems.includes('Config is empty.')) throw ctlError(read.problems.join('\n'));
  if (options.dcsUrl) {
    const parsed = parseDcsUrl(options.dcsUrl);
    for (const name of Object.keys(DCS_DEFAULTS)) delete local[name];
    local = { ...local, ...parsed };
  }
  const kind =
    ['consul', 'etcd', 'etcd3', 'exhibitor', 'kubernetes', 'zookeeper'].find((name) => isTree(local[name])) ??
    null;
  const settings = ctlSettings(local);
  const citus = isTree(local.citus) && typeof local.citus.group === 'number' ? local.citus.group : null;
  return {
    local,
    scope: typeof local.scope === 'string' ? local.scope : null,
    namespace: typeof local.namespace === 'string' ? local.namespace : '/service/',
    citusGroup: citus,
    dcs: kind === null ? null : { kind, section: local[kind] as Tree },
    ctl: { ...settings, insecure: settings.insecure || options.insecure },
  };
}
