/** Error codes this package can throw; callers match on `code`. Request problems are HTTP answers, never throws. */
export const RestApiErrorCode = {
  /** The `restapi:` section is invalid; the message names the key path. */
  ConfigInvalid: 'RESTAPI_CONFIG_INVALID',
  /** TLS files could not be read or used (missing file, wrong keyfile_password, bad PEM). */
  TlsSetupFailed: 'RESTAPI_TLS_SETUP_FAILED',
  /** The listener could not be opened (address in use, permission denied). */
  ListenFailed: 'RESTAPI_LISTEN_FAILED',
} as const;

export type RestApiErrorCodeValue = (typeof RestApiErrorCode)[keyof typeof RestApiErrorCode];

export class RestApiError extends Error {
  readonly code: RestApiErrorCodeValue;
  constructor(code: RestApiErrorCodeValue, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'RestApiError';
  }
}
