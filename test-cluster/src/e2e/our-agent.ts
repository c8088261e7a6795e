import { resolve } from 'node:path';

/** Our agent's entry point, as built by `tsc -b` (the e2e tests run the real binary). */
export const OUR_AGENT_BIN = resolve(import.meta.dirname, '../../../apps/agent/dist/bin/patroni.js');

/** argv that starts our agent with Node (config file appended by the harness). */
export const ourAgentCommand = (): readonly string[] => [process.execPath, OUR_AGENT_BIN];

/** The fast timing profile of the e2e tests and the benchmark. */
export const FAST_TIMING = { ttl: 20, loopWait: 2, retryTimeout: 4 } as const;
