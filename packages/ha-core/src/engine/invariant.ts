/** Thrown when something that must never happen happens (STYLE.md 15): a crashed agent beats a confused primary. */
export class InvariantError extends Error {
  readonly code = 'HA_INVARIANT';
  constructor(message: string) {
    super(`invariant violated: ${message}`);
    this.name = 'InvariantError';
  }
}

export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(message);
}
