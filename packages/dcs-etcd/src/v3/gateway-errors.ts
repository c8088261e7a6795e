/** The gRPC status codes etcd's JSON gateway reports in `code` (google.golang.org/grpc/codes). */
export const GrpcCode = {
  Cancelled: 1,
  Unknown: 2,
  InvalidArgument: 3,
  DeadlineExceeded: 4,
  NotFound: 5,
  PermissionDenied: 7,
  ResourceExhausted: 8,
  FailedPrecondition: 9,
  Internal: 13,
  Unavailable: 14,
  Unauthenticated: 16,
} as const;

/**
 * What a failed gateway call means for the caller: `transient` (another attempt, maybe on another host),
 * `lease-not-found` (grant a new lease), `auth` (re-authenticate once), `fatal` (give up on this call).
 */
export type GatewayErrorKind = 'transient' | 'lease-not-found' | 'auth' | 'fatal';

/** A failed call to etcd's JSON gateway: an error answer, or no usable answer at all (connection, timeout). */
export class Etcd3GatewayError extends Error {
  readonly kind: GatewayErrorKind;
  /** gRPC status code from the answer; null when there was no answer. */
  readonly grpcCode: number | null;
  /** HTTP status of the answer; null when there was no answer. */
  readonly httpStatus: number | null;
  constructor(
    kind: GatewayErrorKind,
    message: string,
    details: { grpcCode?: number | null; httpStatus?: number | null; cause?: unknown } = {},
  ) {
    super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.name = 'Etcd3GatewayError';
    this.kind = kind;
    this.grpcCode = details.grpcCode ?? null;
    this.httpStatus = details.httpStatus ?? null;
  }
}

const TRANSIENT_CODES: ReadonlySet<number> = new Set([
  GrpcCode.Cancelled,
  GrpcCode.DeadlineExceeded,
  GrpcCode.FailedPrecondition,
  GrpcCode.Internal,
  GrpcCode.Unavailable,
]);

/** etcd's messages for conditions that pass (some arrive with codes outside TRANSIENT_CODES). */
const TRANSIENT_MESSAGES =
  /not a primary lessor|leader changed|no leader|request timed out|too many requests|timed out waiting for read index/i;

/** etcd's messages that a fresh token may cure (Patroni re-authenticates on each of them). */
const AUTH_MESSAGES =
  /invalid auth token|user name is empty|revision of auth store is old|permission denied/i;

/** Classifies an error answer by gRPC code and message (dcs.md §7.1; Patroni's etcd3 error table). */
export function kindOf(
  grpcCode: number | null,
  message: string,
  httpStatus: number | null,
): GatewayErrorKind {
  if (/requested lease not found/i.test(message)) return 'lease-not-found';
  if (grpcCode === GrpcCode.Unauthenticated || AUTH_MESSAGES.test(message)) return 'auth';
  if (grpcCode !== null && TRANSIENT_CODES.has(grpcCode)) return 'transient';
  if (TRANSIENT_MESSAGES.test(message)) return 'transient';
  // No gRPC code: a proxy or load balancer in the way failing on its side.
  if (grpcCode === null && httpStatus !== null && httpStatus >= 500) return 'transient';
  return 'fatal';
}

const asRecord = (value: unknown): Record<string, unknown> | null =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;

const asCode = (value: unknown): number | null =>
  typeof value === 'number' && Number.isInteger(value) ? value : null;

/**
 * The error in a gateway answer: a unary call's `{"error","code","message"}` body (with its HTTP status),
 * or a stream message's `{"error":{"grpc_code","http_code","message"}}`. `text` is the raw body, used as
 * the message when the body is not JSON.
 */
export function gatewayErrorOf(httpStatus: number | null, body: unknown, text = ''): Etcd3GatewayError {
  const record = asRecord(body);
  const nested = asRecord(record?.error);
  let grpcCode: number | null;
  let message: string;
  let status = httpStatus;
  if (nested !== null) {
    grpcCode = asCode(nested.grpc_code) ?? asCode(nested.code);
    message = typeof nested.message === 'string' ? nested.message : JSON.stringify(nested);
    status = asCode(nested.http_code) ?? status;
  } else if (record !== null) {
    grpcCode = asCode(record.code) ?? asCode(record.Code);
    const text = record.error ?? record.message ?? record.Error;
    message = typeof text === 'string' ? text : JSON.stringify(record);
  } else {
    grpcCode = null;
    message = text.trim().slice(0, 200) || `HTTP ${httpStatus ?? '?'}`;
  }
  return new Etcd3GatewayError(kindOf(grpcCode, message, status), message, { grpcCode, httpStatus: status });
}

/** Errors worth another attempt within retry_timeout (gRPC Unavailable, DeadlineExceeded, connection...). */
export function isTransientEtcd3Error(error: unknown): boolean {
  return error instanceof Etcd3GatewayError && error.kind === 'transient';
}

/** An answer a new auth token may cure (invalid or expired token, no token sent). */
export function isAuthError(error: unknown): boolean {
  return error instanceof Etcd3GatewayError && error.kind === 'auth';
}
