import { z } from 'zod';
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

const boolish = z.union([
  z.boolean(),
  z
    .string()
    .regex(/^(true|false|on|off|yes|no|1|0)$/i, 'expected a boolean')
    .transform((s) => /^(true|on|yes|1)$/i.test(s)),
]);
const port = z.coerce.number().int().min(1).max(65535);

const sectionSchema = z
  .looseObject({
    host: z.string().min(1).optional(),
    hosts: z.union([z.string(), z.array(z.string().min(1))]).optional(),
    port: port.optional(),
    url: z.url().optional(),
    proxy: z.url().optional(),
    use_proxies: boolish.optional(),
    srv: z.string().min(1).optional(),
    discovery_srv: z.string().min(1).optional(),
    srv_domain: z.string().min(1).optional(),
    srv_suffix: z.string().min(1).optional(),
    protocol: z.enum(['http', 'https']).optional(),
    username: z.string().optional(),
    password: z.string().optional(),
    cacert: z.string().min(1).optional(),
    cert: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
  })
  .refine(
    (s) =>
      [s.host, s.hosts, s.url, s.proxy, s.srv, s.discovery_srv, s.srv_domain, s.srv_suffix].some(
        (v) => v !== undefined,
      ),
    { message: 'one of host, hosts, url, proxy, srv or srv_suffix is required' },
  );

type Section = z.infer<typeof sectionSchema>;

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

function endpointsOf(s: Section, protocol: string): { endpoints: string[]; credentialsInUrl: URL | null } {
  const url = s.proxy ?? s.url;
  if (url !== undefined) {
    // WHATWG URL keeps IPv6 brackets in `hostname`.
    const parsed = new URL(url);
    const scheme = parsed.protocol.replace(/:$/, '');
    return {
      endpoints: [`${scheme}://${parsed.hostname}:${parsed.port || DEFAULT_PORT}`],
      credentialsInUrl: parsed,
    };
  }
  if (s.hosts !== undefined) {
    const list = typeof s.hosts === 'string' ? s.hosts.split(',') : s.hosts;
    const endpoints = list
      .map((h) => h.trim())
      .filter((h) => h !== '')
      .map((h) => hostToUrl(h, protocol, s.port ?? DEFAULT_PORT));
    return { endpoints, credentialsInUrl: null };
  }
  if (s.host !== undefined) {
    const url = hostToUrl(s.host, protocol, DEFAULT_PORT);
    const withExplicitPort = s.port === undefined ? url : url.replace(/:\d+$/, `:${s.port}`);
    return { endpoints: [withExplicitPort], credentialsInUrl: null };
  }
  return { endpoints: [], credentialsInUrl: null };
}

function formatIssues(section: string, error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = [section, ...issue.path.map(String)].join('.');
      return `${path}: ${issue.message}`;
    })
    .join('; ');
}

/** Validates an `etcd`/`etcd3` section; throws `EtcdError(ConfigInvalid)` naming each bad key. */
export function parseEtcdConfig(sectionName: 'etcd' | 'etcd3', raw: unknown): EtcdConfig {
  const parsed = sectionSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new EtcdError(
      EtcdErrorCode.ConfigInvalid,
      `invalid ${sectionName} configuration: ${formatIssues(sectionName, parsed.error)}`,
    );
  }
  const s = parsed.data;
  const urlProtocol = s.proxy ?? s.url;
  const protocol: 'http' | 'https' =
    urlProtocol !== undefined
      ? new URL(urlProtocol).protocol === 'https:'
        ? 'https'
        : 'http'
      : (s.protocol ?? 'http');
  const { endpoints, credentialsInUrl } = endpointsOf(s, protocol);
  const srv = s.srv ?? s.discovery_srv ?? s.srv_domain ?? null;
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
    useProxies: s.proxy !== undefined || (s.use_proxies ?? false),
    srv,
    srvSuffix: s.srv_suffix ?? null,
    protocol,
    username: userInUrl ?? s.username ?? null,
    password: passwordInUrl ?? s.password ?? null,
    tls: Object.freeze({ cacert: s.cacert ?? null, cert: s.cert ?? null, key: s.key ?? null }),
  });
}
