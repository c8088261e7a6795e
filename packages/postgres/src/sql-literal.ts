/**
 * `value` as an SQL string literal that reads the same whatever standard_conforming_strings says (E'' with
 * backslashes and quotes doubled), for the few queries built with values in their text so they can run on
 * the heartbeat connection's simple query protocol. NUL cannot be in a PostgreSQL string: refused.
 */
export function sqlLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('an SQL string cannot contain NUL');
  return `E'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/** `name` as a quoted SQL identifier (double quotes doubled), as node-postgres's escapeIdentifier. */
export function sqlIdentifier(name: string): string {
  if (name.includes('\0')) throw new Error('an SQL identifier cannot contain NUL');
  return `"${name.replaceAll('"', '""')}"`;
}
