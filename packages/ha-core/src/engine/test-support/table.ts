import { expect } from 'vitest';
import { type CycleRun, type CycleSetup, runOneCycle } from './drive.js';

/** One row of a decision table: given a setup, then this summary and these effects. */
export interface DecisionCase {
  readonly name: string;
  readonly given: CycleSetup;
  readonly summary: string;
  /** Exactly these non-bookkeeping effects, in order. */
  readonly actions?: readonly string[];
  /** These lines (effects or `log level: text`) appear, in this relative order. */
  readonly includes?: readonly string[];
  /** No line starts with any of these. */
  readonly excludes?: readonly string[];
  readonly verify?: (run: CycleRun) => void;
}

function expectInOrder(lines: readonly string[], wanted: readonly string[]): void {
  let from = 0;
  for (const line of wanted) {
    const index = lines.indexOf(line, from);
    expect(index, `expected "${line}" (in order) in:\n${lines.join('\n')}`).toBeGreaterThanOrEqual(0);
    from = index + 1;
  }
}

export function checkCase(row: DecisionCase): CycleRun {
  const run = runOneCycle(row.given);
  expect(run.summary).toBe(row.summary);
  if (row.actions) expect(run.actions).toEqual(row.actions);
  if (row.includes) expectInOrder(run.lines, row.includes);
  for (const prefix of row.excludes ?? []) {
    expect(
      run.lines.filter((l) => l.startsWith(prefix)),
      `no "${prefix}" expected`,
    ).toEqual([]);
  }
  row.verify?.(run);
  return run;
}
