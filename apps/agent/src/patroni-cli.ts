import { agentVersion } from './version.js';

interface Out {
  write(chunk: string): unknown;
}

const PATRONI_USAGE = `usage: patroni [-h] [--validate-config] [--generate-config] [--generate-sample-config] [--dsn DSN]
               [--version]
               [configfile]

Postgres high availability agent (TypeScript implementation, compatible with Patroni)

positional arguments:
  configfile            Patroni may also read the configuration from the PATRONI_CONFIGURATION
                        environment variable or from individual PATRONI_* environment variables

options:
  -h, --help            show this help message and exit
  --validate-config     Run config validator and exit
  --generate-config     Generate a Patroni yaml configuration file for a running instance
  --generate-sample-config
                        Generate a sample Patroni yaml configuration file
  --dsn DSN             Optional DSN string of the instance to be used as a source for config
                        generation. Superuser connection is required.
  --version             show program's version number and exit
`;

/** The `patroni` command line. Returns the process exit code. */
export async function runPatroni(argv: readonly string[], out: Out, err: Out): Promise<number> {
  if (argv.includes('--version')) {
    out.write(`patroni ${agentVersion()}\n`);
    return 0;
  }
  if (argv.includes('-h') || argv.includes('--help')) {
    out.write(PATRONI_USAGE);
    return 0;
  }
  err.write(PATRONI_USAGE);
  err.write('patroni: error: the daemon is not wired up yet in this version\n');
  return 2;
}
