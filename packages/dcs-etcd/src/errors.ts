/** Error codes this package can throw (besides ha-core's `DcsUnavailableError`); callers match on `code`. */
export const EtcdErrorCode = {
  /** The `etcd:` / `etcd3:` config section is invalid; the message names the key path. */
  ConfigInvalid: 'ETCD_CONFIG_INVALID',
  /** No etcd endpoint could be derived (SRV lookup found nothing, empty host list). */
  NoEndpoints: 'ETCD_NO_ENDPOINTS',
} as const;

export type EtcdErrorCodeValue = (typeof EtcdErrorCode)[keyof typeof EtcdErrorCode];

export class EtcdError extends Error {
  readonly code: EtcdErrorCodeValue;
  constructor(code: EtcdErrorCodeValue, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'EtcdError';
  }
}
