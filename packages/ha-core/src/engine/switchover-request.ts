import type { DynamicConfig } from '../config/types.js';
import { getMember, leaderName, syncMatches } from '../model/cluster-queries.js';
import type { Cluster, MemberName } from '../model/types.js';
import type { PeerTarget } from './effects.js';
import { parsePeerStatus } from './peer-status.js';

/** A `POST /switchover` or `POST /failover` body, already decoded (`member` folded into `candidate`). */
export interface SwitchoverRequestInput {
  readonly kind: 'switchover' | 'failover';
  readonly leader: MemberName | null;
  readonly candidate: MemberName | null;
  /** `scheduled_at` was given (its timestamp is parsed and validated by the REST layer). */
  readonly scheduled: boolean;
}

export type SwitchoverCheck =
  | { readonly ok: false; readonly status: 400 | 412; readonly message: string }
  | {
      readonly ok: true;
      /** `failover` with a leader becomes `switchover`. */
      readonly kind: 'switchover' | 'failover';
      readonly leader: MemberName | null;
      readonly candidate: MemberName | null;
      /** Peers whose `/patroni` must show one good candidate (empty when scheduled: no feasibility check). */
      readonly pollTargets: readonly PeerTarget[];
      readonly warning: string | null;
    };

function apiUrlOf(cluster: Cluster, name: MemberName): string | null {
  const url = getMember(cluster, name)?.data.api_url;
  return typeof url === 'string' && url ? url : null;
}

/** rest-api.md §14.1 steps 1-6 up to the peer poll: 400/412 answers with Patroni's texts. Pure. */
export function checkSwitchoverRequest(
  request: SwitchoverRequestInput,
  cluster: Cluster,
  config: Pick<DynamicConfig, 'paused' | 'synchronousMode' | 'standbyCluster'>,
): SwitchoverCheck {
  const bad = (message: string, status: 400 | 412 = 400): SwitchoverCheck => ({ ok: false, status, message });
  if (request.kind === 'failover' && !request.candidate)
    return bad('Failover could be performed only to a specific candidate');
  if (request.kind === 'switchover' && !request.leader)
    return bad('Switchover could be performed only from a specific leader');
  if (request.scheduled) {
    if (request.kind === 'failover') return bad("Failover can't be scheduled");
    if (config.paused) return bad("Can't schedule switchover in the paused state");
  }
  if (config.paused && !request.candidate)
    return bad('Switchover is possible only to a specific candidate in a paused state');
  let kind = request.kind;
  let warning: string | null = null;
  if (kind === 'failover' && request.leader) {
    kind = 'switchover';
    warning = 'Failover request with a leader specifed - performing switchover';
  }
  if (request.leader && request.leader === request.candidate)
    return bad('Switchover target and source are the same');
  const base = { ok: true as const, kind, leader: request.leader, candidate: request.candidate, warning };
  if (request.scheduled) return { ...base, pollTargets: [] };
  const current = leaderName(cluster);
  if (request.leader && request.leader !== current) return bad('leader name does not match', 412);
  const syncMode = config.synchronousMode === 'on' && config.standbyCluster === null;
  // Patroni writes the action lower-case here (`switchover is not possible: ...`), unlike its other texts.
  const action = kind;
  let names: MemberName[];
  if (request.candidate) {
    if (kind === 'switchover' && syncMode && !syncMatches(cluster.sync, request.candidate, false)) {
      return bad('candidate name does not match with sync_standby', 412);
    }
    if (!getMember(cluster, request.candidate)) return bad('candidate does not exists', 412);
    names = [request.candidate];
  } else if (syncMode) {
    names = cluster.members.map((m) => m.name).filter((n) => syncMatches(cluster.sync, n, false));
    if (names.length === 0) return bad(`${action} is not possible: can not find sync_standby`, 412);
  } else {
    names = cluster.members.map((m) => m.name).filter((n) => n !== current && apiUrlOf(cluster, n) !== null);
    if (names.length === 0)
      return bad(`${action} is not possible: cluster does not have members except leader`, 412);
  }
  const pollTargets = names.flatMap((name) => {
    const apiUrl = apiUrlOf(cluster, name);
    return apiUrl ? [{ name, apiUrl }] : [];
  });
  return { ...base, pollTargets };
}

/** Step 6's last check: at least one polled peer is reachable, promotable and watchdog capable. */
export function checkSwitchoverCandidates(
  kind: 'switchover' | 'failover',
  targets: readonly PeerTarget[],
  bodies: readonly unknown[],
): { ok: true } | { ok: false; status: 412; message: string } {
  const good = targets.some(
    (target, index) => parsePeerStatus(target.name, bodies[index] ?? null).limitation === null,
  );
  if (good) return { ok: true };
  const action = kind;
  return { ok: false, status: 412, message: `${action} is not possible: no good candidates have been found` };
}
