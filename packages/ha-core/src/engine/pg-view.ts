import { asLsn, type Lsn } from '../model/types.js';
import type { PostgresObservation } from '../ports/postgres.js';
import type { AgentRole } from './types.js';

/** Questions the cycle asks about the local Postgres observation. */
export interface PgView {
  readonly obs: PostgresObservation;
  /** The postmaster is alive (Patroni `is_healthy` / `is_running`). */
  readonly running: boolean;
  readonly starting: boolean;
  /** Running and not in recovery (falls back to the tracked role when the query failed). */
  readonly primary: boolean;
  /** Primary: flush LSN; replica: max(received, replayed); 0 when unknown. */
  readonly walPosition: Lsn;
  readonly timeline: number | null;
  readonly sysid: string | null;
}

export function viewPostgres(obs: PostgresObservation, role: AgentRole): PgView {
  const running = obs.postmasterRunning;
  const query = obs.query;
  // A failed status query must not make a primary look like a replica (it would skip the demotion checks).
  const primary = running && (query ? !query.inRecovery : role === 'primary' || role === 'promoted');
  let walPosition = asLsn(0);
  if (query) {
    walPosition = query.inRecovery
      ? asLsn(Math.max(query.receivedLsn, query.replayedLsn))
      : query.walPosition;
  }
  return {
    obs,
    running,
    starting: running && obs.state === 'starting',
    primary,
    walPosition,
    timeline: query?.timeline ?? null,
    sysid: obs.sysid,
  };
}

/** A system identifier is valid when it is all digits and at least 10 characters long (dcs.md §3.1). */
export function isValidSysid(value: string | null | undefined): value is string {
  return typeof value === 'string' && /^\d{10,}$/.test(value);
}
