import type { Cluster, Dcs } from '@patroni/ha-core';
import { ctlError } from '../../errors.js';
import type { CommandSpec, ParsedCommand } from '../args.js';
import { configFlags } from '../cluster-view.js';
import { type CtlContext, ctlTimestamp, withCluster } from '../context.js';
import { membersLeaderFirst } from '../select-members.js';
import { groupOption } from './common-options.js';
import { clusterNameArg } from './config-commands.js';

const spec = (name: 'pause' | 'resume', help: string, waitHelp: string): CommandSpec => ({
  name,
  help,
  options: [groupOption, { names: ['--wait'], dest: 'wait', kind: 'flag', help: waitHelp }],
  args: [{ name: 'cluster_name' }],
});

export const pauseSpec = spec('pause', 'Disable auto failover', 'Wait until pause is applied on all nodes');
export const resumeSpec = spec('resume', 'Resume auto failover', 'Wait until pause is cleared on all nodes');

/** `loop_wait` from the dynamic config, else the default. */
export function loopWaitSeconds(cluster: Cluster): number {
  const value = Number(cluster.config?.data.loop_wait);
  return Number.isFinite(value) && value > 0 ? value : 10;
}

async function waitUntilApplied(ctx: CtlContext, dcs: Dcs, paused: boolean, old: Cluster): Promise<void> {
  const word = paused ? 'pause' : 'resume';
  ctx.out.write(`'${word}' request sent, waiting until it is recognized by all nodes\n`);
  const before = new Map(old.members.filter((m) => m.data.api_url).map((m) => [m.name, m.version]));
  const loopWait = loopWaitSeconds(old);
  const deadline = ctx.now().getTime() + (loopWait + 1) * 1000;
  const applied = (m: Cluster['members'][number]) => (m.data.pause ?? false) === paused;
  let cluster = old;
  for (;;) {
    cluster = await dcs.loadCluster({ consistent: true });
    if (cluster.members.filter((m) => before.has(m.name)).every(applied)) break;
    if (ctx.now().getTime() >= deadline) {
      const remaining = cluster.members.filter(
        (m) => !applied(m) && before.has(m.name) && before.get(m.name) !== m.version,
      );
      if (remaining.length > 0) {
        ctx.out.write(
          `${remaining.map((m) => m.name).join(', ')} members didn't recognized pause state after ${loopWait} seconds\n`,
        );
        return;
      }
      break;
    }
    await ctx.sleep(1000);
  }
  ctx.out.write(`Success: cluster management is ${paused ? 'paused' : 'resumed'}\n`);
}

async function togglePause(ctx: CtlContext, parsed: ParsedCommand, paused: boolean): Promise<number> {
  await withCluster(ctx, clusterNameArg(ctx, parsed), async (cluster, dcs) => {
    if (configFlags(cluster).paused === paused)
      throw ctlError(`Cluster is ${paused ? 'already' : 'not'} paused`);
    for (const member of membersLeaderFirst(cluster)) {
      let response: { status: number; body: string };
      try {
        response = await ctx.rest.request(String(member.data.api_url), 'PATCH', 'config', {
          pause: paused ? true : null,
        });
      } catch (error) {
        const stamp = ctlTimestamp(ctx.now(), 3).replace('.', ',');
        ctx.err.write(
          `${stamp} - WARNING - ${(error as Error).message}\n${stamp} - WARNING - Member ${member.name} is not accessible\n`,
        );
        continue;
      }
      if (response.status === 200) {
        if (parsed.options.wait === true) await waitUntilApplied(ctx, dcs, paused, cluster);
        else ctx.out.write(`Success: cluster management is ${paused ? 'paused' : 'resumed'}\n`);
      } else {
        ctx.out.write(
          `Failed: ${paused ? 'pause' : 'resume'} cluster management status code=${response.status}, (${response.body})\n`,
        );
      }
      return;
    }
    throw ctlError('Can not find accessible cluster member');
  });
  return 0;
}

export const runPause = (ctx: CtlContext, parsed: ParsedCommand) => togglePause(ctx, parsed, true);
export const runResume = (ctx: CtlContext, parsed: ParsedCommand) => togglePause(ctx, parsed, false);
