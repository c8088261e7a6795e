// Several "hosts" on one machine: one network namespace per host, each with a veth whose other end sits on
// a bridge in a namespace of its own. Nothing is added to the root namespace; all of it goes away with
// destroy(). Needs root (ip netns, iptables) and is used only by the root-only `*.netns.test.ts` files.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** One simulated machine: its namespace and its address on the shared bridge. */
export interface NetnsHost {
  readonly name: string;
  readonly namespace: string;
  readonly address: string;
}

export interface NetnsTopology {
  readonly hosts: readonly NetnsHost[];
  host(name: string): NetnsHost;
  /** argv prefix running a command inside `host`'s namespace (`ip netns exec <ns>`; ip execs, no fork). */
  execPrefix(host: NetnsHost): readonly string[];
  /** Drops every packet between `host` and `peers` (iptables INPUT/OUTPUT inside `host`'s namespace). */
  isolate(host: NetnsHost, peers: readonly NetnsHost[]): Promise<void>;
  /** Removes every rule isolate() added to `host`. */
  heal(host: NetnsHost): Promise<void>;
  /** Deletes every namespace (and with them the veths and the bridge); idempotent. */
  destroy(): Promise<void>;
}

/** Namespaces this module creates are named `<prefix><owner pid>-<random>-<host>`. */
const NAMESPACE_PREFIX = 'ptn';
const SUBNET_PREFIX = '10.200.0';
const SUBNET_BITS = 24;
/** The hosts' subnet (for pg_hba). */
export const SUBNET = `${SUBNET_PREFIX}.0/${SUBNET_BITS}`;
const BRIDGE = 'br0';

/** Runs a command; throws with its stderr when it fails. */
export function run(argv: readonly string[], timeoutMs = 15_000): Promise<string> {
  const [program = 'false', ...args] = argv;
  return new Promise((resolve, reject) => {
    execFile(program, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${argv.join(' ')} failed: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

/**
 * Creates one namespace per name (addresses 10.200.0.11, .12, ... in order) plus the bridge namespace. On
 * any failure what was created is deleted again before the error propagates.
 */
export async function createTopology(hostNames: readonly string[]): Promise<NetnsTopology> {
  await removeStaleNamespaces();
  const tag = `${NAMESPACE_PREFIX}${process.pid}-${randomBytes(2).toString('hex')}`;
  const bridgeNs = `${tag}-bridge`;
  const hosts = hostNames.map((name, i) => ({
    name,
    namespace: `${tag}-${name}`,
    address: `${SUBNET_PREFIX}.${11 + i}`,
  }));
  const created: string[] = [];
  const destroy = async () => {
    for (const ns of created.splice(0).reverse()) await run(['ip', 'netns', 'delete', ns]).catch(() => {});
  };
  try {
    await addNamespace(bridgeNs, created);
    await run(['ip', '-n', bridgeNs, 'link', 'add', BRIDGE, 'type', 'bridge']);
    await run(['ip', '-n', bridgeNs, 'link', 'set', BRIDGE, 'up']);
    for (const [i, host] of hosts.entries()) await addHost(host, `v${i}`, bridgeNs, created);
  } catch (error) {
    await destroy();
    throw error;
  }
  const iptables = (host: NetnsHost, args: readonly string[]) =>
    run(['ip', 'netns', 'exec', host.namespace, 'iptables', '-w', ...args]);
  return {
    hosts,
    host(name) {
      const found = hosts.find((h) => h.name === name);
      if (!found) throw new Error(`no host named ${name} (have ${hostNames.join(', ')})`);
      return found;
    },
    execPrefix: (host) => ['ip', 'netns', 'exec', host.namespace],
    async isolate(host, peers) {
      for (const peer of peers) {
        await iptables(host, ['-A', 'INPUT', '-s', peer.address, '-j', 'DROP']);
        await iptables(host, ['-A', 'OUTPUT', '-d', peer.address, '-j', 'DROP']);
      }
    },
    async heal(host) {
      await iptables(host, ['-F', 'INPUT']);
      await iptables(host, ['-F', 'OUTPUT']);
    },
    destroy,
  };
}

async function addNamespace(ns: string, created: string[]): Promise<void> {
  await run(['ip', 'netns', 'add', ns]);
  created.push(ns);
  await run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
}

/** The host's namespace with `eth0`, its peer `bridgePort` plugged into the bridge. */
async function addHost(host: NetnsHost, bridgePort: string, bridgeNs: string, created: string[]) {
  await addNamespace(host.namespace, created);
  await run([
    'ip',
    '-n',
    host.namespace,
    'link',
    'add',
    'eth0',
    'type',
    'veth',
    'peer',
    'name',
    bridgePort,
    'netns',
    bridgeNs,
  ]);
  await run(['ip', '-n', bridgeNs, 'link', 'set', bridgePort, 'master', BRIDGE]);
  await run(['ip', '-n', bridgeNs, 'link', 'set', bridgePort, 'up']);
  await run(['ip', '-n', host.namespace, 'addr', 'add', `${host.address}/${SUBNET_BITS}`, 'dev', 'eth0']);
  await run(['ip', '-n', host.namespace, 'link', 'set', 'eth0', 'up']);
}

/** Namespaces of an earlier run whose process is gone (killed before its cleanup ran). */
async function removeStaleNamespaces(): Promise<void> {
  const listed = await run(['ip', 'netns', 'list']);
  for (const line of listed.split('\n')) {
    const ns = line.split(' ')[0] ?? '';
    const owner = new RegExp(`^${NAMESPACE_PREFIX}(\\d+)-[0-9a-f]{4}-`).exec(ns)?.[1];
    if (owner === undefined || processExists(Number(owner))) continue;
    await run(['ip', 'netns', 'delete', ns]).catch(() => {});
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
