import { stringify } from 'yaml';

/**
 * YAML as Patroni dumps it for `show-config`, `edit-config` and `--print`: block style, keys sorted at every
 * level, 2-space indent, strings that would read back as another type quoted (`'on'`), no line wrapping
 * below 200 columns.
 */
export function dumpYaml(value: unknown): string {
  return stringify(value, {
    version: '1.1',
    sortMapEntries: true,
    indent: 2,
    indentSeq: false,
    lineWidth: 200,
    minContentWidth: 0,
    defaultStringType: 'PLAIN',
    defaultKeyType: 'PLAIN',
    singleQuote: true,
    nullStr: 'null',
  });
}
