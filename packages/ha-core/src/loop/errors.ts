/** Error codes of the HA engine and loop (ha-core's DCS codes live in dcs/errors.ts). */
export const HaErrorCode = {
  /** Patroni would exit: system ID mismatch, failed bootstrap, replica without /initialize. */
  Fatal: 'HA_FATAL',
  /** Something that must never happen happened (engine `invariant`). */
  Invariant: 'HA_INVARIANT',
} as const;

/** The loop stopped because Patroni would exit here; the agent exits with status 1. */
export class HaFatalError extends Error {
  readonly code = HaErrorCode.Fatal;
  constructor(message: string) {
    super(message);
    this.name = 'HaFatalError';
  }
}
