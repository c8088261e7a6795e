import type { Member } from '@patroni/ha-core';
import { ctlError } from '../../errors.js';
import type { CommandSpec, ParsedCommand } from '../args.js';
import { configFlags } from '../cluster-view.js';
import { ask, type CtlContext, confirm, ctlTimestamp, withCluster } from '../context.js';
import type { RestResponse } from '../rest-client.js';
import { inAnHour, parseScheduled, scheduledText } from '../scheduled.js';
import { type CtlRole, confirmMembersAction, membersLeaderFirst, selectMembers } from '../select-members.js';
import { forceOption, groupOption, optList, optString, roleOption } from './common-options.js';
import { loopWaitSeconds } from './pause.js';

const memberArgs = [
  { name: 'cluster_name', required: true },
  { name: 'member_names', variadic: true },
];

export const reloadSpec: CommandSpec = {
  name: 'reload',
  help: 'Reload cluster member configuration',
  options: [groupOption, roleOption('Reload only members with this role'), forceOption],
  args: memberArgs,
};

export const restartSpec: CommandSpec = {
  name: 'restart',
  help: 'Restart cluster member',
  options: [
    groupOption,
    roleOption('Restart only members with this role'),
    { names: ['--any'], dest: 'any', kind: 'flag', help: 'Restart a single member only' },
    {
      names: ['--scheduled'],
      dest: 'scheduled',
      kind: 'value',
      help: 'Timestamp of a scheduled restart in unambiguous format (e.g. ISO 8601)',
    },
    {
      names: ['--pg-version'],
      dest: 'pgVersion',
      kind: 'value',
      help: 'Restart if the PostgreSQL version is less than provided (e.g. 9.5.2)',
    },
    { names: ['--pending'], dest: 'pending', kind: 'flag', help: 'Restart if pending' },
    {
      names: ['--timeout'],
      dest: 'timeout',
      kind: 'value',
      help: 'Return error and fail over if necessary when restarting takes longer than this.',
    },
    forceOption,
  ],
  args: memberArgs,
};

export const reinitSpec: CommandSpec = {
  name: 'reinit',
  help: 'Reinitialize cluster member',
  options: [
    groupOption,
    forceOption,
    { names: ['--from-leader'], dest: 'fromLeader', kind: 'flag', help: 'Get basebackup from leader' },
    { names: ['--wait'], dest: 'wait', kind: 'flag', help: 'Wait until reinitialization completes' },
  ],
  args: memberArgs,
};

export const flushSpec: CommandSpec = {
  name: 'flush',
  help: 'Discard scheduled events',
  options: [groupOption, roleOption('Flush only members with this role'), forceOption],
  args: [
    { name: 'cluster_name', required: true },
    { name: 'member_names', variadic: true },
    { name: 'target', required: true },
  ],
};

const apiUrl = (member: Member) => String(member.data.api_url ?? '');

/** `check_response`: prints `Failed: …` for status ≥ 400, else `Success: …` unless silent. */
function checkResponse(
  ctx: CtlContext,
  response: RestResponse,
  member: string,
  action: string,
  silentSuccess = false,
): boolean {
  if (response.status >= 400) {
    ctx.out.write(
      `Failed: ${action} for member ${member}, status code=${response.status}, (${response.body})\n`,
    );
    return false;
  }
  if (!silentSuccess) ctx.out.write(`Success: ${action} for member ${member}\n`);
  return true;
}

const clusterName = (parsed: ParsedCommand) => String(parsed.args.cluster_name);
const common = (parsed: ParsedCommand) => ({
  clusterName: clusterName(parsed),
  names: optList(parsed.args.member_names),
  role: (optString(parsed.options.role) ?? 'any') as CtlRole,
  force: parsed.options.force === true,
});

