import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Our agent's entry point, as built by `tsc -b` (the e2e tests run the real binary). */
export const OUR_AGENT_BIN = resolve(import.meta.dirname, '../../../apps/agent/dist/bin/patroni.js');

/** The Node flags of the bin's `#!/usr/bin/env -S node <flags>` line: tests run the agent as users get it. */
function shebangNodeFlags(bin: string): string[] {
  const first = readFileSync(bin, 'utf8').split('\n', 1)[0] ?? '';
  const words = first
    .replace(/^#!\S*env\s+(-S\s+)?/, '')
    .trim()
    .split(/\s+/);
  return words[0] === 'node' ? words.slice(1) : [];
}

/** argv that starts our agent with Node (config file appended by the harness). */
export const ourAgentCommand = (): readonly string[] => [
  process.execPath,
  ...shebangNodeFlags(OUR_AGENT_BIN),
  OUR_AGENT_BIN,
];

/** The fast timing profile of the e2e tests and the benchmark. */
export const FAST_TIMING = { ttl: 20, loopWait: 2, retryTimeout: 4 } as const;
