import type { OptionSpec } from '../args.js';
import { OUTPUT_FORMATS } from '../output.js';
import { ROLE_CHOICES } from '../select-members.js';

export const groupOption: OptionSpec = {
  names: ['--group'],
  dest: 'group',
  kind: 'value',
  type: 'int',
  help: 'Citus group',
};
export const forceOption: OptionSpec = {
  names: ['--force'],
  dest: 'force',
  kind: 'flag',
  help: 'Do not ask for confirmation at any point',
};
export const formatOption: OptionSpec = {
  names: ['-f', '--format'],
  dest: 'format',
  kind: 'value',
  choices: OUTPUT_FORMATS,
  default: 'pretty',
  help: 'Output format',
};
export const watchOptions: OptionSpec[] = [
  { names: ['-W'], dest: 'W', kind: 'flag', help: 'Auto update the screen every 2 seconds' },
  {
    names: ['-w', '--watch'],
    dest: 'watch',
    kind: 'value',
    type: 'float',
    help: 'Auto update the screen every X seconds',
  },
];
/** `-r/--role`; `fallback` null means no default (query). */
export const roleOption = (help: string, fallback: string | null = 'any'): OptionSpec => ({
  names: ['-r', '--role'],
  dest: 'role',
  kind: 'value',
  choices: ROLE_CHOICES,
  help,
  ...(fallback === null ? {} : { default: fallback }),
});

/** A string option value, or undefined. */
export const optString = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;
export const optNumber = (value: unknown): number | undefined =>
  typeof value === 'number' ? value : undefined;
export const optList = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : [];
