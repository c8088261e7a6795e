/**
 * `synchronous_standby_names` as PostgreSQL reads it, for the simulated primary: which connected standbys
 * count for a commit, and the `sync_state` pg_stat_replication shows.
 */
export interface SyncRule {
  readonly method: 'first' | 'any';
  readonly count: number;
  /** Lower-cased names in priority order; `*` matches any standby. */
  readonly names: readonly string[];
}

/** null: no synchronous replication (empty or unparseable value, which PG would reject). */
export function parseSyncNames(value: string): SyncRule | null {
  const text = value.trim();
  if (text === '') return null;
  const match = /^(?:(FIRST|ANY)\s+)?(\d+)\s*\((.*)\)$/i.exec(text);
  if (match) {
    const names = splitNames(match[3] ?? '');
    const count = Number(match[2]);
    if (names.length === 0 || count < 1) return null;
    return { method: match[1]?.toLowerCase() === 'any' ? 'any' : 'first', count, names };
  }
  const names = splitNames(text);
  return names.length === 0 ? null : { method: 'first', count: 1, names };
}

function splitNames(list: string): string[] {
  return list
    .split(',')
    .map((n) =>
      n
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .toLowerCase(),
    )
    .filter((n) => n !== '');
}

function priority(rule: SyncRule, name: string): number {
  const lower = name.toLowerCase();
  const index = rule.names.findIndex((n) => n === lower || n === '*');
  return index;
}

/** The standbys whose flush position gates commits (FIRST: the `count` best-priority connected ones). */
export function syncStates(
  rule: SyncRule | null,
  connected: readonly string[],
): Map<string, 'sync' | 'quorum' | 'potential' | 'async'> {
  const states = new Map<string, 'sync' | 'quorum' | 'potential' | 'async'>();
  const listed = rule
    ? [...connected]
        .filter((n) => priority(rule, n) >= 0)
        .sort((a, b) => priority(rule, a) - priority(rule, b) || (a < b ? -1 : a > b ? 1 : 0))
    : [];
  for (const name of connected) states.set(name, 'async');
  if (!rule) return states;
  listed.forEach((name, i) => {
    if (rule.method === 'any') states.set(name, 'quorum');
    else states.set(name, i < rule.count ? 'sync' : 'potential');
  });
  return states;
}

/**
 * Whether a commit ending at `lsn` is acknowledged, given each connected standby's flush position.
 * FIRST n: the n chosen standbys must all have it (fewer than n connected → it waits); ANY n: any n listed.
 */
export function commitAcknowledged(
  rule: SyncRule | null,
  flushByStandby: ReadonlyMap<string, number>,
  lsn: number,
): boolean {
  if (!rule) return true;
  const states = syncStates(rule, [...flushByStandby.keys()]);
  let confirmed = 0;
  let chosen = 0;
  for (const [name, state] of states) {
    const has = (flushByStandby.get(name) ?? 0) >= lsn;
    if (rule.method === 'first' && state === 'sync') {
      chosen++;
      if (has) confirmed++;
    }
    if (rule.method === 'any' && state === 'quorum' && has) confirmed++;
  }
  return rule.method === 'first' ? chosen >= rule.count && confirmed === chosen : confirmed >= rule.count;
}
