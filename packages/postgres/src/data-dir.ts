import { existsSync, readdirSync, readFileSync, type Stats, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DataDirectoryState } from '@patroni/ha-core';
import { majorLabel, parsePgVersionFile } from './binaries.js';
import { PostgresError, PostgresErrorCode } from './errors.js';

/** What is in PGDATA, with the major version from PG_VERSION when initialised. */
export interface DataDirectoryInspection {
  readonly state: DataDirectoryState;
  readonly majorVersion: number | null;
}

function statOrNull(path: string): Stats | null | 'inaccessible' {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? null : 'inaccessible';
  }
}

/**
 * "Empty" as Patroni means it (postgres.md §6.6): missing, or only dot-files and lost+found, and no
 * global/pg_control. Initialised needs PG_VERSION and global/pg_control; anything else is invalid.
 */
export function inspectDataDirectory(dataDir: string): DataDirectoryInspection {
  const stat = statOrNull(dataDir);
  if (stat === null) return { state: { kind: 'empty' }, majorVersion: null };
  if (stat === 'inaccessible')
    return {
      state: { kind: 'inaccessible', error: `cannot access data directory ${dataDir}` },
      majorVersion: null,
    };
  if (!stat.isDirectory())
    return {
      state: { kind: 'invalid', error: `data directory ${dataDir} is not a directory` },
      majorVersion: null,
    };
  const hasControl = existsSync(join(dataDir, 'global', 'pg_control'));
  // Listing the directory only tells empty from invalid, which a pg_control rules out (every cycle: skip it).
  if (!hasControl) {
    let entries: string[];
    try {
      entries = readdirSync(dataDir);
    } catch (error) {
      const message = `cannot read data directory ${dataDir}: ${(error as Error).message}`;
      return { state: { kind: 'inaccessible', error: message }, majorVersion: null };
    }
    if (entries.every((e) => e.startsWith('.') || e === 'lost+found'))
      return { state: { kind: 'empty' }, majorVersion: null };
  }
  let version: number | null = null;
  try {
    version = parsePgVersionFile(readFileSync(join(dataDir, 'PG_VERSION'), 'utf8'));
  } catch {
    version = null;
  }
  if (version === null || !hasControl) {
    const error = `data directory ${dataDir} is not empty but is not a PostgreSQL data directory (no valid PG_VERSION and global/pg_control)`;
    return { state: { kind: 'invalid', error }, majorVersion: version };
  }
  return { state: { kind: 'initialized' }, majorVersion: version };
}

/**
 * The checks before PostgreSQL is started on an existing data directory: same major version as the
 * binaries, owned by us, mode 0700 or 0750 (PostgreSQL refuses others). Throws with the fix named.
 */
export function assertUsableDataDirectory(dataDir: string, majorVersion: number, binaryMajor: number): void {
  if (majorVersion !== binaryMajor)
    throw new PostgresError(
      PostgresErrorCode.VersionMismatch,
      `data directory ${dataDir} was initialized by PostgreSQL ${majorLabel(majorVersion)}, which is not compatible with the PostgreSQL ${majorLabel(binaryMajor)} binaries: set postgresql.bin_dir to the ${majorLabel(majorVersion)} binaries or upgrade the data directory`,
    );
  const stat = statSync(dataDir);
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid)
    throw new PostgresError(
      PostgresErrorCode.BadDataDirectory,
      `data directory ${dataDir} is owned by uid ${stat.uid}, not by the user running the agent (uid ${uid})`,
    );
  const mode = stat.mode & 0o777;
  if (mode !== 0o700 && mode !== 0o750)
    throw new PostgresError(
      PostgresErrorCode.BadDataDirectory,
      `data directory ${dataDir} has invalid permissions ${mode.toString(8).padStart(4, '0')}: it must be 0700 or 0750 (chmod 0700 ${dataDir})`,
    );
}

/** File and directory modes that follow PGDATA's (config.md §7.7): group-readable PGDATA → 0640/0750. */
export function dataDirModes(dataDir: string): { fileMode: number; dirMode: number } {
  try {
    const groupReadable = (statSync(dataDir).mode & 0o050) === 0o050;
    return groupReadable ? { fileMode: 0o640, dirMode: 0o750 } : { fileMode: 0o600, dirMode: 0o700 };
  } catch {
    return { fileMode: 0o600, dirMode: 0o700 };
  }
}
