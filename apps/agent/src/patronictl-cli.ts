import { agentVersion } from './version.js';

interface Out {
  write(chunk: string): unknown;
}

const PATRONICTL_USAGE = `Usage: patronictl [OPTIONS] COMMAND [ARGS]...

  Command-line interface for interacting with a Patroni cluster.

Options:
  -c, --config-file TEXT  Configuration file
  -d, --dcs-url TEXT      The DCS connect url
  -k, --insecure          Allow connections to SSL sites without certs
  --help                  Show this message and exit.

Commands:
  dsn               Generate a dsn for the provided member, defaults to a dsn of the leader
  edit-config       Edit cluster configuration
  failover          Failover to a replica
  flush             Discard scheduled events
  history           Show the history of failovers/switchovers
  list              List the Patroni members for a given Patroni
  pause             Disable auto failover
  query             Query a Patroni PostgreSQL member
  reinit            Reinitialize cluster member
  reload            Reload cluster member configuration
  remove            Remove cluster from DCS
  restart           Restart cluster member
  resume            Resume auto failover
  show-config       Show cluster configuration
  switchover        Switchover to a replica
  topology          Prints ASCII topology for given cluster
  version           Output version of patronictl command or a running Patroni instance
`;

/** The `patronictl` command line. Returns the process exit code. */
export async function runPatronictl(argv: readonly string[], out: Out, err: Out): Promise<number> {
  if (argv.includes('--version') || argv[0] === 'version') {
    out.write(`patronictl version ${agentVersion()}\n`);
    return 0;
  }
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    out.write(PATRONICTL_USAGE);
    return 0;
  }
  err.write(`Error: No such command '${argv[0]}'.\n`);
  return 2;
}
