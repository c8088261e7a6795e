import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The absolute path of Debian's Python `patroni` / `patronictl`. A bare name is not enough: run through pnpm,
 * PATH starts with node_modules/.bin, where @patroni/agent's own `patroni` and `patronictl` bins live — a
 * "Python" node would then silently be ours. So the first PATH entry outside node_modules whose file is a
 * Python script wins; /usr/bin is the fallback.
 */
export function pythonPatroniCommand(name: 'patroni' | 'patronictl'): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '' || dir.includes('node_modules')) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate) && isPythonScript(candidate)) return candidate;
  }
  return `/usr/bin/${name}`;
}

function isPythonScript(path: string): boolean {
  try {
    return readFileSync(path, 'utf8').slice(0, 200).split('\n')[0]?.includes('python') === true;
  } catch {
    return false;
  }
}
