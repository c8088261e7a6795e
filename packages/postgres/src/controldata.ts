import type { Binaries } from './binaries.js';
import { runCommand } from './run-command.js';

/** `pg_controldata` output → map (postgres.md §4.3): split at the first `:`, leading `Current ` removed. */
export function parseControlData(output: string): Record<string, string> {
  const data: Record<string, string> = {};
  for (const line of output.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line
      .slice(0, colon)
      .replace(/^Current /, '')
      .trim();
    data[key] = line.slice(colon + 1).trim();
  }
  return data;
}

/** Runs pg_controldata with the C locale; an empty map when it fails (no pg_control yet, binary missing). */
export async function readControlData(binaries: Binaries, dataDir: string): Promise<Record<string, string>> {
  let program: string;
  try {
    program = binaries.path('pg_controldata');
  } catch {
    return {};
  }
  const result = await runCommand(program, [dataDir], {
    env: { ...process.env, LANG: 'C', LC_ALL: 'C' },
    timeoutMs: 30_000,
  });
  return result.code === 0 ? parseControlData(result.stdout) : {};
}
