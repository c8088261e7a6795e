import { pyStr } from './py-json.js';

export interface PrettyTableOptions {
  /** Text spliced into the top border after its first `+` (` Cluster: demo (123) `). */
  readonly title?: string;
  /** Column names whose cells (and header) are right-aligned; the rest are left-aligned. */
  readonly rightAligned?: ReadonlySet<string>;
}

const cellText = (value: unknown): string =>
  value === '' || value === null || value === undefined
    ? ''
    : typeof value === 'string'
      ? value
      : pyStr(value);

/**
 * The ASCII table patronictl prints (prettytable with Patroni's title splice): one space of padding,
 * `+`/`-`/`|` borders, a rule after every row only when some cell spans several lines.
 */
export function renderPrettyTable(
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  options: PrettyTableOptions = {},
): string {
  const texts = rows.map((row) => columns.map((_c, i) => cellText(row[i]).split('\n')));
  const widths = columns.map((name, i) =>
    Math.max(name.length, ...texts.map((row) => Math.max(...(row[i] ?? ['']).map((l) => l.length)))),
  );
  const right = options.rightAligned ?? new Set<string>();
  const align = (text: string, i: number) =>
    right.has(columns[i] as string) ? text.padStart(widths[i] as number) : text.padEnd(widths[i] as number);
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => align(c, i)).join(' | ')} |`;
  const multiline = texts.some((row) => row.some((cell) => cell.length > 1));
  let top = rule;
  if (options.title) {
    const title = options.title.slice(0, rule.length - 2);
    top = rule[0] + title + rule.slice(1 + title.length);
  }
  const out = [top, line(columns), rule];
  texts.forEach((row, index) => {
    const height = Math.max(...row.map((cell) => cell.length));
    for (let l = 0; l < height; l++) out.push(line(row.map((cell) => cell[l] ?? '')));
    if (multiline && index < texts.length - 1) out.push(rule);
  });
  out.push(rule);
  return out.join('\n');
}
