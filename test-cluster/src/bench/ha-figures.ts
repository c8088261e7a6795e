import type { PatroniTiming } from '../python-patroni/index.js';
import { type ComparisonRow, median } from './stats.js';

export type Implementation = 'python' | 'ours';
export type ProfileName = 'fast' | 'default';

/**
 * The two timing profiles, the same for both implementations. The fast one uses ttl 20, not 10: our agent
 * follows Patroni 4.x, which raises a ttl below 20 to 20, so ttl 10 would not be the same setting.
 */
export const PROFILES: Readonly<Record<ProfileName, PatroniTiming>> = {
  fast: { ttl: 20, loopWait: 2, retryTimeout: 4 },
  default: { ttl: 30, loopWait: 10, retryTimeout: 10 },
};

/** What one run of the HA scenarios measured; a step that failed leaves its figures undefined. */
export interface HaFigures {
  /** Spawn → every member running with one leader (GET /cluster). */
  bootstrapRunningMs?: number;
  /** Spawn → the leader streams to both replicas (pg_stat_replication). */
  bootstrapStreamingMs?: number;
  /** Mean over the agents, % of one core, over the idle window (the agent process itself). */
  idleCpuPercent?: number;
  /** The same plus the CPU of the short-lived commands it ran and reaped (pg_controldata, ...). */
  idleCpuWithChildrenPercent?: number;
  /** VmRSS of the agent processes (read every 5 s) averaged over the idle window, mean over the agents, MiB. */
  idleRssMiB?: number;
  /** The highest of those readings, mean over the agents, MiB. */
  idleRssPeakMiB?: number;
  /** etcd messages received per second over the idle window, divided by the number of agents. */
  dcsRequestsPerSecPerAgent?: number;
  /** The writer's outage window (through HAProxy) around POST /switchover. */
  switchoverWriteOutageMs?: number;
  /** POST /switchover → the candidate commits a transaction (polled directly every 10 ms, no HAProxy). */
  switchoverNewPrimaryWritableMs?: number;
  /** POST /switchover → the old leader streams from the new one. */
  switchoverOldLeaderStreamsMs?: number;
  /** kill -9 of the leader (agent + PostgreSQL) → first acknowledged write through HAProxy. */
  killToWritableMs?: number;
  /** Seconds etcd said were left on the leader's lease just before the kill (whole seconds). */
  killLeaseLeftS?: number;
  /** kill → the leader key no longer names the dead leader (the lease expired and etcd revoked it). */
  killLeaderKeyGoneMs?: number;
  /** killToWritableMs − killLeaderKeyGoneMs: what the implementation adds after the lease is gone. */
  killWritableAfterKeyGoneMs?: number;
  /**
   * The leader key gone → a surviving member commits a transaction (both polled directly every 10 ms from
   * then on): what the agents add after the lease expired, HAProxy's check phase left out.
   */
  killWritableAfterKeyGoneDirectMs?: number;
  /** Restart of the killed node → it streams from the new leader. */
  rejoinStreamsMs?: number;
  /** Acknowledged writes missing at the end (async replication: a kill -9 may lose some). */
  lostWrites?: number;
  errors: string[];
}

export type NumericFigure = Exclude<keyof HaFigures, 'errors'>;

interface MetricSpec {
  readonly key: NumericFigure;
  readonly label: string;
  readonly unit: string;
  readonly scale: number;
  readonly digits: number;
  readonly target: string;
}

