import type { Implementation, ProfileName } from './ha-figures.js';

export interface HaBenchArgs {
  readonly profiles: readonly ProfileName[];
  readonly implementations: readonly Implementation[];
  readonly repeat: number;
  readonly idleS: number;
  readonly jsonFile: string | undefined;
  readonly keepDirs: boolean;
}

export const HA_USAGE =
  'usage: bench:ha [--profile fast|default|both] [--impl ours|python|both] [--repeat N] [--idle-s S] ' +
  '[--json out.json] [--keep]';

/** Parses the command line; returns an error message (usage included) for anything it does not accept. */
export function parseHaArgs(argv: readonly string[]): HaBenchArgs | string {
  let profiles: ProfileName[] = ['fast', 'default'];
  let implementations: Implementation[] = ['python', 'ours'];
  let repeat = 1;
  let idleS = 60;
  let jsonFile: string | undefined;
  let keepDirs = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    const wants = (what: string) => `${arg} needs ${what}\n${HA_USAGE}`;
    if (arg === '--keep') keepDirs = true;
    else if (arg === '--profile') {
      i++;
      if (value === 'both') profiles = ['fast', 'default'];
      else if (value === 'fast' || value === 'default') profiles = [value];
      else return wants('fast, default or both');
    } else if (arg === '--impl') {
      i++;
      if (value === 'both') implementations = ['python', 'ours'];
      else if (value === 'ours' || value === 'python') implementations = [value];
      else return wants('ours, python or both');
    } else if (arg === '--repeat' || arg === '--idle-s') {
      i++;
      const n = Number(value);
      if (value === undefined || !Number.isInteger(n) || n < 1) return wants('a whole number ≥ 1');
      if (arg === '--repeat') repeat = n;
      else idleS = n;
    } else if (arg === '--json') {
      i++;
      if (!value || value.startsWith('--')) return wants('a file name');
      jsonFile = value;
    } else if (arg !== '--') return `unknown argument: ${arg}\n${HA_USAGE}`;
  }
  return { profiles, implementations, repeat, idleS, jsonFile, keepDirs };
}
