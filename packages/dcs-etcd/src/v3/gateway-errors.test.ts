import { describe, expect, it } from 'vitest';
import { gatewayErrorOf, isAuthError, isTransientEtcd3Error } from './gateway-errors.js';
import { isLeaseNotFound } from './lease-not-found.js';

/** A unary error answer as etcd 3.4's gateway sends it (status + `{"error","message","code"}`). */
const unary = (status: number, code: number, message: string) =>
  gatewayErrorOf(status, { error: message, message, code }, JSON.stringify({ error: message, code }));

describe('gateway error answers → what the client does', () => {
  it.each([
    ['Unavailable', 503, 14, 'etcdserver: leader changed', 'transient'],
    ['DeadlineExceeded', 504, 4, 'context deadline exceeded', 'transient'],
    ['FailedPrecondition', 400, 9, 'etcdserver: some precondition', 'transient'],
    ['Cancelled', 499, 1, 'context canceled', 'transient'],
    ['Internal', 500, 13, 'etcdserver: raft internal error', 'transient'],
    ['too many requests (ResourceExhausted)', 429, 8, 'etcdserver: too many requests', 'transient'],
    ['lease not found', 404, 5, 'etcdserver: requested lease not found', 'lease-not-found'],
    ['Unauthenticated', 401, 16, 'etcdserver: invalid auth token', 'auth'],
    ['no token sent (user name is empty)', 400, 3, 'etcdserver: user name is empty', 'auth'],
    ['auth store revision', 400, 3, 'etcdserver: revision of auth store is old', 'auth'],
    ['wrong password', 400, 3, 'etcdserver: authentication failed, invalid user ID or password', 'fatal'],
    ['InvalidArgument', 400, 3, 'etcdserver: key is not provided', 'fatal'],
    ['Unknown', 500, 2, 'illegal base64 data at input byte 9', 'fatal'],
  ] as const)('%s', (_name, status, code, message, kind) => {
    const error = unary(status, code, message);
    expect(error.kind).toBe(kind);
    expect(error.grpcCode).toBe(code);
    expect(error.httpStatus).toBe(status);
    expect(error.message).toBe(message);
    expect(isTransientEtcd3Error(error)).toBe(kind === 'transient');
    expect(isAuthError(error)).toBe(kind === 'auth');
    expect(isLeaseNotFound(error)).toBe(kind === 'lease-not-found');
  });

  it('reads the stream form {"error":{"grpc_code","http_code","message"}}', () => {
    const error = gatewayErrorOf(null, {
      error: {
        grpc_code: 14,
        http_code: 503,
        message: 'etcdserver: no leader',
        http_status: 'Service Unavailable',
      },
    });
    expect([error.kind, error.grpcCode, error.httpStatus, error.message]).toEqual([
      'transient',
      14,
      503,
      'etcdserver: no leader',
    ]);
  });

  it('a proxy failing without a gRPC code: 5xx is transient, 4xx is not', () => {
    expect(gatewayErrorOf(502, null, '<html>Bad Gateway</html>').kind).toBe('transient');
    expect(gatewayErrorOf(502, null, '<html>Bad Gateway</html>').message).toBe('<html>Bad Gateway</html>');
    expect(gatewayErrorOf(404, null, 'not found').kind).toBe('fatal');
    expect(gatewayErrorOf(503, null, '').message).toBe('HTTP 503');
  });

  it('anything that is not a gateway error is neither transient nor an auth problem', () => {
    expect(isTransientEtcd3Error(new Error('ECONNREFUSED'))).toBe(false);
    expect(isAuthError('invalid auth token')).toBe(false);
  });
});
