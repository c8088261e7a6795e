import type { AclEntry } from './config.js';
import { type ZkAcl, zk } from './native-client.js';

/** The ACL list every znode we create gets: the configured `set_acls`, or world-open as kazoo's default. */
export function buildAcls(entries: readonly AclEntry[] | null): ZkAcl[] {
  if (entries === null || entries.length === 0) {
    return [new zk.ACL(zk.Permission.ALL, new zk.Id('world', 'anyone'))];
  }
  return entries.map((entry) => {
    const mask = entry.permissions.reduce((bits, p) => bits | zk.Permission[p], 0);
    return new zk.ACL(mask, new zk.Id(entry.scheme, entry.credential));
  });
}
