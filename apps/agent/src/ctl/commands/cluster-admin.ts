import { ctlError } from '../../errors.js';
import type { CommandSpec, ParsedCommand } from '../args.js';
import { ask, type CtlContext, confirm, ctlTimestamp, printMembers, withCluster } from '../context.js';
import type { OutputFormat } from '../output.js';
import { forceOption, formatOption, groupOption, optNumber, optString } from './common-options.js';
import { clusterNameArg } from './config-commands.js';

export const removeSpec: CommandSpec = {
  name: 'remove',
  help: 'Remove cluster from DCS',
  options: [groupOption, formatOption],
  args: [{ name: 'cluster_name', required: true }],
};

export async function runRemove(ctx: CtlContext, parsed: ParsedCommand): Promise<number> {
  const clusterName = String(parsed.args.cluster_name);
  await withCluster(ctx, clusterName, async (cluster, dcs) => {
    if (ctx.config.citusGroup !== null && parsed.options.group === undefined)
      throw ctlError('For Citus clusters the --group must me specified');
    printMembers(ctx, cluster, clusterName, { format: parsed.options.format as OutputFormat });
    if ((await ask(ctx, 'Please confirm the cluster name to remove')) !== clusterName)
      throw ctlError('Cluster names specified do not match');
    const message = 'Yes I am aware';
    if (
      (await ask(
        ctx,
        `You are about to remove all information in DCS for ${clusterName}, please type: "${message}"`,
      )) !== message
    ) {
      throw ctlError(`You did not exactly type "${message}"`);
    }
    if (cluster.leader?.name) {
      const leader = await ask(
        ctx,
        'This cluster currently is healthy. Please specify the leader name to continue',
      );
      if (leader !== cluster.leader.name)
        throw ctlError('You did not specify the current leader of the cluster');
    }
    await dcs.deleteCluster();
  });
  return 0;
}

const pyValue = (value: unknown) =>
  value === undefined || value === null
    ? 'None'
    : value === true
      ? 'True'
      : value === false
        ? 'False'
        : String(value);

export const demoteClusterSpec: CommandSpec = {
  name: 'demote-cluster',
  help: 'Demote cluster to a standby cluster',
  options: [
    forceOption,
    { names: ['--host'], dest: 'host', kind: 'value', help: 'Address of the remote node' },
    { names: ['--port'], dest: 'port', kind: 'value', type: 'int', help: 'Port of the remote node' },
    {
      names: ['--restore-command'],
      dest: 'restoreCommand',
      kind: 'value',
      help: 'Command to restore WAL records from the remote primary',
    },
    {
      names: ['--primary-slot-name'],
      dest: 'primarySlotName',
      kind: 'value',
      help: 'Name of the slot on the remote node to use for replication',
    },
  ],
  args: [{ name: 'cluster_name' }],
};

export const promoteClusterSpec: CommandSpec = {
  name: 'promote-cluster',
  help: 'Promote cluster, make it run standalone',
  options: [forceOption],
  args: [{ name: 'cluster_name' }],
};

async function changeClusterRole(
  ctx: CtlContext,
  clusterName: string,
  force: boolean,
  standby: Record<string, unknown> | null,
): Promise<void> {
  const demote = standby !== null;
  const verb = demote ? 'demot' : 'promot';
  const target = demote ? 'standby_leader' : 'primary';
  await withCluster(ctx, clusterName, async (first, dcs) => {
    const leaderName = first.leader?.name;
    if (!leaderName) throw ctlError(`Cluster has no leader, ${verb}ion is not possible`);
    if (first.leader?.member.data.role === target) throw ctlError('Cluster is already in the required state');
    ctx.out.write('Current cluster topology\n');
    printMembers(ctx, first, clusterName);
    if (!force && !(await confirm(ctx, `Are you sure you want to ${verb}e ${clusterName} cluster?`)))
      throw ctlError(`Aborted cluster ${verb}ion`);
    const prefix = `Failed to ${verb}e ${clusterName} cluster: `;
    try {
      const response = await ctx.rest.request(
        String(first.leader?.member.data.api_url ?? ''),
        'PATCH',
        'config',
        { standby_cluster: standby },
      );
      if (response.status !== 200)
        throw new Error(`${prefix}/config PATCH status code=${response.status}, (${response.body})`);
    } catch (error) {
      throw ctlError(`${prefix}${(error as Error).message}`);
    }
    let cluster = first;
    for (;;) {
      cluster = await dcs.loadCluster({ consistent: true });
      const unlocked = !cluster.leader;
      const data = cluster.leader?.member.data;
      const oldLeaderState = cluster.members.find((m) => m.name === leaderName)?.data.state;
      const stamp = ctlTimestamp(ctx.now(), 0);
      if (
        !unlocked &&
        data?.role === target &&
        data.state === 'running' &&
        (!demote || oldLeaderState === 'running')
      ) {
        ctx.out.write(`${stamp} cluster is successfully ${verb}ed\n`);
        break;
      }
      const parts = [
        `${stamp} cluster is unlocked: ${pyValue(unlocked)}`,
        `leader role: ${pyValue(data?.role)}`,
        `leader state: ${pyValue(data?.state)}`,
      ];
      if (demote && cluster.leader && cluster.leader.name !== leaderName && oldLeaderState)
        parts.push(`previous leader state: '${String(oldLeaderState)}'`);
      ctx.out.write(`${parts.join(', ')}\n`);
      await ctx.sleep(1000);
    }
    printMembers(ctx, cluster, clusterName);
  });
}

export async function runDemoteCluster(ctx: CtlContext, parsed: ParsedCommand): Promise<number> {
  const host = optString(parsed.options.host);
  const port = optNumber(parsed.options.port);
  const restoreCommand = optString(parsed.options.restoreCommand);
  if (!host && !port && !restoreCommand)
    throw ctlError('At least --host, --port or --restore-command should be specified');
  const section = Object.fromEntries(
    Object.entries({
      host,
      port,
      primary_slot_name: optString(parsed.options.primarySlotName),
      restore_command: restoreCommand,
    }).filter(([, v]) => v),
  );
  await changeClusterRole(ctx, clusterNameArg(ctx, parsed), parsed.options.force === true, section);
  return 0;
}

export async function runPromoteCluster(ctx: CtlContext, parsed: ParsedCommand): Promise<number> {
  await changeClusterRole(ctx, clusterNameArg(ctx, parsed), parsed.options.force === true, null);
  return 0;
}
