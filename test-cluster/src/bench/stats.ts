/** Pure helpers of the benchmarks: medians over repeats, ratios and the printed comparison table. */

/** The median of the finite values; undefined when there is none (a step that failed in every run). */
export function median(values: readonly (number | undefined)[]): number | undefined {
  const sorted = values
    .filter((v): v is number => v !== undefined && Number.isFinite(v))
    .sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] as number) + upper) / 2;
}

/** ours / theirs; undefined when either side is missing or theirs is zero. */
export function ratio(ours: number | undefined, theirs: number | undefined): number | undefined {
  if (ours === undefined || theirs === undefined || theirs === 0) return undefined;
  return ours / theirs;
}

/** One printed line of a comparison: a metric, both figures in its unit, and the target it is held to. */
export interface ComparisonRow {
  readonly label: string;
  readonly unit: string;
  readonly theirs: number | undefined;
  readonly ours: number | undefined;
  readonly target: string;
  readonly digits?: number;
}

const show = (value: number | undefined, digits: number) =>
  value === undefined ? '—' : value.toFixed(digits);

/** A fixed-width table: metric | Python | ours | ours/Python | target. */
export function formatComparison(
  title: string,
  rows: readonly ComparisonRow[],
  names: { theirs: string; ours: string } = { theirs: 'Patroni 3.0.2', ours: 'ours' },
): string {
  const cells = rows.map((r) => {
    const digits = r.digits ?? 2;
    const q = ratio(r.ours, r.theirs);
    return [
      `${r.label} (${r.unit})`,
      show(r.theirs, digits),
      show(r.ours, digits),
      q === undefined ? '—' : `${q.toFixed(2)}x`,
      r.target,
    ];
  });
  const header = ['metric', names.theirs, names.ours, 'ours/theirs', 'target'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]) =>
    c.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [title, line(header), rule, ...cells.map(line)].join('\n');
}
