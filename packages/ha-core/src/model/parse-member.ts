import { isJsonObject, tryParseJson } from './json-text.js';
import { parseTags } from './tags.js';
import { asLsn, type KeyVersion, type Member, type MemberData, type MemberName } from './types.js';
import { parseIntLenient } from './value-parsing.js';

export interface MemberDataParse {
  readonly data: MemberData;
  /** Why the value was not usable, when it was not. */
  readonly problem: string | null;
}

/**
 * The Governor-era member value: `postgres://user:pass@host:port/db?application_name=<api_url>`.
 * conn_url is the URL without its query; api_url comes from `application_name`.
 */
function parseLegacyMemberUrl(value: string): MemberData {
  const queryStart = value.indexOf('?');
  if (queryStart < 0) return { conn_url: value };
  const hashStart = value.indexOf('#', queryStart);
  const query = value.slice(queryStart + 1, hashStart < 0 ? undefined : hashStart);
  const connUrl = value.slice(0, queryStart) + (hashStart < 0 ? '' : value.slice(hashStart));
  let apiUrl: string | null = null;
  try {
    apiUrl = new URLSearchParams(query).get('application_name');
  } catch {
    apiUrl = null;
  }
  return apiUrl === null ? { conn_url: connUrl } : { conn_url: connUrl, api_url: apiUrl };
}

/** Member key value → data; anything that is not a JSON object (nor the legacy URL form) becomes `{}`. */
export function parseMemberData(value: string): MemberDataParse {
  if (value.startsWith('postgres')) return { data: parseLegacyMemberUrl(value), problem: null };
  const parsed = tryParseJson(value);
  if (parsed.ok && isJsonObject(parsed.value)) return { data: parsed.value as MemberData, problem: null };
  return { data: {}, problem: 'member value is not a JSON object; treated as {}' };
}

/** `3.0.2` → [3, 0, 2]; missing minor/patch are 0; null when it does not start with a number. */
export function parsePatroniVersion(version: unknown): [number, number, number] | null {
  if (typeof version !== 'string') return null;
  const match = /^\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(version);
  if (!match) return null;
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
}

/** Builds the `Member` view (derived fields included) from parsed data. */
export function buildMember(
  name: MemberName,
  version: KeyVersion | null,
  session: string | null,
  data: MemberData,
): Member {
  const lsn = parseIntLenient(data.xlog_location);
  return {
    name,
    version,
    session,
    data,
    tags: parseTags(data.tags),
    isRunning: data.state === 'running',
    lsn: asLsn(lsn !== null && lsn > 0 ? lsn : 0),
    patroniVersion: parsePatroniVersion(data.version),
  };
}
