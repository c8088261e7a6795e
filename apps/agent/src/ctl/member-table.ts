import type { Cluster } from '@patroni/ha-core';
import { type ClusterView, clusterAsJson, type MemberView } from './cluster-view.js';
import { type OutputFormat, printOutput } from './output.js';

/** Members in tree order: the leader, then recursively those replicating from each (patronictl.md §3.4). */
export function topologySort(members: readonly MemberView[]): MemberView[] {
  const isLeader = (m: MemberView) => m.role.endsWith('leader');
  const leader = members.find(isLeader);
  const replicas = new Set(members.filter((m) => !isLeader(m)).map((m) => m.name));
  const children = new Map<string | null, MemberView[]>();
  for (const member of members) {
    if (isLeader(member)) continue;
    const from = member.tags?.replicatefrom;
    const parent =
      typeof from === 'string' && from !== member.name && replicas.has(from) ? from : (leader?.name ?? null);
    children.set(parent, [...(children.get(parent) ?? []), member]);
  }
  const out: MemberView[] = [];
  const visit = (member: MemberView, level: number) => {
    const name = level > 0 ? `${' '.repeat((level - 1) * 2)}+ ${member.name}` : member.name;
    if (name) out.push({ ...member, name });
    for (const child of children.get(member.name) ?? []) visit(child, level + 1);
  };
  visit(leader ?? ({ name: '', role: 'leader', state: '', api_url: null } as MemberView), 0);
  if (leader === undefined) for (const child of children.get(null) ?? []) visit(child, 1);
  return out;
}

const OPTIONAL_COLUMNS = ['Pending restart', 'Pending restart reason', 'Scheduled restart', 'Tags'] as const;
const key = (column: string) => column.toLowerCase().replaceAll(' ', '_');

function lagMb(value: unknown): unknown {
  if (typeof value === 'number') return Math.round(value / 1024 / 1024);
  return value === 'unknown' ? '' : (value ?? '');
}

function restartReason(member: MemberView, hideLong: boolean): string {
  return Object.entries(member.pending_restart_reason ?? {})
    .map(([param, values]) => {
      const full = `${param}: ${values.old_value}->${values.new_value}`;
      return hideLong && full.length > 50 ? `${param}: [hidden - too long]` : full;
    })
    .join('\n');
}

function memberRow(
  member: MemberView,
  clusterName: string,
  format: OutputFormat,
  appendPort: boolean,
): Record<string, unknown> {
  let receiveLag: unknown = member.receive_lag ?? '';
  let replayLag: unknown = member.replay_lag ?? '';
  let receiveLsn: unknown = member.receive_lsn ?? '';
  let replayLsn: unknown = member.replay_lsn ?? '';
  const lsn = member.lsn ?? '';
  // Members running 3.x publish only xlog_location: show it as receive or replay position.
  if (receiveLsn === 'unknown' && replayLsn === 'unknown' && lsn && lsn !== 'unknown') {
    if (member.state === 'streaming') [receiveLag, receiveLsn] = [member.lag, lsn];
    else [replayLag, replayLsn] = [member.lag, lsn];
  }
  let host = member.host ?? '';
  if (appendPort && host && member.port) host = `${host}:${member.port}`;
  let scheduled: unknown = '';
  if (member.scheduled_restart) {
    const schedule = member.scheduled_restart;
    scheduled = String(schedule.schedule ?? '');
    if (schedule.postgres_version !== undefined)
      scheduled += ` if version < ${String(schedule.postgres_version)}`;
  }
  return {
    cluster: clusterName,
    member: member.name,
    host,
    role: member.role.replaceAll('_', ' ').replace(/\b\w/g, (c) => c.toUpperCase()),
    state: member.state,
    tl: member.timeline ?? '',
    receive_lsn: receiveLsn,
    receive_lag: lagMb(receiveLag),
    replay_lsn: replayLsn,
    replay_lag: lagMb(replayLag),
    pending_restart: member.pending_restart ? '*' : '',
    pending_restart_reason: restartReason(member, format === 'pretty' || format === 'topology'),
    scheduled_restart: scheduled,
    tags: member.tags ?? '',
  };
}

/** Footer lines: maintenance mode and a scheduled switchover (patronictl.md §3.2). */
export function serviceInfo(view: ClusterView): string[] {
  const info: string[] = [];
  if (view.pause) info.push('Maintenance mode: on');
  const scheduled = view.scheduled_switchover;
  if (scheduled) {
    let line = `Switchover scheduled at: ${scheduled.at}`;
    if (scheduled.from !== undefined) line += `\n${'from'.padStart(24)}: ${scheduled.from}`;
    if (scheduled.to !== undefined) line += `\n${'to'.padStart(24)}: ${scheduled.to}`;
    info.push(line);
  }
  return info;
}

/** The title: ` Cluster: <name> (<system id | uninitialized | initializing>) `. */
export function clusterTitle(cluster: Cluster, name: string): string {
  const initialize =
    cluster.initialize === null
      ? 'uninitialized'
      : cluster.initialize === ''
        ? 'initializing'
        : cluster.initialize;
  return ` Cluster: ${name} (${initialize}) `;
}

/** `output_members`: the member table of `list`/`topology` and the other commands, as text. */
export interface MemberTableOptions {
  readonly extended?: boolean;
  readonly format?: OutputFormat;
}

export function formatMembers(
  cluster: Cluster,
  clusterName: string,
  options: MemberTableOptions = {},
): string {
  const format = options.format ?? 'pretty';
  const view = clusterAsJson(cluster, clusterName);
  const columns = [
    'Cluster',
    'Member',
    'Host',
    'Role',
    'State',
    'TL',
    'Receive LSN',
    'Receive Lag',
    'Replay LSN',
    'Replay Lag',
  ];
  const withHost = view.members.filter((m) => m.host !== undefined);
  for (const column of OPTIONAL_COLUMNS) {
    if (options.extended || withHost.some((m) => Boolean(m[key(column)]))) columns.push(column);
  }
  const appendPort =
    withHost.some((m) => m.port !== undefined && m.port !== 5432) ||
    new Set(withHost.map((m) => m.host)).size < withHost.length;
  const members = format === 'topology' ? topologySort(view.members) : view.members;
  const rows = members.map((member) => {
    const row = memberRow(member, clusterName, format, appendPort);
    return columns.map((column) => row[key(column)] ?? '');
  });
  if (format === 'pretty' || format === 'topology') {
    columns[columns.indexOf('Receive Lag')] = 'Lag';
    columns[columns.indexOf('Replay Lag')] = 'Lag';
  }
  const rightAligned = new Set(['Group', 'Receive LSN', 'Replay LSN', 'Lag', 'TL']);
  let text = printOutput(columns, rows, { format, title: clusterTitle(cluster, clusterName), rightAligned });
  if (format === 'pretty' || format === 'topology') {
    const info = serviceInfo(view);
    if (info.length > 0) text += ` ${info.join('\n ')}\n`;
  }
  return text;
}
