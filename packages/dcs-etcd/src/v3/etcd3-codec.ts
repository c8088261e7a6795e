import { DcsUnavailableError, type KvNode } from '@patroni/ha-core';

/** The gateway carries keys and values as base64 of their bytes. */
export const base64 = (value: string | Buffer): string => Buffer.from(value).toString('base64');

/** The end of a prefix range: the prefix with its last byte incremented (etcd's "range_end"). */
export function prefixRangeEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] ?? 0) < 0xff) {
      end[i] = (end[i] ?? 0) + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

/** A key-value as the gateway reports it (int64 fields are decimal strings; zero values are left out). */
export interface GatewayKv {
  readonly key: Buffer;
  readonly value: string;
  readonly modRevision: string;
  /** The lease id; null for keys without one (`lease` absent or "0"). */
  readonly lease: string | null;
}

const DECIMAL = /^\d+$/;

const asRecord = (value: unknown): Record<string, unknown> | null =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;

const decimalOr = (value: unknown, fallback: string): string =>
  typeof value === 'string' && DECIMAL.test(value)
    ? value
    : typeof value === 'number'
      ? String(value)
      : fallback;

/** One `kv` object of a range answer or watch event; null when it has no key. */
export function gatewayKvOf(raw: unknown): GatewayKv | null {
  const kv = asRecord(raw);
  if (kv === null || typeof kv.key !== 'string') return null;
  const lease = decimalOr(kv.lease, '0');
  return {
    key: Buffer.from(kv.key, 'base64'),
    value: typeof kv.value === 'string' ? Buffer.from(kv.value, 'base64').toString('utf8') : '',
    modRevision: decimalOr(kv.mod_revision, '0'),
    lease: lease === '0' ? null : lease,
  };
}

/** The `kvs` of a range answer (absent when there are none). */
export function gatewayKvsOf(answer: Record<string, unknown>): GatewayKv[] {
  const kvs = Array.isArray(answer.kvs) ? (answer.kvs as unknown[]) : [];
  return kvs.flatMap((raw) => gatewayKvOf(raw) ?? []);
}

/** `key` relative to `prefix`; null when outside it. */
export function relativeKey(key: Buffer, prefix: Buffer): string | null {
  if (key.length < prefix.length || !key.subarray(0, prefix.length).equals(prefix)) return null;
  return key.subarray(prefix.length).toString('utf8');
}

/** The node ha-core sees for a key under `prefix`. */
export function nodeOf(kv: GatewayKv, prefix: Buffer): KvNode | null {
  const key = relativeKey(kv.key, prefix);
  if (key === null) return null;
  return { key, value: kv.value, version: kv.modRevision, session: kv.lease };
}

/** `header.revision` of an answer, or null when absent. */
export function headerRevisionOf(answer: Record<string, unknown>): string | null {
  const revision = asRecord(answer.header)?.revision;
  return typeof revision === 'string' && DECIMAL.test(revision) ? revision : null;
}

/** The revision a write or read happened at: every kv answer carries one, so its absence is a broken answer. */
export function requireRevision(answer: Record<string, unknown>, what: string): string {
  const revision = headerRevisionOf(answer);
  if (revision === null) throw new DcsUnavailableError(`etcd3 ${what}: answer without a revision`);
  return revision;
}

/** A decimal int64 field (`ID`, `TTL`, `deleted`); `fallback` when absent (the gateway omits zeros). */
export function int64Of(answer: Record<string, unknown>, field: string, fallback = '0'): string {
  return decimalOr(answer[field], fallback);
}

export { asRecord };
