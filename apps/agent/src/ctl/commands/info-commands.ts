import { ctlError } from '../../errors.js';
import { agentVersion } from '../../version.js';
import type { CommandSpec, ParsedCommand } from '../args.js';
import { connHostPort } from '../cluster-view.js';
import { type CtlContext, withCluster } from '../context.js';
import { type OutputFormat, printOutput } from '../output.js';
import { type CtlRole, membersWithRole, ROLE_CHOICES } from '../select-members.js';
import { formatOption, groupOption, optList, optString } from './common-options.js';
import { clusterNameArg } from './config-commands.js';

export const historySpec: CommandSpec = {
  name: 'history',
  help: 'Show the history of failovers/switchovers',
  options: [groupOption, formatOption],
  args: [{ name: 'cluster_name' }],
};

export async function runHistory(ctx: CtlContext, parsed: ParsedCommand): Promise<number> {
  await withCluster(ctx, clusterNameArg(ctx, parsed), async (cluster) => {
    const rows = (cluster.history?.lines ?? []).map((line) => {
      const row: unknown[] = [...line];
      while (row.length < 5) row.push('');
      return row;
    });
    const format = parsed.options.format as OutputFormat;
    ctx.out.write(
      printOutput(['TL', 'LSN', 'Reason', 'Timestamp', 'New Leader'], rows, {
        format,
        rightAligned: new Set(['TL', 'LSN']),
      }),
    );
  });
  return 0;
}

export const dsnSpec: CommandSpec = {
  name: 'dsn',
  help: 'Generate a dsn for the provided member, defaults to a dsn of the leader',
  options: [
    {
      names: ['-r', '--role'],
      dest: 'role',
      kind: 'value',
      choices: ROLE_CHOICES,
      help: 'Give a dsn of any member with this role',
    },
    { names: ['-m', '--member'], dest: 'member', kind: 'value', help: 'Generate a dsn for this member' },
    groupOption,
  ],
  args: [{ name: 'cluster_name' }],
};

export async function runDsn(ctx: CtlContext, parsed: ParsedCommand): Promise<number> {
  const role = optString(parsed.options.role) as CtlRole | undefined;
  const memberName = optString(parsed.options.member);
  if (role !== undefined && memberName !== undefined)
    throw ctlError('--role and --member are mutually exclusive options');
  await withCluster(ctx, clusterNameArg(ctx, parsed), async (cluster) => {
    const candidates = membersWithRole(cluster, memberName !== undefined ? 'any' : (role ?? 'leader'));
    const member = candidates.find((m) => memberName === undefined || m.name === memberName);
    if (!member) throw ctlError('Can not find a suitable member');
    const { host, port } = connHostPort(member.data.conn_url);
    ctx.out.write(`host=${host ?? ''} port=${port ?? 5432}\n`);
  });
  return 0;
}

export const versionSpec: CommandSpec = {
  name: 'version',
  help: 'Output version of patronictl command or a running Patroni instance',
  options: [groupOption],
  args: [{ name: 'cluster_name' }, { name: 'member_names', variadic: true }],
};

/** `140008` → `14.8`, `90624` → `9.6.24`. */
export function formatPgVersion(version: number): string {
  if (version < 100000)
    return `${Math.floor(version / 10000)}.${Math.floor(version / 100) % 100}.${version % 100}`;
  return `${Math.floor(version / 10000)}.${version % 100}`;
}

export async function runVersion(ctx: CtlContext, parsed: ParsedCommand): Promise<number> {
  ctx.out.write(`patronictl version ${agentVersion()}\n`);
  const clusterName = optString(parsed.args.cluster_name);
  if (!clusterName) return 0;
  ctx.out.write('\n');
  const names = optList(parsed.args.member_names);
  await withCluster(ctx, clusterName, async (cluster) => {
    for (const member of cluster.members) {
      const apiUrl = member.data.api_url;
      if (typeof apiUrl !== 'string' || (names.length > 0 && !names.includes(member.name))) continue;
      try {
        const response = await ctx.rest.request(apiUrl, 'GET', 'patroni');
        const data = JSON.parse(response.body) as { patroni?: { version?: string }; server_version?: number };
        const pg = data.server_version ? ` PostgreSQL ${formatPgVersion(data.server_version)}` : '';
        ctx.out.write(`${member.name}: Patroni ${data.patroni?.version ?? 'None'}${pg}\n`);
      } catch (error) {
        ctx.out.write(`${member.name}: failed to get version: ${(error as Error).message}\n`);
      }
    }
  });
  return 0;
}
