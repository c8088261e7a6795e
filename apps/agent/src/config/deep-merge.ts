/** Plain-object helpers for YAML/JSON trees. */

export type Tree = Record<string, unknown>;

export function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Patroni's config merge: maps merge recursively, a `null` in `overlay` removes the key, scalars and lists
 * replace. Neither input is modified.
 */
export function deepMerge(base: Tree, overlay: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const current = out[key];
    if (value === null) delete out[key];
    else if (isTree(value) && isTree(current)) out[key] = deepMerge(current, value);
    else out[key] = value;
  }
  return out;
}

/** Deep-freezes a tree in place and returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Reads a dotted path (`postgresql.authentication.superuser`) from a tree; undefined when absent. */
export function getPath(tree: unknown, path: readonly (string | number)[]): unknown {
  let node: unknown = tree;
  for (const key of path) {
    if (Array.isArray(node) && typeof key === 'number') node = node[key];
    else if (isTree(node)) node = node[String(key)];
    else return undefined;
  }
  return node;
}
