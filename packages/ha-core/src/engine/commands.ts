import type { DynamicConfig } from '../config/types.js';
import { leaderName } from '../model/cluster-queries.js';
import type { Cluster, MemberName } from '../model/types.js';
import type { ActionWork } from './actions.js';
import { cloneSource } from './rewind.js';
import { upstreamFromMember } from './upstream.js';

export type CommandPlan =
  | { readonly ok: false; readonly status: 503; readonly message: string }
  | { readonly ok: true; readonly name: string; readonly work: ActionWork };

/**
 * `POST /reinitialize` (rest-api.md §13) decided from the last snapshot: refusals with Patroni's texts, or the
 * `reinitialize` action (stop immediately, remove the data directory, clone, start as replica). Pure.
 */
export function planReinitialize(request: {
  readonly cluster: Cluster;
  readonly me: MemberName;
  readonly config: DynamicConfig;
  readonly random: number;
  /** The long action running now (null: none, or it will be cancelled because of `force`). */
  readonly runningAction: string | null;
  /** [4.x] clone from the leader only, ignoring `clonefrom` members. */
  readonly fromLeader: boolean;
}): CommandPlan {
  const { cluster, me, config } = request;
  const leader = leaderName(cluster);
  if (!leader || !cluster.leader)
    return { ok: false, status: 503, message: 'Cluster has no leader, can not reinitialize' };
  if (leader === me) return { ok: false, status: 503, message: 'I am the leader, can not reinitialize' };
  if (request.runningAction)
    return { ok: false, status: 503, message: `${request.runningAction} already in progress` };
  const upstream = upstreamFromMember({ config, me }, cluster.leader.member);
  const source = request.fromLeader
    ? upstream
    : cloneSource({ config, me, cluster, input: { random: request.random } });
  return {
    ok: true,
    name: 'reinitialize',
    work: {
      kind: 'reinitialize',
      source,
      start: { role: 'replica', upstream, timeoutMs: config.primaryStartTimeoutMs },
    },
  };
}
