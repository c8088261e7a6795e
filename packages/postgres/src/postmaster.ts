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

/** What the HA loop needs from /proc/<pid>/stat: one read serves the zombie check and the start time. */
interface ProcStat {
  /** R, S, D, Z (zombie), X (dead), ... */
  readonly state: string;
  /** Clock ticks after boot. */
  readonly startTicks: number;
}

function readProcStat(pid: number): ProcStat | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses; fields resume after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', startTicks: Number(fields[19]) };
  } catch {
    return null; // no procfs (not Linux) or already gone
  }
}

let bootTimeSeconds: number | null | undefined;

/** `btime` of /proc/stat, read once: the kernel builds that file from every CPU's counters on each read. */
function bootTime(): number | null {
  if (bootTimeSeconds === undefined) {
    try {
      const match = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
      bootTimeSeconds = match ? Number(match[1]) : null;
    } catch {
      bootTimeSeconds = null;
    }
  }
  return bootTimeSeconds;
}

function startTimeOf(stat: ProcStat | null): number | null {
  const boot = bootTime();
  if (stat === null || boot === null || !Number.isFinite(stat.startTicks)) return null;
  return boot + stat.startTicks / CLOCK_TICKS_PER_SECOND;
}

/** Start time of a process in seconds since the epoch from /proc (Linux); null when unknown. */
export function processStartTime(pid: number): number | null {
  return startTimeOf(readProcStat(pid));
}

/**
 * An exited postmaster stays a zombie until its parent reaps it: it was re-parented (we launch it through a
 * short-lived `sh`), and some container inits reap only every second or so. It has exited all the same.
 */
const isZombie = (stat: ProcStat | null) => stat?.state === 'Z' || stat?.state === 'X';

function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function processExists(pid: number): boolean {
  return signalable(pid) && !isZombie(readProcStat(pid));
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
  if (!signalable(pid)) return { kind: 'not-running' };
  const stat = readProcStat(pid);
  if (isZombie(stat)) return { kind: 'not-running' };
  if (pid === process.pid || pid === process.ppid) return { kind: 'stale', pid };
  const started = startTimeOf(stat);
  if (started !== null && Math.abs(started - pidFile.startTime) > 3) return { kind: 'stale', pid };
  return { kind: 'running', pid, pidFile };
}
