// A cluster spread over network namespaces: etcd on its own host, three of our agents each on its own host
// (as the postgres user; PostgreSQL refuses root), a client host with HAProxy through which the test (in the
// root namespace) reaches everything. Root only. Every process is stopped by PID, everything removed after.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, postgresBinDir, spawnManaged, waitUntil } from '@patroni/testkit';
import { FAST_TIMING, OUR_AGENT_BIN } from '../e2e/our-agent.js';
import type { Cleanups } from '../e2e/support.js';
import {
  buildNodeConfig,
  type PatroniConfig,
  type PatroniPasswords,
  renderYaml,
  superuserName,
} from '../python-patroni/config.js';
import { alivePids, createNode, type PythonPatroniNode } from '../python-patroni/node.js';
import {
  type ClusterMemberView,
  healthyStates,
  leaderRoles,
  parseClusterMembers,
} from '../python-patroni/rest.js';
import {
  type ClientProxy,
  ETCD_CLIENT_PORT,
  httpOverSocket,
  PG_PORT,
  REST_PORT,
  startClientProxy,
  type UnixHttpAnswer,
} from './client-proxy.js';
import { createTopology, type NetnsHost, type NetnsTopology, run, SUBNET } from './topology.js';

export const SCOPE = 'netns';
const NODE_NAMES = ['node1', 'node2', 'node3'] as const;

export interface NetnsMember {
  readonly name: string;
  readonly host: NetnsHost;
  /** The agent process (and the PostgreSQL it started): stop(), kill9(), postmasterPid(). */
  readonly agent: PythonPatroniNode;
  /** Superuser URL to this member's PostgreSQL, through the client host. */
  readonly connectionString: string;
}

export interface NetnsCluster {
  readonly dir: string;
  readonly topology: NetnsTopology;
  readonly etcdHost: NetnsHost;
  readonly members: readonly NetnsMember[];
  readonly proxy: ClientProxy;
  /** Superuser URL through the client host's HAProxy, which follows GET /primary. */
  readonly primaryUrl: string;
  member(name: string): NetnsMember;
  /** A request to one member's REST API (through the client host); undefined when it does not answer. */
  rest(name: string, path: string): Promise<UnixHttpAnswer | undefined>;
  /** The member whose GET /primary answers 200, waiting for one; `except` is never taken. */
  waitForLeader(timeoutMs: number, except?: string): Promise<string>;
  /** Waits until GET /cluster lists every member as running/streaming with exactly one leader. */
  waitForAllRunning(timeoutMs: number): Promise<string>;
  /** Stops every agent by PID (each shuts its PostgreSQL down); returns the PIDs still alive after. */
  stopAgents(): Promise<number[]>;
}

export interface NetnsClusterOptions {
  readonly failsafeMode?: boolean;
}

/** Starts the whole set-up; every piece is registered in `cleanups` as soon as it exists. */
export async function startNetnsCluster(
  label: string,
  cleanups: Cleanups,
  options: NetnsClusterOptions = {},
): Promise<NetnsCluster> {
  const dir = await makeTempDir(`netns-${label}`);
  if (process.env.E2E_KEEP) console.log(`[${label}] dirs kept in ${dir.path}`);
  else cleanups.add(dir.remove);
  // The agents (postgres user) must traverse it; their own dirs below are theirs, mode 0700.
  await chmod(dir.path, 0o755);
  const topology = await createTopology(['client', 'etcd', ...NODE_NAMES]);
  cleanups.add(topology.destroy);
  const client = topology.host('client');
  const etcdHost = topology.host('etcd');
  const nodeHosts = NODE_NAMES.map((name) => topology.host(name));
  const proxy = await startClientProxy(topology, client, nodeHosts, etcdHost, join(dir.path, 'client'));
  cleanups.add(proxy.stop);
  await startEtcdOn(topology, etcdHost, join(dir.path, 'etcd'), proxy.etcdSocket, cleanups);
  const passwords = { superuser: secret(), replication: secret(), rewind: secret() };
  const members: NetnsMember[] = [];
  const stopAgents = async () => {
    await Promise.all(members.map((m) => m.agent.stop(30_000)));
    return alivePids(members.flatMap((m) => m.agent.knownPids()));
  };
  cleanups.add(stopAgents);
  for (const host of nodeHosts) {
    members.push(await startMember(topology, host, { dir: dir.path, etcdHost, passwords, proxy, options }));
  }
  const primaryUrl = pgUrl(passwords, proxy.primarySocketDir);
  return clusterHandle({ dir: dir.path, topology, etcdHost, members, proxy, primaryUrl, stopAgents });
}

async function startEtcdOn(
  topology: NetnsTopology,
  host: NetnsHost,
  dir: string,
  healthSocket: string,
  cleanups: Cleanups,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const client = `http://${host.address}:${ETCD_CLIENT_PORT}`;
  const peer = 'http://127.0.0.1:2380';
  const [program = 'ip', ...prefix] = topology.execPrefix(host);
  const etcd = spawnManaged(
    program,
    [
      ...prefix,
      'etcd',
      '--name=n1',
      `--data-dir=${join(dir, 'data')}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=n1=${peer}`,
      '--log-level=warn',
    ],
    { logFile: join(dir, 'etcd.log') },
  );
  cleanups.add(() => etcd.stop());
  await waitUntil(
    `etcd on ${client}`,
    async () => (await httpOverSocket(healthSocket, '/health'))?.status === 200,
    20_000,
  );
}

