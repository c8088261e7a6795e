/** The `restapi:` section (config.md §4.7) validated once into a frozen, defaulted object. */
import { formatIssues, type InferInput, s } from '@patroni/ha-core';
import { RestApiError, RestApiErrorCode } from './errors.js';

const boolish = s.union([
  s.boolean(),
  s
    .string()
    .regex(/^(true|false|on|off|yes|no|1|0)$/i, 'expected a boolean')
    .transform((value) => /^(true|on|yes|1)$/i.test(value)),
]);

/** `host:port`; host may be empty or `*` (all interfaces) or a bracketed IPv6 address. */
const hostPort = s
  .string()
  .regex(/^(\[[0-9A-Fa-f:.%\w]+\]|[^\s:[\]]*|[0-9A-Fa-f:]+):\d{1,5}$/, 'expected <HOST>:<PORT>');

const headerMap = s.record(s.string(), s.union([s.string(), s.number(), s.boolean()]).transform(String));

export const restApiConfigSchema = s.looseObject({
  listen: hostPort,
  connect_address: hostPort.optional(),
  authentication: s
    .object({ username: s.string().min(1), password: s.union([s.string(), s.number()]).transform(String) })
    .optional(),
  certfile: s.string().optional(),
  keyfile: s.string().optional(),
  keyfile_password: s.string().optional(),
  cafile: s.string().optional(),
  ciphers: s.string().optional(),
  verify_client: s
    .string()
    .transform((value) => value.toLowerCase())
    .pipe(s.oneOf(['none', 'optional', 'required']))
    .optional(),
  allowlist: s.union([s.array(s.string()), s.string().transform((value) => [value])]).optional(),
  allowlist_include_members: boolish.optional(),
  http_extra_headers: headerMap.optional(),
  https_extra_headers: headerMap.optional(),
  request_queue_size: s.coerceNumber().int().min(0).max(4096).optional(),
  server_tokens: s.string().optional(),
  thread_pool_size: s.unknown().optional(),
});

export type VerifyClient = 'none' | 'optional' | 'required';
export type ServerTokens = 'original' | 'minimal' | 'productonly';

/** The validated section. TLS is on when `tls` is non-null (a `certfile` was given). */
export interface RestApiConfig {
  readonly listenHost: string;
  readonly listenPort: number;
  /** `connect_address` or `listen`, as published in `api_url`. */
  readonly connectAddress: string;
  readonly authentication: { readonly username: string; readonly password: string } | null;
  readonly tls: {
    readonly certfile: string;
    readonly keyfile: string | null;
    readonly keyfilePassword: string | null;
    readonly cafile: string | null;
    readonly ciphers: string | null;
    readonly verifyClient: VerifyClient;
  } | null;
  readonly allowlist: readonly string[];
  readonly allowlistIncludeMembers: boolean;
  readonly httpExtraHeaders: Readonly<Record<string, string>>;
  /** Added on top of the http ones when TLS is on. */
  readonly httpsExtraHeaders: Readonly<Record<string, string>>;
  /** Listen backlog. */
  readonly requestQueueSize: number;
  readonly serverTokens: ServerTokens;
  /** `<proto>://<connect_address>/patroni`. */
  readonly apiUrl: string;
}

function splitHostPort(value: string): { host: string; port: number } {
  const colon = value.lastIndexOf(':');
  const host = value.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(value.slice(colon + 1)) };
}

function serverTokensOf(raw: string | undefined): ServerTokens {
  const value = (raw ?? 'original').toLowerCase();
  return value === 'minimal' || value === 'productonly' ? value : 'original';
}

/** Validates the `restapi:` section; throws `RestApiError` (RESTAPI_CONFIG_INVALID) naming the key path. */
export function parseRestApiConfig(raw: unknown): RestApiConfig {
  if (raw === undefined || raw === null) {
    throw new RestApiError(RestApiErrorCode.ConfigInvalid, 'Can not find "restapi.listen" config');
  }
  const parsed = restApiConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new RestApiError(
      RestApiErrorCode.ConfigInvalid,
      `Invalid "restapi" config: ${formatIssues(parsed.error.issues, 'restapi')}`,
    );
  }
  const section = parsed.data;
  const { host, port } = splitHostPort(section.listen);
  if (port > 65535) {
    throw new RestApiError(
      RestApiErrorCode.ConfigInvalid,
      'Invalid "restapi" config: restapi.listen: port out of range',
    );
  }
  const connectAddress = section.connect_address ?? section.listen;
  const tls = section.certfile
    ? {
        certfile: section.certfile,
        keyfile: section.keyfile || null,
        keyfilePassword: section.keyfile_password ?? null,
        cafile: section.cafile || null,
        ciphers: section.ciphers || null,
        verifyClient: section.verify_client ?? 'none',
      }
    : null;
  return Object.freeze({
    listenHost: host === '*' ? '' : host,
    listenPort: port,
    connectAddress,
    authentication: section.authentication ?? null,
    tls,
    allowlist: section.allowlist ?? [],
    allowlistIncludeMembers: section.allowlist_include_members ?? false,
    httpExtraHeaders: section.http_extra_headers ?? {},
    httpsExtraHeaders: section.https_extra_headers ?? {},
    requestQueueSize: section.request_queue_size ?? 5,
    serverTokens: serverTokensOf(section.server_tokens),
    apiUrl: `${tls ? 'https' : 'http'}://${connectAddress}/patroni`,
  });
}

/** Inferred input type of the section, for callers building it in code. */
export type RestApiConfigInput = InferInput<typeof restApiConfigSchema>;
