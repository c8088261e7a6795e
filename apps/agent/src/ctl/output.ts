import { dumpYaml } from '../config/yaml-dump.js';
import { renderPrettyTable } from './ascii-table.js';
import { PyFloat } from './pg-values.js';
import { pyJsonDumps, pyStr } from './py-json.js';

export type OutputFormat = 'pretty' | 'tsv' | 'json' | 'yaml' | 'yml' | 'topology';
export const OUTPUT_FORMATS = ['pretty', 'tsv', 'json', 'yaml', 'yml'] as const;

export interface PrintOptions {
  readonly format: OutputFormat;
  /** The table title; for the member table it also means "omit empty cells in json/yaml". */
  readonly title?: string;
  readonly rightAligned?: ReadonlySet<string>;
  readonly delimiter?: string;
}

/** A flat map in YAML flow style as PyYAML writes it: `{clonefrom: true, dc: eu1}`. */
export function yamlFlow(value: Readonly<Record<string, unknown>>): string {
  const scalar = (v: unknown): string => {
    if (typeof v === 'object' && v !== null)
      return Array.isArray(v) ? `[${v.map(scalar).join(', ')}]` : yamlFlow(v as Record<string, unknown>);
    return dumpYaml(v).trimEnd();
  };
  return `{${Object.keys(value)
    .sort()
    .map((k) => `${k}: ${scalar(value[k])}`)
    .join(', ')}}`;
}

/** YAML has no Python float type: dump the number. */
const forYaml = (value: unknown): unknown => (value instanceof PyFloat ? value.value : value);

/**
 * patronictl's `print_output` (patronictl.md §2.4): json/yaml lists of objects, tsv with a header line,
 * or the pretty table. Returns the text including its final newline. `columns` null (query's error rows)
 * means no header line in tsv and prettytable's `Field 1`, `Field 2`... elsewhere.
 */
export function printOutput(
  header: readonly string[] | null,
  rows: readonly (readonly unknown[])[],
  options: PrintOptions,
): string {
  const { format, title = '' } = options;
  const width = Math.max(0, ...rows.map((row) => row.length));
  const columns = header ?? Array.from({ length: width }, (_v, i) => `Field ${i + 1}`);
  if (format === 'json' || format === 'yaml' || format === 'yml') {
    const elements = rows.map((row) => {
      const object: Record<string, unknown> = {};
      columns.forEach((column, i) => {
        const value = row[i];
        if (!title || (value !== '' && value !== undefined))
          object[column] = format === 'json' ? (value ?? null) : forYaml(value ?? null);
      });
      return object;
    });
    return `${format === 'json' ? pyJsonDumps(elements) : dumpYaml(elements).trimEnd()}\n`;
  }
  let cols = [...columns];
  let body = rows.map((row) => [...row]);
  const memberTable = Boolean(title) && cols[0] === 'Cluster';
  if (memberTable && cols.includes('Tags')) {
    const i = cols.indexOf('Tags');
    for (const row of body) {
      const tags = row[i];
      if (tags && typeof tags === 'object') {
        row[i] = format === 'pretty' ? dumpYaml(tags).trimEnd() : yamlFlow(tags as Record<string, unknown>);
      }
    }
  }
  if (format === 'tsv') {
    const delimiter = options.delimiter ?? '\t';
    const lines = header === null ? body : [cols, ...body];
    if (lines.length === 0) return '';
    return `${lines.map((r) => r.map((v) => (typeof v === 'string' ? v : pyStr(v))).join(delimiter)).join('\n')}\n`;
  }
  if (memberTable) {
    const skip = title.includes(' (group: ') ? 2 : 1;
    cols = cols.slice(skip);
    body = body.map((row) => row.slice(skip));
  }
  return `${renderPrettyTable(cols, body, { title, ...(options.rightAligned ? { rightAligned: options.rightAligned } : {}) })}\n`;
}
