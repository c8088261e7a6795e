import type { CommandSpec, ParsedCommand } from '../args.js';
import { type CtlContext, ctlTimestamp, printMembers, withCluster } from '../context.js';
import type { OutputFormat } from '../output.js';
import { formatOption, groupOption, optList, optNumber, watchOptions } from './common-options.js';

export const listSpec: CommandSpec = {
  name: 'list',
  help: 'List the Patroni members for a given Patroni',
  options: [
    groupOption,
    { names: ['-e', '--extended'], dest: 'extended', kind: 'flag', help: 'Show some extra information' },
    { names: ['-t', '--timestamp'], dest: 'timestamp', kind: 'flag', help: 'Print timestamp' },
    formatOption,
    ...watchOptions,
  ],
  args: [{ name: 'cluster_names', variadic: true }],
};

export const topologySpec: CommandSpec = {
  name: 'topology',
  help: 'Prints ASCII topology for given cluster',
  options: [groupOption, ...watchOptions],
  args: [{ name: 'cluster_names', variadic: true }],
};

/** Seconds between repetitions for `-W` / `-w N`; null → run once. */
export function watchSeconds(parsed: ParsedCommand): number | null {
  const every = optNumber(parsed.options.watch);
  if (every !== undefined) return every;
  return parsed.options.W === true ? 2 : null;
}

/**
 * Runs `body` once, or every `seconds` (from the start of the previous run) until interrupted; clears a
 * terminal before each run unless `clear` is false (query).
 */
export async function repeat(
  ctx: CtlContext,
  seconds: number | null,
  body: () => Promise<void>,
  options: { clear: boolean } = { clear: true },
): Promise<void> {
  for (;;) {
    const startedMs = ctx.now().getTime();
    if (options.clear && seconds !== null && (ctx.out as { isTTY?: boolean }).isTTY)
      ctx.out.write('\x1b[2J\x1b[H');
    await body();
    if (seconds === null) return;
    await ctx.sleep(Math.max(0, seconds * 1000 - (ctx.now().getTime() - startedMs)));
  }
}

async function showMembers(ctx: CtlContext, parsed: ParsedCommand, format: OutputFormat): Promise<number> {
  const names = optList(parsed.args.cluster_names);
  if (names.length === 0 && ctx.config.scope) names.push(ctx.config.scope);
  if (names.length === 0) {
    ctx.err.write(
      `${ctlTimestamp(ctx.now(), 3).replace('.', ',')} - WARNING - Listing members: No cluster names were provided\n`,
    );
    return 0;
  }
  await repeat(ctx, watchSeconds(parsed), async () => {
    if (parsed.options.timestamp === true) ctx.out.write(`${ctlTimestamp(ctx.now(), 0)}\n`);
    for (const name of names) {
      await withCluster(ctx, name, async (cluster) => {
        printMembers(ctx, cluster, name, { extended: parsed.options.extended === true, format });
      });
    }
  });
  return 0;
}

export function runList(ctx: CtlContext, parsed: ParsedCommand): Promise<number> {
  return showMembers(ctx, parsed, parsed.options.format as OutputFormat);
}

export function runTopology(ctx: CtlContext, parsed: ParsedCommand): Promise<number> {
  return showMembers(ctx, parsed, 'topology');
}
