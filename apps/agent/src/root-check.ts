/** The message the agent exits with when started as root. */
export const ROOT_REFUSAL =
  'Patroni must not be run as root: PostgreSQL refuses to run as root. Run it as the operating system user that owns the data directory (usually postgres).';

/** The refusal message when `uid` is root (0); null otherwise, and where uids do not exist (null). */
export function refuseRoot(uid: number | null): string | null {
  return uid === 0 ? ROOT_REFUSAL : null;
}
