import { deepMerge, isTree, type Tree } from './deep-merge.js';
import { AUTH_KEYS } from './env-config.js';

function legacyAuthentication(postgresql: Tree): Tree | null {
  if (postgresql.authentication !== undefined) return null;
  const auth: Tree = {};
  for (const user of ['replication', 'superuser'] as const) {
    if (isTree(postgresql[user])) auth[user] = postgresql[user];
  }
  const rewind = postgresql.pg_rewind;
  if (isTree(rewind) && auth.superuser === undefined) auth.superuser = rewind;
  return Object.keys(auth).length > 0 ? auth : null;
}

function filterAuthKeys(authentication: unknown): unknown {
  if (!isTree(authentication)) return authentication;
  const allowed = new Set<string>(AUTH_KEYS);
  return Object.fromEntries(
    Object.entries(authentication).map(([user, params]) => [
      user,
      isTree(params) ? Object.fromEntries(Object.entries(params).filter(([k]) => allowed.has(k))) : params,
    ]),
  );
}

/**
 * Patroni's legacy rewrites of a local configuration (config.md §1.3 step 4): `zookeeper.exhibitor` →
 * top-level `exhibitor`, `postgresql.{replication,superuser,pg_rewind}` → `postgresql.authentication`,
 * `postgresql.name` → `name`, and per-user connection keys filtered.
 */
export function normalizeLegacy(input: Tree): Tree {
  let tree: Tree = withoutNulls(input);
  const zookeeper = tree.zookeeper;
  if (isTree(zookeeper) && isTree(zookeeper.exhibitor)) {
    tree = deepMerge(tree, { exhibitor: zookeeper.exhibitor });
    delete tree.zookeeper;
  }
  const postgresql = tree.postgresql;
  if (isTree(postgresql)) {
    const pg: Tree = { ...postgresql };
    const legacy = legacyAuthentication(pg);
    if (legacy) {
      pg.authentication = legacy;
      if (pg.use_pg_rewind === undefined) pg.use_pg_rewind = isTree(pg.pg_rewind);
    }
    if (pg.authentication !== undefined) pg.authentication = filterAuthKeys(pg.authentication);
    if (tree.name === undefined && pg.name !== undefined) tree.name = pg.name;
    tree.postgresql = pg;
  }
  return tree;
}

/** YAML `key:` with nothing after it (a section whose lines are all commented out) means "not set". */
export function withoutNulls(input: Tree): Tree {
  const out: Tree = {};
  for (const [key, value] of Object.entries(input)) {
    if (value === null) continue;
    out[key] = isTree(value) ? withoutNulls(value) : value;
  }
  return out;
}
