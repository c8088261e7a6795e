import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The first lines of postmaster.pid (PostgreSQL's `miscadmin.h` LOCK_FILE_LINE_*). */
export interface PostmasterPidFile {
  readonly pid: number;
  readonly dataDir: string;
  /** Seconds since the epoch. */
  readonly startTime: number;
  readonly port: number | null;
  readonly socketDir: string | null;
  readonly listenAddress: string | null;
}

export function parsePostmasterPid(content: string): PostmasterPidFile | null {
  const lines = content.split('\n');
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  const port = Number(lines[3]);
  return {
    pid,
    dataDir: lines[1] ?? '',
    startTime: Number(lines[2]) || 0,
    port: Number.isInteger(port) && port > 0 ? port : null,
    socketDir: lines[4]?.trim() || null,
    listenAddress: lines[5]?.trim() || null,
  };
}

export function readPostmasterPid(dataDir: string): PostmasterPidFile | null {
  try {
    return parsePostmasterPid(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8'));
  } catch {
    return null;
  }
}

const CLOCK_TICKS_PER_SECOND = 100;

/** Start time of a process in seconds since the epoch from /proc (Linux); null when unknown. */
export function processStartTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses; fields resume after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = Number(fields[19]);
    const bootTime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    if (!bootTime || !Number.isFinite(startTicks)) return null;
    return Number(bootTime[1]) + startTicks / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isZombie(pid);
}

/**
 * An exited postmaster stays a zombie until its parent reaps it: it was re-parented (we launch it through a
 * short-lived `sh`), and some container inits reap only every second or so. It has exited all the same.
 */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return false; // no procfs (not Linux) or already gone: kill(0) decided
  }
}

export type PostmasterCheck =
  | { readonly kind: 'running'; readonly pid: number; readonly pidFile: PostmasterPidFile }
  | { readonly kind: 'not-running' }
  /** postmaster.pid names a live process that is not our postmaster (pid reused after a crash). */
  | { readonly kind: 'stale'; readonly pid: number };

/**
 * Is a postmaster running for this data directory (postgres.md §2.1 `is_running`)? The pid must exist,
 * started within 3 s of the time in postmaster.pid, and not be the agent, its parent or its child.
 * Also finds a postmaster an earlier agent left running.
 */
export function checkPostmaster(dataDir: string): PostmasterCheck {
  const pidFile = readPostmasterPid(dataDir);
  if (pidFile === null) return { kind: 'not-running' };
  const { pid } = pidFile;
  if (!processExists(pid)) return { kind: 'not-running' };
  if (pid === process.pid || pid === process.ppid) return { kind: 'stale', pid };
  const started = processStartTime(pid);
  if (started !== null && Math.abs(started - pidFile.startTime) > 3) return { kind: 'stale', pid };
  return { kind: 'running', pid, pidFile };
}
