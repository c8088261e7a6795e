/** Mapping between ha-core's relative keys (`leader`, `members/pg1`) and znode paths under the cluster's base. */

/** `/service/batman` + `members/pg1` → `/service/batman/members/pg1`. */
export function znodePath(basePath: string, key: string): string {
  return key === '' ? basePath : `${basePath}/${key}`.replace(/\/+/g, '/');
}

/** Every ancestor of `path`, shallowest first, excluding `/` and `path` itself. */
export function ancestorsOf(path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '');
  const result: string[] = [];
  for (let i = 1; i < parts.length; i += 1) result.push(`/${parts.slice(0, i).join('/')}`);
  return result;
}

/**
 * Znodes that exist only to hold children in Patroni's layout (kazoo creates them empty with makepath):
 * `members`, `optime` and MPP group folders. They are never reported as keys, even when left childless.
 */
export function isContainerKey(key: string): boolean {
  return /^(\d+\/)?(members|optime)$/.test(key) || /^\d+$/.test(key);
}
