import { readFileSync } from 'node:fs';
import type { KvNode, KvSnapshot } from '../../dcs/kv.js';

interface EtcdRangeKv {
  key: string;
  value: string;
  mod_revision: number;
  lease?: string;
}

/**
 * The etcd v3 range response captured from a Python Patroni 3.0.2 cluster (scope `bench`), as the raw key
 * values an etcd3 backend hands to the parser. Lease ids exceed 2^53, so they are read as text.
 */
export function patroni302Snapshot(): { snapshot: KvSnapshot; values: Map<string, string> } {
  const text = readFileSync(new URL('./patroni-3.0.2-etcd3-range.json', import.meta.url), 'utf8');
  const body = JSON.parse(text.replace(/"lease":(\d+)/g, '"lease":"$1"')) as { kvs: EtcdRangeKv[] };
  const base = '/service/bench/';
  const nodes: KvNode[] = body.kvs.map((kv) => ({
    key: Buffer.from(kv.key, 'base64').toString('utf8').slice(base.length),
    value: Buffer.from(kv.value, 'base64').toString('utf8'),
    version: String(kv.mod_revision),
    session: kv.lease ?? null,
  }));
  return { snapshot: { nodes }, values: new Map(nodes.map((n) => [n.key, n.value])) };
}
