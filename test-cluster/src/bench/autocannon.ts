import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * autocannon's CLI as installed for @patroni/rest-api (a dev dependency there, not here). Running it as its
 * own process also keeps the load generator off the measuring script's event loop.
 */
const AUTOCANNON_BIN = resolve(
  import.meta.dirname,
  '../../../packages/rest-api/node_modules/.bin/autocannon',
);

export interface LoadFigures {
  readonly requestsPerSec: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
}

export interface LoadOptions {
  readonly durationS: number;
  readonly connections: number;
  readonly pipelining: number;
}

/** The fields of `autocannon --json` this benchmark reads. */
interface AutocannonJson {
  requests?: { average?: number };
  latency?: { p99?: number };
  non2xx?: number;
  errors?: number;
  timeouts?: number;
}

/** Parses autocannon's JSON result; throws naming the problem when a figure is missing. */
export function parseAutocannonJson(text: string): LoadFigures {
  const result = JSON.parse(text) as AutocannonJson;
  const requestsPerSec = result.requests?.average;
  const p99Ms = result.latency?.p99;
  if (typeof requestsPerSec !== 'number' || typeof p99Ms !== 'number')
    throw new Error('autocannon --json output lacks requests.average or latency.p99');
  return {
    requestsPerSec,
    p99Ms,
    non2xx: result.non2xx ?? 0,
    errors: (result.errors ?? 0) + (result.timeouts ?? 0),
  };
}

/** GET `url` under load for `durationS` seconds. */
export function runAutocannon(url: string, options: LoadOptions): Promise<LoadFigures> {
  const args = [
    '--json',
    '--connections',
    String(options.connections),
    '--pipelining',
    String(options.pipelining),
    '--duration',
    String(options.durationS),
    url,
  ];
  return new Promise((done, fail) => {
    execFile(
      AUTOCANNON_BIN,
      args,
      { timeout: (options.durationS + 60) * 1000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) fail(new Error(`autocannon failed: ${error.message}\n${stderr}`));
        else {
          try {
            done(parseAutocannonJson(stdout));
          } catch (parseError) {
            fail(parseError);
          }
        }
      },
    );
  });
}
