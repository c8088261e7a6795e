/** Rendering and parsing of `synchronous_standby_names` (postgres.md §10.2, §10.3; compat-notes.md). */

/** Double-quoted with `"` doubled; [4.x] always quoted in Patroni's output (`"pg-2"`). */
export function quoteStandbyName(name: string): string {
  if (name === '*') return '*';
  return `"${name.replace(/"/g, '""')}"`;
}

export type SyncStandbyRequest =
  | { readonly mode: 'priority'; readonly names: readonly string[] }
  | { readonly mode: 'quorum'; readonly numSync: number; readonly names: readonly string[] };

/**
 * The value Patroni 4 writes: names sorted and double-quoted, joined by `,` without spaces.
 * Priority: one name → `"pg-2"`, several → `N ("a","b")`; `*` in the set → `*`; none → null (remove the
 * parameter). Quorum: `ANY n ("a","b")`, an empty set with n ≥ 1 → `*`.
 */
export function renderSynchronousStandbyNames(request: SyncStandbyRequest): string | null {
  const names = [...new Set(request.names)].sort();
  if (request.mode === 'quorum') {
    if (names.length === 0) return request.numSync >= 1 ? '*' : null;
    return `ANY ${request.numSync} (${names.map(quoteStandbyName).join(',')})`;
  }
  if (names.includes('*')) return '*';
  if (names.length === 0) return null;
  if (names.length === 1) return quoteStandbyName(names[0] as string);
  return `${names.length} (${names.map(quoteStandbyName).join(',')})`;
}

export interface ParsedStandbyNames {
  readonly type: 'off' | 'priority' | 'quorum';
  readonly numSync: number;
  readonly members: readonly string[];
  readonly hasStar: boolean;
}

const OFF: ParsedStandbyNames = { type: 'off', numSync: 0, members: [], hasStar: false };

function tokenize(value: string): string[] | null {
  const tokens: string[] = [];
  const pattern = /\s*(?:"((?:[^"]|"")*)"|([A-Za-z_][A-Za-z_0-9$]*|\d+|\*|[(),]))/y;
  let index = 0;
  while (index < value.length) {
    if (/^\s*$/.test(value.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(value);
    if (!match) return null;
    tokens.push(match[1] !== undefined ? `"${match[1].replace(/""/g, '"')}` : (match[2] as string));
    index = pattern.lastIndex;
  }
  return tokens;
}

const unquoteToken = (token: string) => (token.startsWith('"') ? token.slice(1) : token);

/**
 * `[FIRST|ANY] N (list)`, `N (list)` or a plain list (postgres.md §10.3). null when unparseable
 * (callers treat it as off with a warning); an empty value is `off`.
 */
export function parseSynchronousStandbyNames(value: string): ParsedStandbyNames | null {
  const tokens = tokenize(value);
  if (tokens === null) return null;
  if (tokens.length === 0) return OFF;
  let type: 'priority' | 'quorum' = 'priority';
  let rest = tokens;
  const keyword = rest[0]?.toLowerCase();
  if ((keyword === 'first' || keyword === 'any') && /^\d+$/.test(rest[1] ?? '')) {
    type = keyword === 'any' ? 'quorum' : 'priority';
    rest = rest.slice(1);
  }
  let numSync = 1;
  let list = rest;
  if (/^\d+$/.test(rest[0] ?? '') && rest[1] === '(') {
    numSync = Number(rest[0]);
    if (rest[rest.length - 1] !== ')') return null;
    list = rest.slice(2, -1);
  } else if (type === 'quorum') return null;
  const members: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const token = list[i] as string;
    if (i % 2 === 1) {
      if (token !== ',') return null;
      continue;
    }
    if (token === ',' || token === '(' || token === ')') return null;
    members.push(unquoteToken(token));
  }
  if (members.length === 0) return null;
  return { type, numSync, members, hasStar: members.includes('*') };
}
