import { join } from 'node:path';
import { type ManagedProcess, spawnManaged } from '@patroni/testkit';
import { dataDirOf } from './config.js';
import { isProcessAlive, killPostmasterGroup, livePostmasterPid, waitForExit } from './os-processes.js';
import { patroniEnv } from './patronictl.js';
import { pythonPatroniCommand } from './python-commands.js';

/** One Python Patroni process and the PostgreSQL it manages. */
export interface PythonPatroniNode {
  readonly name: string;
  readonly restPort: number;
  readonly pgPort: number;
  readonly nodeDir: string;
  readonly dataDir: string;
  readonly configFile: string;
  /** `patroni` itself (its log file has Patroni's log); replaced on each start(). */
  readonly process: ManagedProcess;
  /** Superuser URL straight to this node's PostgreSQL. */
  readonly connectionString: string;
  /** The live postmaster's PID (from postmaster.pid), if one runs. */
  postmasterPid(): number | undefined;
  /** Every PID this node has started or seen: Patroni processes and postmasters. */
  knownPids(): readonly number[];
  isRunning(): boolean;
  /** Starts Patroni again (no-op while it runs). */
  start(): void;
  /** SIGTERM: Patroni shuts PostgreSQL down and exits; then any postmaster left behind is killed. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL to Patroni and to the postmaster's whole process group: a crash of the machine. */
  kill9(): Promise<void>;
  /** SIGKILL to Patroni only: PostgreSQL keeps running unmanaged, as after an agent crash. */
  kill9Agent(): Promise<void>;
}

export interface NodeLayout {
  readonly name: string;
  readonly restPort: number;
  readonly pgPort: number;
  readonly nodeDir: string;
  readonly configFile: string;
  readonly connectionString: string;
  /** The agent's argv without the config file (`['patroni']`, or node + our agent's bin). */
  readonly command: readonly string[];
}

export function createNode(layout: NodeLayout): PythonPatroniNode {
  const dataDir = dataDirOf(layout.nodeDir);
  const seenPids = new Set<number>();
  const launch = () => {
    const [program = pythonPatroniCommand('patroni'), ...args] = layout.command;
    const proc = spawnManaged(program, [...args, layout.configFile], {
      cwd: layout.nodeDir,
      env: patroniEnv(),
      logFile: join(layout.nodeDir, 'patroni.log'),
    });
    seenPids.add(proc.pid);
    return proc;
  };
  let proc = launch();
  const postmasterPid = () => {
    const pid = livePostmasterPid(dataDir);
    if (pid !== undefined) seenPids.add(pid);
    return pid;
  };
  const killLeftoverPostmaster = async () => {
    const pid = postmasterPid();
    if (pid === undefined) return;
    killPostmasterGroup(pid);
    await waitForExit([pid], 10_000);
  };
  return {
    ...layout,
    dataDir,
    get process() {
      return proc;
    },
    postmasterPid,
    knownPids: () => {
      postmasterPid();
      return [...seenPids];
    },
    isRunning: () => proc.isRunning(),
    start() {
      if (!proc.isRunning()) proc = launch();
    },
    async stop(graceMs = 30_000) {
      postmasterPid();
      await proc.stop(graceMs);
      await killLeftoverPostmaster();
    },
    async kill9() {
      const pid = postmasterPid();
      proc.signal('SIGKILL');
      if (pid !== undefined) killPostmasterGroup(pid);
      await proc.exited;
      if (pid !== undefined) await waitForExit([pid], 10_000);
    },
    async kill9Agent() {
      postmasterPid();
      proc.signal('SIGKILL');
      await proc.exited;
    },
  };
}

/** The PIDs among `pids` that are still alive (zombies count as gone). */
export function alivePids(pids: Iterable<number>): number[] {
  return [...pids].filter(isProcessAlive);
}
