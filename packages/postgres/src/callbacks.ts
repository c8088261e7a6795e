import { type ChildProcess, spawn } from 'node:child_process';
import type { CallbackAction, Logger } from '@patroni/ha-core';
import { childEnvironment, runCommand } from './run-command.js';
import { shellSplit } from './shell-split.js';

export type CallbackCommands = Readonly<Partial<Record<CallbackAction, string>>>;

/**
 * Runs user callbacks as `command action role scope` without waiting (postgres.md §8.1). One callback
 * runs at a time: a new one kills the still-running previous one (its whole process group); `on_reload`
 * has its own slot with the same rule.
 */
export class CallbackExecutor {
  private main: ChildProcess | null = null;
  private reload: ChildProcess | null = null;

  constructor(
    private readonly commands: () => CallbackCommands,
    private readonly scope: string,
    private readonly logger: Logger,
  ) {}

  run(action: CallbackAction, role: string): ChildProcess | null {
    const command = this.commands()[action];
    if (!command) return null;
    let argv: string[];
    try {
      argv = [...shellSplit(command), action, role, this.scope];
    } catch (error) {
      this.logger.error(`callback ${action}: ${(error as Error).message}`);
      return null;
    }
    const previous = action === 'on_reload' ? this.reload : this.main;
    if (previous && previous.exitCode === null && previous.signalCode === null) {
      this.logger.warn(`killing the previous callback process ${previous.pid} before running ${action}`);
      killGroup(previous);
    }
    const [program, ...args] = argv as [string, ...string[]];
    const child = spawn(program, args, { env: childEnvironment(), stdio: 'inherit', detached: true });
    child.once('error', (error) => this.logger.error(`callback ${action} failed to start: ${error.message}`));
    child.unref();
    if (action === 'on_reload') this.reload = child;
    else this.main = child;
    return child;
  }

  /** Stops any callback still running (agent shutdown). */
  killAll(): void {
    for (const child of [this.main, this.reload]) if (child) killGroup(child);
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/**
 * A synchronous script (`pre_promote`, `before_stop`): shell-split, no extra arguments. Resolves with
 * its exit code, null when it could not run or was cancelled.
 */
export async function runScript(
  command: string,
  signal: AbortSignal | undefined,
  logger: Logger,
  what: string,
): Promise<number | null> {
  let argv: string[];
  try {
    argv = shellSplit(command);
  } catch (error) {
    logger.error(`${what}: ${(error as Error).message}`);
    return null;
  }
  const [program, ...args] = argv;
  if (program === undefined) return null;
  const result = await runCommand(program, args, { env: childEnvironment(), signal });
  if (result.spawnError) logger.error(`${what} failed: ${result.spawnError}`);
  return result.code;
}
