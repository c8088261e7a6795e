/** The `restapi:` section (config.md §4.7) validated once into a frozen, defaulted object. */
import { z } from 'zod';
import { RestApiError, RestApiErrorCode } from './errors.js';

const boolish = z.union([
  z.boolean(),
  z
    .string()
    .regex(/^(true|false|on|off|yes|no|1|0)$/i, 'expected a boolean')
    .transform((s) => /^(true|on|yes|1)$/i.test(s)),
]);

/** `host:port`; host may be empty or `*` (all interfaces) or a bracketed IPv6 address. */
const hostPort = z.string().regex(/^(\[[0-9A-Fa-f:.%\w]+\]|[^\s:[\]]*|[0-9A-Fa-f:]+):\d{1,5}$/, {
  message: 'expected <HOST>:<PORT>',
});

const headerMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));

export const restApiConfigSchema = z.looseObject({
  listen: hostPort,
  connect_address: hostPort.optional(),
  authentication: z
    .object({ username: z.string().min(1), password: z.union([z.string(), z.number()]).transform(String) })
    .optional(),
  certfile: z.string().optional(),
  keyfile: z.string().optional(),
  keyfile_password: z.string().optional(),
  cafile: z.string().optional(),
  ciphers: z.string().optional(),
  verify_client: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(['none', 'optional', 'required']))
    .optional(),
  allowlist: z.union([z.array(z.string()), z.string().transform((s) => [s])]).optional(),
  allowlist_include_members: boolish.optional(),
  http_extra_headers: headerMap.optional(),
  https_extra_headers: headerMap.optional(),
  request_queue_size: z.coerce.number().int().min(0).max(4096).optional(),
  server_tokens: z.string().optional(),
  thread_pool_size: z.unknown().optional(),
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

function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${['restapi', ...issue.path.map(String)].join('.')}: ${issue.message}`)
    .join('; ');
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
      `Invalid "restapi" config: ${formatIssues(parsed.error)}`,
    );
  }
  const s = parsed.data;
  const { host, port } = splitHostPort(s.listen);
  if (port > 65535) {
    throw new RestApiError(
      RestApiErrorCode.ConfigInvalid,
      'Invalid "restapi" config: restapi.listen: port out of range',
    );
  }
  const connectAddress = s.connect_address ?? s.listen;
  const tls = s.certfile
    ? {
        certfile: s.certfile,
        keyfile: s.keyfile || null,
        keyfilePassword: s.keyfile_password ?? null,
        cafile: s.cafile || null,
        ciphers: s.ciphers || null,
        verifyClient: s.verify_client ?? 'none',
      }
    : null;
  return Object.freeze({
    listenHost: host === '*' ? '' : host,
    listenPort: port,
    connectAddress,
    authentication: s.authentication ?? null,
    tls,
    allowlist: s.allowlist ?? [],
    allowlistIncludeMembers: s.allowlist_include_members ?? false,
    httpExtraHeaders: s.http_extra_headers ?? {},
    httpsExtraHeaders: s.https_extra_headers ?? {},
    requestQueueSize: s.request_queue_size ?? 5,
    serverTokens: serverTokensOf(s.server_tokens),
    apiUrl: `${tls ? 'https' : 'http'}://${connectAddress}/patroni`,
  });
}

/** Inferred input type of the section, for callers building it in code. */
export type RestApiConfigInput = z.input<typeof restApiConfigSchema>;
