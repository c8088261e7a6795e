import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** One reading of a process's resource use from /proc. */
export interface ProcUsage {
  readonly rssBytes: number;
  /** utime + stime, in clock ticks. */
  readonly cpuTicks: number;
  /**
   * Time on a CPU of the process's live threads, nanoseconds (/proc/<pid>/task/<tid>/schedstat): an idle
   * agent uses ~100 ms a minute, which clock ticks (10 ms) measure to ±10 % only. Undefined without schedstat.
   */
  readonly cpuNs?: number;
  /** cutime + cstime: children the process waited for (pg_controldata, pg_rewind --help, ...), clock ticks. */
  readonly childCpuTicks: number;
}

/** VmRSS from /proc/<pid>/status and utime+stime from /proc/<pid>/stat; undefined when the process is gone. */
export function readProcUsage(pid: number): ProcUsage | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15,
    // cutime 16, cstime 17.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuTicks = Number(fields[11]) + Number(fields[12]);
    const childCpuTicks = Number(fields[13]) + Number(fields[14]);
    if (!Number.isFinite(rssKb) || !Number.isFinite(cpuTicks) || !Number.isFinite(childCpuTicks))
      return undefined;
    const cpuNs = threadsCpuNs(pid);
    return { rssBytes: rssKb * 1024, cpuTicks, childCpuTicks, ...(cpuNs !== undefined ? { cpuNs } : {}) };
  } catch {
    return undefined;
  }
}

/** VmRSS of a process in bytes; undefined when it is gone. */
export function readRssBytes(pid: number): number | undefined {
  try {
    const kb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Number.isFinite(kb) ? kb * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Mean and peak of one process's RSS readings over a window, MiB. A V8 heap's RSS saws up and down by about a
 * MiB between collections (CPython's stays flat), so one reading at the end of the window says little.
 */
export function rssOverWindow(readings: readonly number[]): { meanMiB: number; peakMiB: number } {
  if (readings.length === 0) throw new Error('no RSS reading in the window');
  const mib = readings.map((bytes) => bytes / 1024 / 1024);
  return { meanMiB: mib.reduce((sum, v) => sum + v, 0) / mib.length, peakMiB: Math.max(...mib) };
}

/** The sum of the first schedstat field (time on CPU, ns) over the process's threads. */
function threadsCpuNs(pid: number): number | undefined {
  try {
    let sum = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      if (!Number.isFinite(ns)) return undefined;
      sum += ns;
    }
    return sum;
  } catch {
    return undefined;
  }
}

let ticksPerSecond: number | undefined;

/** The kernel's USER_HZ (100 on every Linux we run on; asked once in case it is not). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    const answer = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    ticksPerSecond = Number.isFinite(answer) && answer > 0 ? answer : 100;
  }
  return ticksPerSecond;
}

/**
 * CPU use between two readings, as a percentage of one core: from the threads' schedstat when both readings
 * have it and no thread ended in between (the tick count then says no less), else from clock ticks; with
 * `withChildren` the reaped children too (ticks only).
 */
export function cpuPercentOfCore(
  before: ProcUsage,
  after: ProcUsage,
  elapsedMs: number,
  withChildren = false,
): number {
  let ticks = after.cpuTicks - before.cpuTicks;
  if (!withChildren && before.cpuNs !== undefined && after.cpuNs !== undefined) {
    const ns = after.cpuNs - before.cpuNs;
    // A thread that ended took its schedstat with it: then the ticks (which keep it) count more.
    const tickNs = (ticks / clockTicksPerSecond()) * 1e9;
    if (ns >= tickNs - 2 * (1e9 / clockTicksPerSecond())) return (ns / 1e9 / (elapsedMs / 1000)) * 100;
  }
  if (withChildren) ticks += after.childCpuTicks - before.childCpuTicks;
  return (ticks / clockTicksPerSecond() / (elapsedMs / 1000)) * 100;
}
