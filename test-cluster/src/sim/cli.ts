/**
 * `pnpm sim --seed N [--trace]`: replay one run exactly (trace printed on failure or with --trace).
 * `pnpm sim --seeds A..B`: sweep; prints seeds run, virtual hours, violations, runs/s.
 * `--verbose` adds the engine's info/debug log lines to the trace.
 * Options: `--minutes M` chaos phase length (default 10), `--settle-minutes M` (default 3),
 * `--broken rogue-promote` (test-only broken rule), `--tail N` trace lines shown on failure (default 200, 0 = all).
 */
import { performance } from 'node:perf_hooks';
import { describeScenario } from './scenario.js';
import { type RunOptions, type RunResult, runSeed } from './simulation.js';

interface CliArgs {
  readonly seeds: readonly number[];
  readonly trace: boolean;
  readonly tail: number;
  readonly options: RunOptions;
}

export function parseArgs(argv: readonly string[]): CliArgs | string {
  let seeds: number[] | null = null;
  let trace = false;
  let verbose = false;
  let tail = 200;
  let chaosMs: number | undefined;
  let settleMs: number | undefined;
  let brokenRule: RunOptions['brokenRule'];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    const number = (): number | string => {
      i++;
      const n = Number(value);
      return value !== undefined && Number.isFinite(n) && n >= 0 ? n : `${arg} needs a non-negative number`;
    };
    if (arg === '--trace') trace = true;
    else if (arg === '--verbose') verbose = true;
    else if (arg === '--seed') {
      const n = number();
      if (typeof n === 'string') return n;
      seeds = [Math.floor(n)];
    } else if (arg === '--seeds') {
      i++;
      const match = /^(\d+)\.\.(\d+)$/.exec(value ?? '');
      if (!match) return '--seeds needs a range A..B';
      const [from, to] = [Number(match[1]), Number(match[2])];
      if (to < from) return '--seeds: the range is empty';
      seeds = Array.from({ length: to - from + 1 }, (_, k) => from + k);
    } else if (arg === '--minutes' || arg === '--settle-minutes' || arg === '--tail') {
      const n = number();
      if (typeof n === 'string') return n;
      if (arg === '--minutes') chaosMs = n * 60_000;
      else if (arg === '--settle-minutes') settleMs = n * 60_000;
      else tail = Math.floor(n);
    } else if (arg === '--broken') {
      i++;
      if (value !== 'rogue-promote') return '--broken: the only broken rule is rogue-promote';
      brokenRule = value;
    } else if (arg !== '--') return `unknown argument: ${arg}`;
  }
  if (!seeds) return 'usage: sim --seed N [--trace] | --seeds A..B [--minutes M] [--settle-minutes M]';
  return {
    seeds,
    trace,
    tail,
    options: { chaosMs, settleMs, brokenRule, verbose, stopOnViolation: seeds.length > 1 },
  };
}

function report(result: RunResult, args: CliArgs): string {
  const lines: string[] = [];
  const failed = result.violations.length > 0;
  if (failed || args.trace) {
    lines.push(args.trace || args.tail === 0 ? result.trace.text() : result.trace.tail(args.tail));
  }
  if (failed) {
    lines.push(`FAILED seed ${result.seed}: ${describeScenario(result.scenario)}`);
    for (const v of result.violations)
      lines.push(`  invariant ${v.invariant} at +${(v.atMs / 1000).toFixed(3)}s: ${v.message}`);
    lines.push(`  replay: pnpm sim --seed ${result.seed} --trace`);
  }
  return lines.join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`${args}\n`);
    return 2;
  }
  const startedMs = performance.now();
  let virtualMs = 0;
  let failures = 0;
  let violations = 0;
  for (const seed of args.seeds) {
    const result = await runSeed(seed, args.options);
    virtualMs += result.virtualMs;
    violations += result.violations.length;
    if (result.violations.length > 0) failures++;
    const text = report(result, args);
    if (text) process.stdout.write(`${text}\n`);
    if (args.seeds.length === 1) {
      const s = result.stats;
      process.stdout.write(
        `seed ${seed}: ${result.violations.length} violation(s); ${s.cycles} cycles, ${s.faults} faults, ` +
          `${s.promotions} promotions, ${s.commitsAcked}/${s.commitsIssued} commits acknowledged, ${result.events} events\n`,
      );
    }
  }
  const seconds = (performance.now() - startedMs) / 1000;
  process.stdout.write(
    `seeds run: ${args.seeds.length}, virtual hours: ${(virtualMs / 3_600_000).toFixed(2)}, ` +
      `failing seeds: ${failures}, violations: ${violations}, runs/s: ${(args.seeds.length / seconds).toFixed(2)}\n`,
  );
  return failures > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  },
);
