import { runDcsConformance } from './conformance.js';
import { memoryConformanceFixture } from './memory-fixture.js';

// The in-memory DCS passes the same suite as every real backend, in both of its modes.
runDcsConformance('memory (sessions, like etcd3/Consul/ZooKeeper)', async () => memoryConformanceFixture());
runDcsConformance('memory (key TTLs, like etcd v2)', async () =>
  memoryConformanceFixture({ mode: 'keyTtl' }),
);