export async function runReload(ctx: CtlContext, parsed: ParsedCommand): Promise<number> {
  await withCluster(ctx, clusterName(parsed), async (cluster) => {
    for (const member of await selectMembers(ctx, cluster, { ...common(parsed), action: 'reload' })) {
      const response = await ctx.rest.request(apiUrl(member), 'POST', 'reload');
      if (response.status === 200) ctx.out.write(`No changes to apply on member ${member.name}\n`);
      else if (response.status === 202) {
        ctx.out.write(
          `Reload request received for member ${member.name} and will be processed within ${loopWaitSeconds(cluster)} seconds\n`,
        );
      } else
        ctx.out.write(
          `Failed: reload for member ${member.name}, status code=${response.status}, (${response.body})\n`,
        );
    }
  });
  return 0;
}

/** `X.Y` (X ≥ 10) or `X.Y.Z`, as Patroni's `postgres_version_to_int` accepts. */
export function checkPgVersion(version: string): void {
  const parts = version.split('.');
  if (parts.some((p) => !/^\s*[+-]?\d+\s*$/.test(p)))
    throw ctlError(`Invalid PostgreSQL version format: X.Y or X.Y.Z is accepted: ${version}`);
  const numbers = parts.map(Number);
  if (numbers.length < 2 || numbers.length > 3 || (numbers.length === 2 && (numbers[0] as number) < 10)) {
    throw ctlError(`Invalid PostgreSQL version: ${version}`);
  }
}

async function restartBody(
  ctx: CtlContext,
  parsed: ParsedCommand,
  paused: boolean,
  scheduledIso: string | null,
): Promise<Record<string, unknown>> {
  const force = parsed.options.force === true;
  const body: Record<string, unknown> = {};
  if (parsed.options.pending === true) body.restart_pending = true;
  let version = optString(parsed.options.pgVersion);
  if (version === undefined && !force)
    version = await ask(ctx, 'Restart if the PostgreSQL version is less than provided (e.g. 9.5.2) ', {
      default: '',
    });
  if (version) {
    checkPgVersion(version);
    body.postgres_version = version;
  }
  if (scheduledIso) {
    if (paused) throw ctlError("Can't schedule restart in the paused state");
    body.schedule = scheduledIso;
  }
  const timeout = optString(parsed.options.timeout);
  if (timeout !== undefined) body.timeout = timeout;
  return body;
}

export async function runRestart(ctx: CtlContext, parsed: ParsedCommand): Promise<number> {
  const options = common(parsed);
  await withCluster(ctx, options.clusterName, async (cluster) => {
    let members = await selectMembers(ctx, cluster, {
      ...options,
      action: 'restart',
      askConfirmation: false,
    });
    let scheduledText_ = optString(parsed.options.scheduled);
    if (scheduledText_ === undefined && !options.force) {
      scheduledText_ = await ask(ctx, `When should the restart take place (e.g. ${inAnHour(ctx.now())}) `, {
        default: 'now',
      });
    }
    const scheduled = parseScheduled(scheduledText_);
    const pending = parsed.options.pending === true;
    if (pending && !scheduled) members = members.filter((m) => m.data.pending_restart === true);
    if (parsed.options.any === true && members.length > 1)
      members = [members[Math.floor(Math.random() * members.length)] as Member];
    await confirmMembersAction(
      ctx,
      members,
      options.force,
      'restart',
      scheduled ? scheduledText(scheduled) : null,
      pending,
    );
    const body = await restartBody(ctx, parsed, configFlags(cluster).paused, scheduled?.iso ?? null);
    for (const member of members) {
      if (body.schedule !== undefined && options.force && member.data.scheduled_restart) {
        checkResponse(
          ctx,
          await ctx.rest.request(apiUrl(member), 'DELETE', 'restart'),
          member.name,
          'flush scheduled restart',
          true,
        );
      }
      const response = await ctx.rest.request(apiUrl(member), 'POST', 'restart', body);
      if (response.status === 200) ctx.out.write(`Success: restart on member ${member.name}\n`);
      else if (response.status === 202)
        ctx.out.write(`Success: restart scheduled on member ${member.name}\n`);
      else if (response.status === 409)
        ctx.out.write(`Failed: another restart is already scheduled on member ${member.name}\n`);
      else
        ctx.out.write(
          `Failed: restart for member ${member.name}, status code=${response.status}, (${response.body})\n`,
        );
    }
  });
  return 0;
}