/** Every printed metric, in table order (times shown in seconds). */
export const METRICS: readonly MetricSpec[] = [
  {
    key: 'bootstrapRunningMs',
    label: 'bootstrap, 3 nodes running',
    unit: 's',
    scale: 1e-3,
    digits: 2,
    target: 'no slot wait',
  },
  {
    key: 'bootstrapStreamingMs',
    label: 'bootstrap, replicas streaming',
    unit: 's',
    scale: 1e-3,
    digits: 2,
    target: '',
  },
  {
    key: 'switchoverWriteOutageMs',
    label: 'switchover: write outage',
    unit: 's',
    scale: 1e-3,
    digits: 2,
    target: '≤ 0.5x',
  },
  {
    key: 'switchoverNewPrimaryWritableMs',
    label: 'switchover: new primary takes writes',
    unit: 's',
    scale: 1e-3,
    digits: 2,
    target: '≤ 0.5x',
  },
  {
    key: 'switchoverOldLeaderStreamsMs',
    label: 'switchover: old leader streams',
    unit: 's',
    scale: 1e-3,
    digits: 2,
    target: '≤ 0.5x',
  },
  {
    key: 'killToWritableMs',
    label: 'kill -9: until writes accepted',
    unit: 's',
    scale: 1e-3,
    digits: 2,
    target: '≤ 1x',
  },
  { key: 'killLeaseLeftS', label: 'kill -9: lease left at kill', unit: 's', scale: 1, digits: 0, target: '' },
  {
    key: 'killLeaderKeyGoneMs',
    label: 'kill -9: until leader key gone',
    unit: 's',
    scale: 1e-3,
    digits: 2,
    target: '',
  },
  {
    key: 'killWritableAfterKeyGoneMs',
    label: 'kill -9: writable after key gone',
    unit: 's',
    scale: 1e-3,
    digits: 2,
    target: '≤ 1x',
  },
  {
    key: 'killWritableAfterKeyGoneDirectMs',
    label: 'kill -9: takes writes after key gone (direct)',
    unit: 's',
    scale: 1e-3,
    digits: 2,
    target: '≤ 0.5x',
  },
  {
    key: 'rejoinStreamsMs',
    label: 'rejoin of the killed leader',
    unit: 's',
    scale: 1e-3,
    digits: 2,
    target: '≤ 0.5x',
  },
  { key: 'idleCpuPercent', label: 'idle CPU per agent', unit: '% core', scale: 1, digits: 3, target: '≤ 1x' },
  {
    key: 'idleCpuWithChildrenPercent',
    label: 'idle CPU incl. child commands',
    unit: '% core',
    scale: 1,
    digits: 3,
    target: '≤ 1x',
  },
  {
    key: 'idleRssMiB',
    label: 'RSS per agent (mean over window)',
    unit: 'MiB',
    scale: 1,
    digits: 1,
    target: '≤ 1x',
  },
  {
    key: 'idleRssPeakMiB',
    label: 'RSS per agent (peak in window)',
    unit: 'MiB',
    scale: 1,
    digits: 1,
    target: '',
  },
  {
    key: 'dcsRequestsPerSecPerAgent',
    label: 'DCS requests per agent',
    unit: '/s',
    scale: 1,
    digits: 2,
    target: '',
  },
  { key: 'lostWrites', label: 'lost acknowledged writes', unit: 'rows', scale: 1, digits: 0, target: '' },
];

/** The median of each figure over repeated runs. */
export function medianFigures(runs: readonly HaFigures[]): HaFigures {
  const result: HaFigures = { errors: runs.flatMap((r) => r.errors) };
  for (const { key } of METRICS) {
    const value = median(runs.map((r) => r[key]));
    if (value !== undefined) result[key] = value;
  }
  return result;
}

/** Table rows comparing the medians of both implementations (either side may be absent). */
export function comparisonRows(theirs: HaFigures | undefined, ours: HaFigures | undefined): ComparisonRow[] {
  const scaled = (f: HaFigures | undefined, m: MetricSpec) => {
    const value = f?.[m.key];
    return value === undefined ? undefined : value * m.scale;
  };
  return METRICS.map((m) => ({
    label: m.label,
    unit: m.unit,
    theirs: scaled(theirs, m),
    ours: scaled(ours, m),
    target: m.target,
    digits: m.digits,
  }));
}
