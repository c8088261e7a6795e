import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { PostgresqlConfig } from './config.js';
import { PostgresError, PostgresErrorCode } from './errors.js';
import { runCommand } from './run-command.js';

export type ProgramName =
  | 'pg_ctl'
  | 'initdb'
  | 'pg_controldata'
  | 'pg_basebackup'
  | 'postgres'
  | 'pg_isready'
  | 'pg_rewind'
  | 'pg_waldump';

const DEBIAN_ROOT = '/usr/lib/postgresql';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function newestDebianBinDir(): string | null {
  if (!existsSync(DEBIAN_ROOT)) return null;
  const versions = readdirSync(DEBIAN_ROOT)
    .filter((v) => /^\d+(\.\d+)?$/.test(v) && isExecutable(join(DEBIAN_ROOT, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(DEBIAN_ROOT, versions[0], 'bin') : null;
}

/**
 * Where the PostgreSQL programs are: `bin_dir` when configured; else the directory on PATH holding
 * `postgres`; else the newest `/usr/lib/postgresql/<major>/bin` (Debian keeps them off PATH).
 * `bin_name` overrides the file name of each program.
 */
export function resolveBinDir(config: Pick<PostgresqlConfig, 'binDir' | 'binName'>): string | null {
  if (config.binDir !== '') return config.binDir;
  const postgresName = config.binName.postgres ?? 'postgres';
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && isExecutable(join(dir, postgresName))) return dir;
  }
  return newestDebianBinDir();
}

export class Binaries {
  private readonly binDir: string | null;
  private version: number | null = null;

  constructor(private readonly config: Pick<PostgresqlConfig, 'binDir' | 'binName'>) {
    this.binDir = resolveBinDir(config);
  }

  /** Full path of a program; throws PG_BINARY_NOT_FOUND naming the path and the config key. */
  path(program: ProgramName): string {
    const path = this.expectedPath(program);
    if (path === null)
      throw new PostgresError(
        PostgresErrorCode.BinaryNotFound,
        `PostgreSQL program ${this.programName(program)} not found: set postgresql.bin_dir (searched PATH and ${DEBIAN_ROOT}/*/bin)`,
      );
    if (!isExecutable(path))
      throw new PostgresError(
        PostgresErrorCode.BinaryNotFound,
        `PostgreSQL program ${path} is missing or not executable: check postgresql.bin_dir / postgresql.bin_name`,
      );
    return path;
  }

  /** Where a program should be (bin_dir / bin_name), without checking the file; null without a bin dir. */
  expectedPath(program: ProgramName): string | null {
    return this.binDir === null ? null : join(this.binDir, this.programName(program));
  }

  /** The file name of a program: `bin_name` overrides all but pg_waldump. */
  private programName(program: ProgramName): string {
    return program === 'pg_waldump' ? program : (this.config.binName[program] ?? program);
  }

  has(program: ProgramName): boolean {
    try {
      this.path(program);
      return true;
    } catch {
      return false;
    }
  }

  /** `postgres --version` as Patroni's integer (15.2 → 150002); cached. */
  async serverVersion(): Promise<number> {
    if (this.version !== null) return this.version;
    const postgres = this.path('postgres');
    const result = await runCommand(postgres, ['--version'], { timeoutMs: 10_000 });
    const version = parseVersionOutput(result.stdout);
    if (result.code !== 0 || version === null)
      throw new PostgresError(
        PostgresErrorCode.BinaryNotFound,
        `${postgres} --version failed: ${result.spawnError ?? result.stderr.trim() ?? result.stdout.trim()}`,
      );
    this.version = version;
    return version;
  }
}

/** `postgres (PostgreSQL) 15.2 (Debian ...)` → 150002; `9.6.24` → 90624; null when unrecognised. */
export function parseVersionOutput(output: string): number | null {
  const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(output);
  if (!match) return null;
  return versionNumber(match[1] ?? '0', match[2] ?? '0', match[3] ?? '0');
}

export function versionNumber(major: string, minor: string, patch = '0'): number {
  const m = Number(major);
  return m >= 10 ? m * 10000 + Number(minor) : m * 10000 + Number(minor) * 100 + Number(patch);
}

/** `PG_VERSION` text (`15`, `9.6`) → major × 10000 (150000, 90600); null when unparseable. */
export function parsePgVersionFile(content: string): number | null {
  const match = /^(\d+)(?:\.(\d+))?\s*$/.exec(content.trim());
  if (!match) return null;
  return versionNumber(match[1] ?? '0', match[2] ?? '0');
}

/** 150002 → 150000; 90624 → 90600. */
export function majorOf(version: number): number {
  return version >= 100000 ? Math.floor(version / 10000) * 10000 : Math.floor(version / 100) * 100;
}

/** 150000 → "15", 90600 → "9.6". */
export function majorLabel(version: number): string {
  return version >= 100000
    ? String(Math.floor(version / 10000))
    : `${Math.floor(version / 10000)}.${Math.floor(version / 100) % 100}`;
}
