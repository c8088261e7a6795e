import { formatIssues, type Infer, s } from '@patroni/ha-core';
import { EtcdError, EtcdErrorCode } from './errors.js';

/** A validated `etcd:` or `etcd3:` section (config.md §4.5), fully defaulted. */
export interface EtcdConfig {
  /** Client URLs to start from (`http://h:2379`); empty when `srv` discovery is used. */
  readonly endpoints: readonly string[];
  /** Treat the endpoints as proxies: no topology discovery. */
  readonly useProxies: boolean;
  readonly srv: string | null;
  readonly srvSuffix: string | null;
  readonly protocol: 'http' | 'https';
  readonly username: string | null;
  readonly password: string | null;
  /** Paths of PEM files. */
  readonly tls: { readonly cacert: string | null; readonly cert: string | null; readonly key: string | null };
}

const DEFAULT_PORT = 2379;

const boolish = s.union([
  s.boolean(),
  s
    .string()
    .regex(/^(true|false|on|off|yes|no|1|0)$/i, 'expected a boolean')
    .transform((value) => /^(true|on|yes|1)$/i.test(value)),
]);
const port = s.coerceNumber().int().min(1).max(65535);

const sectionSchema = s
  .looseObject({
    host: s.string().min(1).optional(),
    hosts: s.union([s.string(), s.array(s.string().min(1))]).optional(),
    port: port.optional(),
    url: s.string().url().optional(),
    proxy: s.string().url().optional(),
    use_proxies: boolish.optional(),
    srv: s.string().min(1).optional(),
    discovery_srv: s.string().min(1).optional(),
    srv_domain: s.string().min(1).optional(),
    srv_suffix: s.string().min(1).optional(),
    protocol: s.oneOf(['http', 'https']).optional(),
    username: s.string().optional(),
    password: s.string().optional(),
    cacert: s.string().min(1).optional(),
    cert: s.string().min(1).optional(),
    key: s.string().min(1).optional(),
  })
  .refine(
    (section) =>
      [
        section.host,
        section.hosts,
        section.url,
        section.proxy,
        section.srv,
        section.discovery_srv,
        section.srv_domain,
        section.srv_suffix,
      ].some((v) => v !== undefined),
    'one of host, hosts, url, proxy, srv or srv_suffix is required',
  );

type Section = Infer<typeof sectionSchema>;

/** `host[:port]` (IPv6 in brackets) → `protocol://host:port`. */
export function hostToUrl(value: string, protocol: string, defaultPort: number): string {
  const trimmed = value.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(trimmed);
  if (bracketed) return `${protocol}://[${bracketed[1]}]:${bracketed[2] ?? defaultPort}`;
  const colon = trimmed.lastIndexOf(':');
  if (colon > 0 && /^\d+$/.test(trimmed.slice(colon + 1)) && trimmed.indexOf(':') === colon) {
    return `${protocol}://${trimmed}`;
  }
  return `${protocol}://${trimmed}:${defaultPort}`;
}

function endpointsOf(
  section: Section,
  protocol: string,
): { endpoints: string[]; credentialsInUrl: URL | null } {
  const url = section.proxy ?? section.url;
  if (url !== undefined) {
    // WHATWG URL keeps IPv6 brackets in `hostname`.
    const parsed = new URL(url);
    const scheme = parsed.protocol.replace(/:$/, '');
    return {
      endpoints: [`${scheme}://${parsed.hostname}:${parsed.port || DEFAULT_PORT}`],
      credentialsInUrl: parsed,
    };
  }
  if (section.hosts !== undefined) {
    const list = typeof section.hosts === 'string' ? section.hosts.split(',') : section.hosts;
    const endpoints = list
      .map((h) => h.trim())
      .filter((h) => h !== '')
      .map((h) => hostToUrl(h, protocol, section.port ?? DEFAULT_PORT));
    return { endpoints, credentialsInUrl: null };
  }
  if (section.host !== undefined) {
    const url = hostToUrl(section.host, protocol, DEFAULT_PORT);
    const withExplicitPort = section.port === undefined ? url : url.replace(/:\d+$/, `:${section.port}`);
    return { endpoints: [withExplicitPort], credentialsInUrl: null };
  }
  return { endpoints: [], credentialsInUrl: null };
}

/** Validates an `etcd`/`etcd3` section; throws `EtcdError(ConfigInvalid)` naming each bad key. */
export function parseEtcdConfig(sectionName: 'etcd' | 'etcd3', raw: unknown): EtcdConfig {
  const parsed = sectionSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new EtcdError(
      EtcdErrorCode.ConfigInvalid,
      `invalid ${sectionName} configuration: ${formatIssues(parsed.error.issues, sectionName)}`,
    );
  }
  const section = parsed.data;
  const urlProtocol = section.proxy ?? section.url;
  const protocol: 'http' | 'https' =
    urlProtocol !== undefined
      ? new URL(urlProtocol).protocol === 'https:'
        ? 'https'
        : 'http'
      : (section.protocol ?? 'http');
  const { endpoints, credentialsInUrl } = endpointsOf(section, protocol);
  const srv = section.srv ?? section.discovery_srv ?? section.srv_domain ?? null;
  if (endpoints.length === 0 && srv === null) {
    throw new EtcdError(
      EtcdErrorCode.ConfigInvalid,
      `invalid ${sectionName} configuration: no etcd host given`,
    );
  }
  const userInUrl = credentialsInUrl?.username ? decodeURIComponent(credentialsInUrl.username) : null;
  const passwordInUrl = credentialsInUrl?.password ? decodeURIComponent(credentialsInUrl.password) : null;
  return Object.freeze({
    endpoints: Object.freeze(endpoints),
    useProxies: section.proxy !== undefined || (section.use_proxies ?? false),
    srv,
    srvSuffix: section.srv_suffix ?? null,
    protocol,
    username: userInUrl ?? section.username ?? null,
    password: passwordInUrl ?? section.password ?? null,
    tls: Object.freeze({
      cacert: section.cacert ?? null,
      cert: section.cert ?? null,
      key: section.key ?? null,
    }),
  });
}
