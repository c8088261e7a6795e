// Root only (network namespaces, iptables): run by scripts/test-all.sh as root, project `netns`
// (`node_modules/.bin/vitest --configLoader runner run --project netns`). The main run excludes this file.
import { runningAsRoot } from '@patroni/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { Cleanups, FAST_TIMING } from '../e2e/support.js';
import { runPartitionScenario } from './partition-scenario.js';

const TTL_MS = FAST_TIMING.ttl * 1000;

describe.runIf(runningAsRoot())(
  'our agents on separate network namespaces: the primary is partitioned',
  () => {
    const cleanups = new Cleanups();
    afterAll(() => cleanups.run());

    it('the isolated primary stops writes within ttl, one other member leads, the old one rejoins streaming', async () => {
      const figures = await runPartitionScenario('netns-partition', cleanups);
      expect(figures.refusedAfterMs).toBeLessThan(TTL_MS);
      await cleanups.run();
    }, 300_000);

    it('with failsafe_mode on, the isolated primary (cannot reach every member) still demotes', async () => {
      const figures = await runPartitionScenario('netns-failsafe', cleanups, { failsafeMode: true });
      expect(figures.refusedAfterMs).toBeLessThan(TTL_MS);
      await cleanups.run();
    }, 300_000);
  },
);
