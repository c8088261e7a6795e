import {
  EtcdLeaseInvalidError,
  GRPCCancelledError,
  GRPCDeadlineExceededError,
  GRPCFailedPreconditionError,
  GRPCInternalError,
  GRPCUnavailableError,
  isRecoverableError,
} from 'etcd3';

const TRANSIENT_MESSAGES =
  /not a primary lessor|leader changed|no leader|request timed out|too many requests|connection|ECONNREFUSED|socket/i;

/** Errors worth another attempt within retry_timeout (gRPC Unavailable, DeadlineExceeded, ...; dcs.md §7.1). */
export function isTransientEtcd3Error(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof EtcdLeaseInvalidError) return false;
  if (
    error instanceof GRPCUnavailableError ||
    error instanceof GRPCDeadlineExceededError ||
    error instanceof GRPCFailedPreconditionError ||
    error instanceof GRPCCancelledError ||
    error instanceof GRPCInternalError
  ) {
    return true;
  }
  return isRecoverableError(error) || TRANSIENT_MESSAGES.test(error.message);
}

export { isLeaseNotFound } from './lease-not-found.js';
