import { execFile } from 'node:child_process';
import { pythonPatroniCommand } from './python-commands.js';

export interface CommandResult {
  /** null when the command was killed (timeout). */
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs Debian's `patronictl -c <configFile> ...args`. A non-zero exit is returned, not thrown: tests assert
 * on patronictl's failures too. `input` is written to stdin (answers to its prompts).
 */
export function runPatronictl(
  configFile: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; timeoutMs?: number; input?: string },
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(
      pythonPatroniCommand('patronictl'),
      ['-c', configFile, ...args],
      { env: options.env, timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const exitCode = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ exitCode, stdout, stderr });
      },
    );
    child.stdin?.end(options.input ?? '');
  });
}

/** The environment Patroni processes get: ours without PATRONI_* variables, which would override the YAML. */
export function patroniEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('PATRONI_')) env[key] = value;
  }
  return env;
}
