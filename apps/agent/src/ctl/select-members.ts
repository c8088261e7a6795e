import type { Cluster, Member } from '@patroni/ha-core';
import { ctlError } from '../errors.js';
import { ask, type CtlContext, confirm, printMembers } from './context.js';

/** `-r/--role` choices (Patroni 4.x: `master` is gone). */
export const ROLE_CHOICES = ['leader', 'primary', 'standby-leader', 'replica', 'standby', 'any'] as const;
export type CtlRole = (typeof ROLE_CHOICES)[number];

const PRIMARY_ROLES = new Set(['primary', 'master']);

/** Members with `role` (patronictl.md §2.2). */
export function membersWithRole(cluster: Cluster, role: CtlRole): Member[] {
  const leader = cluster.leader;
  if (role === 'leader' || role === 'primary' || role === 'standby-leader') {
    if (!leader?.name) return [];
    const published = String(leader.member.data.role ?? '');
    const matches =
      role === 'leader' ||
      (role === 'standby-leader' && !PRIMARY_ROLES.has(published)) ||
      (role === 'primary' && published !== 'standby_leader');
    return matches ? [leader.member] : [];
  }
  return cluster.members.filter((m) => role === 'any' || m.name !== leader?.name);
}

/** Members with an API URL, the leader first (pause/resume, flush switchover). */
export function membersLeaderFirst(cluster: Cluster): Member[] {
  const leader = cluster.leader?.member.data.api_url ? cluster.leader.member : null;
  return [
    ...(leader ? [leader] : []),
    ...cluster.members.filter((m) => m.data.api_url && m.name !== leader?.name),
  ];
}

export interface SelectOptions {
  readonly clusterName: string;
  readonly names: readonly string[];
  readonly role: CtlRole;
  readonly force: boolean;
  readonly action: 'reload' | 'restart' | 'reinitialize' | 'flush';
  readonly askConfirmation?: boolean;
}

/** `get_members` (patronictl.md §2.3): prints the table, narrows by names/role, prompts and confirms. */
export async function selectMembers(
  ctx: CtlContext,
  cluster: Cluster,
  options: SelectOptions,
): Promise<Member[]> {
  const members = membersWithRole(cluster, options.role);
  const candidates = members.map((m) => m.name);
  if (options.names.length === 0 && candidates.length === 0)
    throw ctlError(`${options.clusterName} cluster doesn't have any members`);
  printMembers(ctx, cluster, options.clusterName);
  let names: string[];
  if (options.names.length > 0) {
    names = candidates.filter((c) => options.names.includes(c));
    if (names.length === 0) throw ctlError(`No ${options.role} among provided members`);
  } else names = options.action === 'reinitialize' ? [] : candidates;
  if (names.length === 0 && !options.force) {
    names = [
      await ask(ctx, `Which member do you want to ${options.action} [${candidates.join(', ')}]?`, {
        default: '',
      }),
    ];
  }
  for (const name of names)
    if (!candidates.includes(name)) throw ctlError(`${name} is not a member of cluster`);
  const chosen = members.filter((m) => names.includes(m.name));
  if (options.askConfirmation !== false)
    await confirmMembersAction(ctx, chosen, options.force, options.action);
  return chosen;
}

export async function confirmMembersAction(
  ctx: CtlContext,
  members: readonly Member[],
  force: boolean,
  action: string,
  scheduledAt?: string | null,
  pending?: boolean,
): Promise<void> {
  if (force) return;
  const names = members.map((m) => m.name).join(', ');
  if (scheduledAt) {
    const text = pending
      ? 'The nodes needing a restart will be identified at the scheduled time, and might be different from the ones showing pending restart right now. Is this fine?'
      : `Are you sure you want to schedule ${action} of members ${names} at ${scheduledAt}?`;
    if (!(await confirm(ctx, text))) throw ctlError(`Aborted scheduled ${action}`);
  } else if (!(await confirm(ctx, `Are you sure you want to ${action} members ${names}?`))) {
    throw ctlError(`Aborted ${action}`);
  }
}
