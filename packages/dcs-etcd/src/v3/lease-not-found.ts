/**
 * etcd's "requested lease not found" (the etcd3 client's EtcdLeaseInvalidError keeps that message). By
 * message rather than class so the key-value layer does not load the gRPC client just to ask.
 */
export function isLeaseNotFound(error: unknown): boolean {
  return error instanceof Error && error.message.includes('requested lease not found');
}
