import { asLsn, type Lsn, parseLsn, type Timeline } from '@patroni/ha-core';
import type pg from 'pg';
import { connectOptionsOf, HeartbeatConnection, HeartbeatUnsupported } from './heartbeat-connection.js';
import { newPgClient } from './pg-driver.js';

export interface IdentifySystem {
  readonly systemId: string;
  readonly timeline: Timeline;
  readonly xlogpos: Lsn;
}

export interface HistoryEntry {
  readonly parentTimeline: Timeline;
  readonly switchpoint: Lsn;
  /** The third column (`no recovery target specified`, ...); '' when absent. */
  readonly reason?: string;
}

/** `<parent tl>\t<switch lsn>\t<reason>` lines of a timeline history file (postgres.md §4.4). */
export function parseTimelineHistory(content: string): HistoryEntry[] {
  const entries: HistoryEntry[] = [];
  for (const line of content.split('\n')) {
    const match = /^\s*(\d+)\s+([0-9A-Fa-f]+\/[0-9A-Fa-f]+)(?:\s+(.*?))?\s*$/.exec(line);
    if (match)
      entries.push({
        parentTimeline: Number(match[1]),
        switchpoint: parseLsn(match[2] as string),
        reason: match[3] ?? '',
      });
  }
  return entries;
}

export type Run = (command: string) => Promise<Record<string, unknown>[]>;

/** A physical replication connection (`replication=true`) for IDENTIFY_SYSTEM / TIMELINE_HISTORY. */
export function withReplicationConnection<T>(
  config: pg.ClientConfig,
  work: (run: Run) => Promise<T>,
): Promise<T> {
  return withTextConnection({ ...config, connectionTimeoutMillis: 3000 }, work, { replication: true });
}

/**
 * A one-off connection whose rows are read as text (cast what must not be: booleans come back 't'/'f' from
 * the heartbeat client, true/false from node-postgres). Spoken by the heartbeat connection's client where it
 * can log in, so a replica's timeline and divergence checks load no node-postgres; else by node-postgres.
 */
export async function withTextConnection<T>(
  config: pg.ClientConfig,
  work: (run: Run) => Promise<T>,
  { replication = false }: { readonly replication?: boolean } = {},
): Promise<T> {
  let connection: HeartbeatConnection | null = null;
  try {
    connection = await HeartbeatConnection.open(connectOptionsOf(config, { replication }));
  } catch (error) {
    if (!(error instanceof HeartbeatUnsupported)) throw error;
  }
  if (connection !== null) {
    const open = connection;
    try {
      return await work(async (command) => {
        const { columns, rows } = await open.query(command);
        return rows.map((row) => Object.fromEntries(columns.map((column, i) => [column, row[i] ?? null])));
      });
    } finally {
      open.close();
    }
  }
  const client = await newPgClient({
    ...config,
    ...(replication ? { replication: 'true' } : {}),
  } as pg.ClientConfig);
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(async (command) => (await client.query(command)).rows);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function identifySystem(run: Run): Promise<IdentifySystem> {
  const row = (await run('IDENTIFY_SYSTEM'))[0] ?? {};
  return {
    systemId: String(row.systemid),
    timeline: Number(row.timeline),
    xlogpos: row.xlogpos ? parseLsn(String(row.xlogpos)) : asLsn(0),
  };
}

export async function timelineHistory(run: Run, timeline: Timeline): Promise<HistoryEntry[]> {
  const row = (await run(`TIMELINE_HISTORY ${timeline}`))[0] ?? {};
  const content = row.content;
  // node-postgres parses the bytea column into a Buffer; as text it is the file itself (the walsender sends
  // it unencoded), or hex should a server ever encode it.
  if (Buffer.isBuffer(content)) return parseTimelineHistory(content.toString('utf8'));
  const text = String(content ?? '');
  return parseTimelineHistory(
    /^\\x[0-9a-fA-F]*$/.test(text) ? Buffer.from(text.slice(2), 'hex').toString('utf8') : text,
  );
}
