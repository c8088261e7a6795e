/** One entry of Patroni's GET /cluster `members`, reduced to what the harness reads. */
export interface ClusterMemberView {
  readonly name: string;
  /** `leader`, `standby_leader`, `replica`, `sync_standby`, … (3.0.2 spelling; 4.x may differ in state). */
  readonly role: string;
  /** `running` for a healthy member in 3.0.2; 4.x reports `streaming` for replicas. */
  readonly state: string;
  readonly timeline: number | undefined;
  /** The member's REST API root (`api_url` without its `/patroni` tail), when published. */
  readonly restUrl: string | undefined;
}

export type RestAnswer<T> =
  | { readonly ok: true; readonly status: number; readonly body: T }
  | { readonly ok: false; readonly error: string };

/** GET a JSON document from a Patroni REST API; any failure (refused, timeout, bad JSON) is a value. */
export async function getJson(url: string, timeoutMs = 2_000): Promise<RestAnswer<unknown>> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    return { ok: true, status: response.status, body: text.length > 0 ? JSON.parse(text) : undefined };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/** The HTTP status of GET `url`, or undefined when nothing answered. */
export async function getStatus(url: string, timeoutMs = 2_000): Promise<number | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return undefined;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Parses GET /cluster; members with a missing name are dropped rather than crashing the harness. */
export function parseClusterMembers(body: unknown): ClusterMemberView[] {
  if (!isRecord(body) || !Array.isArray(body.members)) return [];
  const members: ClusterMemberView[] = [];
  for (const item of body.members) {
    if (!isRecord(item) || typeof item.name !== 'string') continue;
    members.push({
      name: item.name,
      role: typeof item.role === 'string' ? item.role : 'unknown',
      state: typeof item.state === 'string' ? item.state : 'unknown',
      timeline: typeof item.timeline === 'number' ? item.timeline : undefined,
      restUrl: typeof item.api_url === 'string' ? item.api_url.replace(/\/patroni$/, '') : undefined,
    });
  }
  return members;
}

export async function fetchClusterMembers(restPort: number): Promise<ClusterMemberView[] | undefined> {
  const answer = await getJson(`http://127.0.0.1:${restPort}/cluster`);
  return answer.ok && answer.status === 200 ? parseClusterMembers(answer.body) : undefined;
}

export const leaderRoles: ReadonlySet<string> = new Set(['leader', 'master', 'primary', 'standby_leader']);
export const healthyStates: ReadonlySet<string> = new Set(['running', 'streaming']);
