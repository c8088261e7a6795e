import { type Cluster, syncIsEmpty, syncMatches } from '@patroni/ha-core';
import { ctlError } from '../../errors.js';
import type { CommandSpec, ParsedCommand } from '../args.js';
import { configFlags } from '../cluster-view.js';
import { ask, type CtlContext, confirm, ctlTimestamp, printMembers, withCluster } from '../context.js';
import { inAnHour, parseScheduled } from '../scheduled.js';
import { forceOption, groupOption, optString } from './common-options.js';
import { clusterNameArg } from './config-commands.js';

const candidateOption = {
  names: ['--candidate'],
  dest: 'candidate',
  kind: 'value',
  help: 'The name of the candidate',
} as const;

export const switchoverSpec: CommandSpec = {
  name: 'switchover',
  help: 'Switchover to a replica',
  options: [
    groupOption,
    {
      names: ['--leader', '--primary'],
      dest: 'leader',
      kind: 'value',
      help: 'The name of the current leader',
    },
    candidateOption,
    {
      names: ['--scheduled'],
      dest: 'scheduled',
      kind: 'value',
      help: 'Timestamp of a scheduled switchover in unambiguous format (e.g. ISO 8601)',
    },
    forceOption,
  ],
  args: [{ name: 'cluster_name' }],
};

export const failoverSpec: CommandSpec = {
  name: 'failover',
  help: 'Failover to a replica',
  options: [groupOption, candidateOption, forceOption],
  args: [{ name: 'cluster_name' }],
};

type Action = 'switchover' | 'failover';

/** Members other than the leader that may be promoted, sorted. */
export function failoverCandidates(cluster: Cluster): string[] {
  return cluster.members
    .filter((m) => m.name !== cluster.leader?.name && !m.tags.nofailover && m.tags.failoverPriority > 0)
    .map((m) => m.name)
    .sort();
}

async function chooseLeader(
  ctx: CtlContext,
  cluster: Cluster,
  clusterName: string,
  given: string | undefined,
  force: boolean,
): Promise<string> {
  const leader = cluster.leader?.name;
  if (!leader) throw ctlError('This cluster has no leader');
  const chosen =
    given ??
    (force
      ? leader
      : await ask(ctx, configFlags(cluster).standby ? 'Standby Leader' : 'Primary', { default: leader }));
  if (chosen !== leader) throw ctlError(`Member ${chosen} is not the leader of cluster ${clusterName}`);
  return chosen;
}

async function chooseCandidate(
  ctx: CtlContext,
  cluster: Cluster,
  clusterName: string,
  action: Action,
  given: string | undefined,
  force: boolean,
): Promise<string | null> {
  const names = failoverCandidates(cluster);
  if (names.length === 0) throw ctlError(`No candidates found to ${action} to`);
  let candidate = given ?? null;
  if (candidate === null && !force)
    candidate = await ask(ctx, `Candidate [${names.map((n) => `'${n}'`).join(', ')}]`, { default: '' });
  if (action === 'failover' && !candidate)
    throw ctlError('Failover could be performed only to a specific candidate');
  if (candidate && !names.includes(candidate)) {
    if (candidate === cluster.leader?.name)
      throw ctlError(`Member ${candidate} is already the leader of cluster ${clusterName}`);
    throw ctlError(`Member ${candidate} does not exist in cluster ${clusterName} or is tagged as nofailover`);
  }
  if (
    !force &&
    action === 'failover' &&
    configFlags(cluster).syncMode !== 'off' &&
    !syncIsEmpty(cluster.sync) &&
    !syncMatches(cluster.sync, candidate, true)
  ) {
    if (!(await confirm(ctx, `Are you sure you want to failover to the asynchronous node ${candidate}?`)))
      throw ctlError(`Aborting ${action}`);
  }
  return candidate || null;
}

async function scheduleTime(
  ctx: CtlContext,
  cluster: Cluster,
  given: string | undefined,
  force: boolean,
): Promise<string | null> {
  const text =
    given ??
    (force
      ? undefined
      : await ask(ctx, `When should the switchover take place (e.g. ${inAnHour(ctx.now())} ) `, {
          default: 'now',
        }));
  const scheduled = parseScheduled(text);
  if (scheduled && configFlags(cluster).paused)
    throw ctlError("Can't schedule switchover in the paused state");
  return scheduled?.iso ?? null;
}

async function runAction(ctx: CtlContext, parsed: ParsedCommand, action: Action): Promise<number> {
  const clusterName = clusterNameArg(ctx, parsed);
  const force = parsed.options.force === true;
  await withCluster(ctx, clusterName, async (cluster, dcs) => {
    ctx.out.write('Current cluster topology\n');
    printMembers(ctx, cluster, clusterName);
    const leader =
      action === 'switchover'
        ? await chooseLeader(ctx, cluster, clusterName, optString(parsed.options.leader), force)
        : null;
    const candidate = await chooseCandidate(
      ctx,
      cluster,
      clusterName,
      action,
      optString(parsed.options.candidate),
      force,
    );
    const scheduledAt =
      action === 'switchover'
        ? await scheduleTime(ctx, cluster, optString(parsed.options.scheduled), force)
        : null;
    const body: Record<string, unknown> = { candidate };
    if (leader !== null) body.leader = leader;
    if (scheduledAt) body.scheduled_at = scheduledAt;
    if (!force) {
      const current = cluster.leader?.name;
      const demote = current ? `, demoting current leader ${current}` : '';
      if (scheduledAt) {
        if (
          !(await confirm(
            ctx,
            `Are you sure you want to schedule switchover of cluster ${clusterName} at ${scheduledAt}${demote}?`,
          ))
        ) {
          throw ctlError(`Aborting scheduled ${action}`);
        }
      } else if (
        !(await confirm(ctx, `Are you sure you want to ${action} cluster ${clusterName}${demote}?`))
      ) {
        throw ctlError(`Aborting ${action}`);
      }
    }
    const target = cluster.leader?.member ?? cluster.members.find((m) => m.name === candidate);
    let after = cluster;
    try {
      const apiUrl = target?.data.api_url;
      if (typeof apiUrl !== 'string') throw new Error('no api_url');
      let response = await ctx.rest.request(apiUrl, 'POST', action, body);
      if (
        response.status === 501 &&
        action === 'switchover' &&
        response.body.includes('Server does not support this operation')
      ) {
        response = await ctx.rest.request(apiUrl, 'POST', 'failover', body);
      }
      if (response.status !== 200 && response.status !== 202) {
        const result = response.body.toLowerCase().includes('status unknown') ? 'result unknown' : 'failed';
        ctx.out.write(
          `${action[0]?.toUpperCase()}${action.slice(1)} ${result}, details: ${response.status}, ${response.body}\n`,
        );
        return;
      }
      after = await dcs.loadCluster({ consistent: true });
      ctx.out.write(`${ctlTimestamp(ctx.now())} ${response.body}\n`);
    } catch {
      ctx.out.write(
        `${ctlTimestamp(ctx.now())} Could not ${action} using Patroni api, falling back to DCS\n`,
      );
      await dcs.setFailover(
        {
          ...(leader ? { leader } : {}),
          ...(candidate ? { member: candidate } : {}),
          ...(scheduledAt ? { scheduled_at: scheduledAt } : {}),
        },
        null,
      );
    }
    printMembers(ctx, after, clusterName);
  });
  return 0;
}

export const runSwitchover = (ctx: CtlContext, parsed: ParsedCommand) => runAction(ctx, parsed, 'switchover');
export const runFailover = (ctx: CtlContext, parsed: ParsedCommand) => runAction(ctx, parsed, 'failover');
