import { randomUUID } from 'node:crypto';
import { BACKEND_VERSION_SOURCES, type DcsKv, type KvTiming } from '@patroni/ha-core';
import type { DcsConformanceFixture } from '@patroni/ha-core/testing';
import { createEtcdKv, type EtcdApi } from './backends.js';
import { parseEtcdConfig } from './config.js';
import { memoryLogger } from './test-helpers.js';

/** The server side a fixture needs: where etcd listens and how to take it away and back. */
export interface EtcdUnderTest {
  readonly hosts: readonly string[];
  pause(): Promise<void>;
  restart(): Promise<void>;
}

const CONFORMANCE_TIMING: KvTiming = Object.freeze({
  ttlMs: 4_000,
  loopWaitMs: 1_000,
  retryTimeoutMs: 1_500,
});

/** A conformance fixture for one API over a real etcd: each fixture gets its own random scope. */
export function etcdConformanceFixture(api: EtcdApi, server: EtcdUnderTest): DcsConformanceFixture {
  const scope = `conformance-${randomUUID().slice(0, 8)}`;
  const config = parseEtcdConfig(api, { hosts: [...server.hosts] });
  const agents = new Set<DcsKv>();
  const newKv = (name: string, timing: KvTiming) =>
    createEtcdKv(api, config, {
      scope: { namespace: 'service', scope, name },
      timing,
      logger: memoryLogger(),
    });
  return {
    timing: CONFORMANCE_TIMING,
    parseOptions: BACKEND_VERSION_SOURCES[api],
    slackMs: 2_000,
    async newAgent(memberName, timing) {
      const kv = await newKv(memberName, timing ?? CONFORMANCE_TIMING);
      agents.add(kv);
      return kv;
    },
    makeUnreachable: () => server.pause(),
    restore: () => server.restart(),
    async expireSession(kv) {
      // Drop the client without revoking anything: the lease (v3) or the key TTLs (v2) run out.
      agents.delete(kv);
      await kv.close({ keepSession: true });
    },
    async cleanup() {
      await Promise.all([...agents].map((kv) => kv.close().catch(() => {})));
      agents.clear();
      const admin = await newKv('cleanup', CONFORMANCE_TIMING);
      try {
        await admin.removeAll();
      } finally {
        await admin.close();
      }
    },
  };
}
