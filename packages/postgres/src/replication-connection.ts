import { asLsn, type Lsn, parseLsn, type Timeline } from '@patroni/ha-core';
import pg from 'pg';

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

/** A physical replication connection (`replication=true`) for IDENTIFY_SYSTEM / TIMELINE_HISTORY. */
export async function withReplicationConnection<T>(
  config: pg.ClientConfig,
  work: (run: (command: string) => Promise<Record<string, unknown>[]>) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({
    ...config,
    replication: 'true',
    connectionTimeoutMillis: 3000,
  } as pg.ClientConfig);
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(async (command) => (await client.query(command)).rows);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function identifySystem(
  run: (c: string) => Promise<Record<string, unknown>[]>,
): Promise<IdentifySystem> {
  const row = (await run('IDENTIFY_SYSTEM'))[0] ?? {};
  return {
    systemId: String(row.systemid),
    timeline: Number(row.timeline),
    xlogpos: row.xlogpos ? parseLsn(String(row.xlogpos)) : asLsn(0),
  };
}

export async function timelineHistory(
  run: (c: string) => Promise<Record<string, unknown>[]>,
  timeline: Timeline,
): Promise<HistoryEntry[]> {
  const row = (await run(`TIMELINE_HISTORY ${timeline}`))[0] ?? {};
  const content = row.content;
  return parseTimelineHistory(Buffer.isBuffer(content) ? content.toString('utf8') : String(content ?? ''));
}
