/** Error codes this package can throw (besides ha-core's `DcsUnavailableError`); callers match on `code`. */
export const ZooKeeperErrorCode = {
  /** The `zookeeper:` / `exhibitor:` config section is invalid; the message names the key path. */
  ConfigInvalid: 'ZOOKEEPER_CONFIG_INVALID',
  /** A config key asks for something the client library cannot do (TLS). */
  Unsupported: 'ZOOKEEPER_UNSUPPORTED',
} as const;

export type ZooKeeperErrorCodeValue = (typeof ZooKeeperErrorCode)[keyof typeof ZooKeeperErrorCode];

export class ZooKeeperError extends Error {
  readonly code: ZooKeeperErrorCodeValue;
  constructor(code: ZooKeeperErrorCodeValue, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'ZooKeeperError';
  }
}