async function waitForReinit(ctx: CtlContext, members: Member[]): Promise<void> {
  let shown = '';
  const waiting = [...members];
  while (waiting.length > 0) {
    const names = waiting.map((m) => m.name).join(', ');
    if (names !== shown) ctx.out.write(`Waiting for reinitialize to complete on: ${names}\n`);
    shown = names;
    await ctx.sleep(2000);
    for (const member of [...waiting]) {
      const response = await ctx.rest.request(apiUrl(member), 'GET', 'patroni');
      const data = JSON.parse(response.body) as { state?: string };
      if (data.state !== 'creating replica') {
        ctx.out.write(`Reinitialize is completed on: ${member.name}\n`);
        waiting.splice(waiting.indexOf(member), 1);
      }
    }
  }
}

export async function runReinit(ctx: CtlContext, parsed: ParsedCommand): Promise<number> {
  const options = { ...common(parsed), role: 'replica' as const };
  await withCluster(ctx, options.clusterName, async (cluster) => {
    const started: Member[] = [];
    for (const member of await selectMembers(ctx, cluster, { ...options, action: 'reinitialize' })) {
      const body = { force: options.force, from_leader: parsed.options.fromLeader === true };
      for (;;) {
        const response = await ctx.rest.request(apiUrl(member), 'POST', 'reinitialize', body);
        const ok = checkResponse(ctx, response, member.name, 'reinitialize');
        if (
          !ok &&
          response.body.endsWith(' already in progress') &&
          !options.force &&
          (await confirm(ctx, 'Do you want to cancel it and reinitialize anyway?'))
        ) {
          body.force = true;
          continue;
        }
        if (ok && parsed.options.wait === true) started.push(member);
        break;
      }
    }
    await waitForReinit(ctx, started);
  });
  return 0;
}

export async function runFlush(ctx: CtlContext, parsed: ParsedCommand): Promise<number> {
  const target = String(parsed.args.target);
  if (target !== 'restart' && target !== 'switchover') {
    throw ctlError(
      `Invalid value for '{restart|switchover}': '${target}' is not one of 'restart', 'switchover'.`,
    );
  }
  const options = common(parsed);
  await withCluster(ctx, options.clusterName, async (cluster, dcs) => {
    if (target === 'restart') {
      for (const member of await selectMembers(ctx, cluster, { ...options, action: 'flush' })) {
        if (member.data.scheduled_restart)
          checkResponse(
            ctx,
            await ctx.rest.request(apiUrl(member), 'DELETE', 'restart'),
            member.name,
            'flush scheduled restart',
          );
        else ctx.out.write(`No scheduled restart for member ${member.name}\n`);
      }
      return;
    }
    const failover = cluster.failover;
    if (!failover?.scheduledAt) {
      ctx.out.write('No pending scheduled switchover\n');
      return;
    }
    for (const member of membersLeaderFirst(cluster)) {
      try {
        const response = await ctx.rest.request(apiUrl(member), 'DELETE', 'switchover');
        if (response.status === 200 || response.status === 404) {
          ctx.out.write(`${response.status === 200 ? 'Success' : 'Failed'}: ${response.body}\n`);
          return;
        }
        ctx.out.write(`Failed: member=${member.name}, status_code=${response.status}, (${response.body})\n`);
      } catch (error) {
        ctx.err.write(`${(error as Error).message}\nMember ${member.name} is not accessible\n`);
      }
    }
    ctx.out.write(
      `${ctlTimestamp(ctx.now())} Could not find any accessible member of cluster ${options.clusterName}\n`,
    );
    await dcs.setFailover({}, failover.version);
  });
  return 0;
}
