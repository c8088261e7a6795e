import { spawn } from 'node:child_process';

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly signal?: AbortSignal;
  /** Kill the process after this long; null or absent waits. */
  readonly timeoutMs?: number | null;
  /** Text written to stdin, which is then closed. */
  readonly input?: string;
  /** Give the child the agent's own stderr instead of capturing it (a postmaster outliving the call). */
  readonly inheritStderr?: boolean;
}

export interface RunResult {
  /** Exit code; null when killed by a signal or when it could not be started. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the program could not be started (ENOENT, EACCES...). */
  readonly spawnError: string | null;
  readonly cancelled: boolean;
}

const OUTPUT_CAP_BYTES = 1024 * 1024;
/** Patroni's cancellable subprocess: SIGTERM, then SIGKILL after this long (postgres.md §1). */
const KILL_GRACE_MS = 10_000;

/**
 * Runs a program to completion, collecting its output. Cancellation (signal or timeout) sends SIGTERM to
 * the process group, then SIGKILL after 10 s, so descendants of scripts are stopped too.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: [
        options.input === undefined ? 'ignore' : 'pipe',
        'pipe',
        options.inheritStderr ? 'inherit' : 'pipe',
      ],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let cancelled = false;
    let killTimer: NodeJS.Timeout | undefined;
    child.stdout?.on('data', (chunk: Buffer) => {
      if (stdout.length < OUTPUT_CAP_BYTES) stdout += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < OUTPUT_CAP_BYTES) stderr += chunk.toString();
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
    const cancel = () => {
      if (cancelled || child.pid === undefined || child.exitCode !== null) return;
      cancelled = true;
      signalGroup(child.pid, 'SIGTERM');
      const pid = child.pid;
      killTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), KILL_GRACE_MS);
    };
    const timeout =
      options.timeoutMs !== undefined && options.timeoutMs !== null
        ? setTimeout(cancel, options.timeoutMs)
        : undefined;
    if (options.signal?.aborted) cancel();
    options.signal?.addEventListener('abort', cancel, { once: true });
    const finish = (code: number | null, spawnError: string | null) => {
      clearTimeout(timeout);
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', cancel);
      resolve({ code, stdout, stderr, spawnError, cancelled });
    };
    child.once('error', (error) => finish(null, error.message));
    child.once('close', (code) => finish(code, null));
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** A one-line description of a failed run for OperationResult errors and logs. */
export function describeFailure(program: string, result: RunResult): string {
  if (result.spawnError) return `${program}: ${result.spawnError}`;
  if (result.cancelled) return `${program} was cancelled`;
  const output = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-3).join(' | ');
  return `${program} exited with code ${result.code}${output ? `: ${output}` : ''}`;
}

/** The agent's environment minus what the postmaster and scripts must not see (postgres.md §2.1). */
export function childEnvironment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('PATRONI_') || key.startsWith('KUBERNETES_') || key === 'NOTIFY_SOCKET') continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}
