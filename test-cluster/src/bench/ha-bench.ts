/**
 * `pnpm bench:ha`: the same HA scenarios for Python Patroni 3.0.2 and for our agent, same timing, same
 * machine, one run; prints medians side by side with the ratio, and writes them as JSON with `--json`.
 * A script run by hand (minutes per profile), not a test. Run as an unprivileged user (see run-bench.sh).
 */
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { HA_USAGE, parseHaArgs } from './ha-args.js';
import {
  comparisonRows,
  type HaFigures,
  type Implementation,
  medianFigures,
  PROFILES,
  type ProfileName,
} from './ha-figures.js';
import { runHaScenario } from './ha-scenario.js';
import { formatComparison } from './stats.js';

interface RunRecord {
  readonly profile: ProfileName;
  readonly implementation: Implementation;
  readonly repeat: number;
  readonly figures: HaFigures;
}

const loadAverage = () => loadavg().map((l) => l.toFixed(2));

async function main(): Promise<void> {
  const args = parseHaArgs(process.argv.slice(2));
  if (typeof args === 'string') {
    console.error(args);
    process.exitCode = 2;
    return;
  }
  const loadBefore = loadAverage();
  console.log(`bench:ha on ${cpus().length} cores, load average ${loadBefore.join(' ')}; ${HA_USAGE}`);
  const runs: RunRecord[] = [];
  for (const profile of args.profiles) {
    const timing = PROFILES[profile];
    for (let repeat = 1; repeat <= args.repeat; repeat++) {
      // Alternate the order so neither implementation always runs on a machine warmed up by the other.
      const order = repeat % 2 === 1 ? args.implementations : [...args.implementations].reverse();
      for (const implementation of order) {
        const tag = `[${profile} ${implementation} #${repeat}]`;
        console.log(
          `${tag} ttl ${timing.ttl} loop_wait ${timing.loopWait} retry_timeout ${timing.retryTimeout}`,
        );
        const figures = await runHaScenario({
          implementation,
          timing,
          idleS: args.idleS,
          keepDirs: args.keepDirs,
          log: (line) => console.log(`${tag} ${line}`),
        });
        runs.push({ profile, implementation, repeat, figures });
      }
    }
  }
  const medians = printTables(args.profiles, runs, args.repeat);
  const loadAfter = loadAverage();
  console.log(`load average at the end: ${loadAfter.join(' ')}`);
  if (args.jsonFile) {
    const document = {
      machine: { cores: cpus().length, loadBefore, loadAfter },
      profiles: PROFILES,
      medians,
      runs,
    };
    await writeFile(args.jsonFile, `${JSON.stringify(document, null, 2)}\n`);
    console.log(`figures written to ${args.jsonFile}`);
  }
  if (runs.some((r) => r.figures.errors.length > 0)) process.exitCode = 1;
}

function printTables(
  profiles: readonly ProfileName[],
  runs: readonly RunRecord[],
  repeat: number,
): Record<string, Partial<Record<Implementation, HaFigures>>> {
  const medians: Record<string, Partial<Record<Implementation, HaFigures>>> = {};
  for (const profile of profiles) {
    const of = (implementation: Implementation) => {
      const selected = runs.filter((r) => r.profile === profile && r.implementation === implementation);
      return selected.length === 0 ? undefined : medianFigures(selected.map((r) => r.figures));
    };
    const python = of('python');
    const ours = of('ours');
    medians[profile] = { ...(python ? { python } : {}), ...(ours ? { ours } : {}) };
    const t = PROFILES[profile];
    const title = `\n${profile} profile (ttl ${t.ttl}, loop_wait ${t.loopWait}, retry_timeout ${t.retryTimeout}), median of ${repeat}`;
    console.log(formatComparison(title, comparisonRows(python, ours)));
    for (const [name, figures] of Object.entries(medians[profile])) {
      for (const error of figures.errors) console.log(`  ${name}: ${error}`);
    }
  }
  return medians;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
