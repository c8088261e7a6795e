/** Error codes ha-core can throw; callers match on `code`. */
export const DcsErrorCode = {
  /** The DCS could not be reached, or did not answer within retry_timeout. "Cannot tell", not "no". */
  Unavailable: 'DCS_UNAVAILABLE',
} as const;

/**
 * The DCS could not be reached within the deadline. Distinct from an operation that returned false
 * (someone else holds the key): a primary that gets this may keep running under failsafe mode,
 * a primary whose renewal returned false must demote (ha-loop.md §10, §16.3).
 */
export class DcsUnavailableError extends Error {
  readonly code = DcsErrorCode.Unavailable;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DcsUnavailableError';
  }
}

export function isDcsUnavailable(error: unknown): error is DcsUnavailableError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === DcsErrorCode.Unavailable
  );
}
