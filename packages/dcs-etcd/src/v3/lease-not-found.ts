/**
 * etcd's "requested lease not found" (a write bound to a lease etcd no longer knows), by message: it comes
 * as a gateway error answer (gRPC NotFound), and the message is what stays stable across etcd versions.
 */
export function isLeaseNotFound(error: unknown): boolean {
  return error instanceof Error && error.message.includes('requested lease not found');
}
