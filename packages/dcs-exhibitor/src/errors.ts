/** Error codes this package can throw (besides ha-core's `DcsUnavailableError`); callers match on `code`. */
export const ExhibitorErrorCode = {
  /** The `exhibitor:` config section is invalid; the message names the key path. */
  ConfigInvalid: 'EXHIBITOR_CONFIG_INVALID',
  /** Startup was cancelled while still waiting for a first answer from Exhibitor. */
  Aborted: 'EXHIBITOR_ABORTED',
} as const;

export type ExhibitorErrorCodeValue = (typeof ExhibitorErrorCode)[keyof typeof ExhibitorErrorCode];

export class ExhibitorError extends Error {
  readonly code: ExhibitorErrorCodeValue;
  constructor(code: ExhibitorErrorCodeValue, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'ExhibitorError';
  }
}