interface MemberContext {
  readonly dir: string;
  readonly etcdHost: NetnsHost;
  readonly passwords: PatroniPasswords;
  readonly proxy: ClientProxy;
  readonly options: NetnsClusterOptions;
}

/** Writes the member's config into its own dir (owned by postgres) and starts our agent in its namespace. */
async function startMember(
  topology: NetnsTopology,
  host: NetnsHost,
  ctx: MemberContext,
): Promise<NetnsMember> {
  const nodeDir = join(ctx.dir, host.name);
  await mkdir(nodeDir, { recursive: true, mode: 0o700 });
  const config = buildNodeConfig({
    scope: SCOPE,
    namespace: '/service/',
    name: host.name,
    dcs: 'etcd3',
    dcsHosts: [`${ctx.etcdHost.address}:${ETCD_CLIENT_PORT}`],
    restPort: REST_PORT,
    pgPort: PG_PORT,
    nodeDir,
    binDir: postgresBinDir(),
    timing: FAST_TIMING,
    passwords: ctx.passwords,
  });
  const configFile = join(nodeDir, 'patroni.yml');
  await writeFile(configFile, renderYaml(placeOnHost(config, host.address, ctx.options)), { mode: 0o600 });
  await run(['chown', '-R', 'postgres:postgres', nodeDir]);
  const agent = createNode({
    name: host.name,
    restPort: REST_PORT,
    pgPort: PG_PORT,
    nodeDir,
    configFile,
    connectionString: pgUrl(ctx.passwords, ctx.proxy.pgSocketDir(host.name)),
    // ip, setpriv and env all exec: the PID the harness holds is the agent's own.
    command: [
      ...topology.execPrefix(host),
      'setpriv',
      '--reuid=postgres',
      '--regid=postgres',
      '--init-groups',
      '--',
      'env',
      'HOME=/var/lib/postgresql',
      process.execPath,
      OUR_AGENT_BIN,
    ],
  });
  return { name: host.name, host, agent, connectionString: agent.connectionString };
}

/** The member listens on its host's address; pg_hba lets in the hosts' subnet; failsafe_mode if asked. */
function placeOnHost(config: PatroniConfig, address: string, options: NetnsClusterOptions): PatroniConfig {
  const rest = `${address}:${REST_PORT}`;
  const pg = `${address}:${PG_PORT}`;
  const bootstrap = recordOf(config.bootstrap);
  return {
    ...config,
    restapi: { listen: rest, connect_address: rest },
    postgresql: {
      ...recordOf(config.postgresql),
      listen: pg,
      connect_address: pg,
      pg_hba: [
        'local all all trust',
        `host replication replicator ${SUBNET} md5`,
        `host all all ${SUBNET} md5`,
      ],
    },
    bootstrap: {
      ...bootstrap,
      dcs: { ...recordOf(bootstrap.dcs), failsafe_mode: options.failsafeMode ?? false },
    },
  };
}

function recordOf(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`internal: expected a YAML mapping, got ${JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}

/** libpq URL over a Unix socket directory (the client proxy's). */
function pgUrl(passwords: PatroniPasswords, socketDir: string): string {
  return `postgres://${superuserName}:${passwords.superuser}@localhost:${PG_PORT}/postgres?host=${socketDir}`;
}

function secret(): string {
  return randomBytes(12).toString('hex');
}

function clusterHandle(parts: Omit<NetnsCluster, 'member' | 'rest' | 'waitForLeader' | 'waitForAllRunning'>) {
  const member = (name: string) => {
    const found = parts.members.find((m) => m.name === name);
    if (!found) throw new Error(`no member named ${name}`);
    return found;
  };
  const rest = (name: string, path: string) => httpOverSocket(parts.proxy.restSocket(name), path);
  const clusterView = async (): Promise<ClusterMemberView[] | undefined> => {
    for (const m of parts.members) {
      const answer = await rest(m.name, '/cluster');
      if (answer?.status === 200) return parseClusterMembers(JSON.parse(answer.body));
    }
    return undefined;
  };
  const handle: NetnsCluster = {
    ...parts,
    member,
    rest,
    async waitForLeader(timeoutMs, except) {
      let leader = '';
      await waitUntil(
        `a leader${except ? ` other than ${except}` : ''} answering GET /primary with 200`,
        async () => {
          for (const m of parts.members) {
            if (m.name !== except && (await rest(m.name, '/primary'))?.status === 200) {
              leader = m.name;
              return true;
            }
          }
          return false;
        },
        timeoutMs,
      );
      return leader;
    },
    async waitForAllRunning(timeoutMs) {
      let leader = '';
      await waitUntil(
        'all members running with one leader',
        async () => {
          const view = (await clusterView()) ?? [];
          const leaders = view.filter((m) => leaderRoles.has(m.role));
          const healthy = new Set(view.filter((m) => healthyStates.has(m.state)).map((m) => m.name));
          leader = leaders[0]?.name ?? '';
          return leaders.length === 1 && parts.members.every((m) => healthy.has(m.name));
        },
        timeoutMs,
      );
      return leader;
    },
  };
  return handle;
}
