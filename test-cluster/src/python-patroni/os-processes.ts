import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProcStat {
  readonly state: string;
  readonly processGroup: number;
}

/** Fields of /proc/<pid>/stat after the command name (which may itself contain spaces and parentheses). */
function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const processGroup = Number(fields[2]);
  if (!state || !Number.isInteger(processGroup)) return undefined;
  return { state, processGroup };
}

/** True while `pid` exists and is not a zombie (a zombie no longer runs; only its parent has not reaped it). */
export function isProcessAlive(pid: number): boolean {
  const stat = readProcStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/**
 * The PID in `<dataDir>/postmaster.pid` when that process is alive and is a postgres binary started on this
 * data dir; undefined otherwise (no file, stale file, or a PID reused by something else).
 */
export function livePostmasterPid(dataDir: string): number | undefined {
  let firstLine: string | undefined;
  try {
    firstLine = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0];
  } catch {
    return undefined;
  }
  const pid = Number(firstLine);
  if (!Number.isInteger(pid) || pid <= 0 || !isProcessAlive(pid)) return undefined;
  const commandLine = commandLineOf(pid);
  return commandLine.includes('postgres') && commandLine.includes(dataDir) ? pid : undefined;
}

/**
 * SIGKILLs a postmaster and everything in its process group (Patroni starts it with setsid, so the group is
 * the postmaster and its backends): the equivalent of the machine losing power for that server.
 */
export function killPostmasterGroup(pid: number): void {
  const stat = readProcStat(pid);
  const ownGroup = readProcStat(process.pid)?.processGroup;
  try {
    if (stat && stat.processGroup > 1 && stat.processGroup !== ownGroup)
      process.kill(-stat.processGroup, 'SIGKILL');
    else process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Polls until none of `pids` is alive or `timeoutMs` passed; returns the ones still alive. */
export async function waitForExit(pids: readonly number[], timeoutMs: number): Promise<number[]> {
  const deadlineMs = Date.now() + timeoutMs;
  for (;;) {
    const alive = pids.filter(isProcessAlive);
    if (alive.length === 0 || Date.now() > deadlineMs) return alive;
    await new Promise((r) => setTimeout(r, 50));
  }
}
