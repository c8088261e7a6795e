import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, postgresBinDir, runningAsRoot, waitUntil } from '@patroni/testkit';
import {
  buildCtlConfig,
  buildNodeConfig,
  dcsHostsOf,
  type PatroniConfig,
  type PatroniDcsKind,
  type PatroniNodeSpec,
  type PatroniPasswords,
  type PatroniTiming,
  renderYaml,
  superuserName,
} from './config.js';
import { alivePids, createNode, type PythonPatroniNode } from './node.js';
import { type CommandResult, patroniEnv, runPatronictl } from './patronictl.js';
import { pythonPatroniCommand } from './python-commands.js';
import {
  type ClusterMemberView,
  fetchClusterMembers,
  getStatus,
  healthyStates,
  leaderRoles,
} from './rest.js';

export interface PythonPatroniClusterOptions {
  readonly nodes: number;
  /** `http://127.0.0.1:<port>` (e.g. testkit's startEtcd().endpoint), or `host:port[,host:port]`. */
  readonly etcdEndpoint: string;
  readonly scope: string;
  readonly timing: PatroniTiming;
  /** etcd3 = v3 API (Patroni's `etcd3` section); etcd = v2 API (needs etcd started with v2 enabled). */
  readonly dcs: PatroniDcsKind;
  /** Parent directory; each node gets `<dir>/<name>`. The caller removes it. */
  readonly dir: string;
  readonly namespace?: string;
  /** Member names are `<namePrefix>1..N` (default `node`). */
  readonly namePrefix?: string;
  readonly synchronousMode?: PatroniNodeSpec['synchronousMode'];
  /** Last word on each node's YAML (tags, extra parameters, ...). */
  readonly patchConfig?: (config: PatroniConfig, name: string) => PatroniConfig;
  /**
   * The agent each node runs, config file appended (default Debian's `patroni`). Our agent runs as
   * `[process.execPath, <apps/agent/dist/bin/patroni.js>]`; mixing both gives an interoperability cluster.
   */
  readonly agentCommand?: (name: string, index: number) => readonly string[];
  /**
   * The etcd endpoint one node uses instead of `etcdEndpoint` (e.g. a TcpProxy in front of etcd, so a test
   * can cut that node off the DCS). patronictl keeps using `etcdEndpoint`.
   */
  readonly nodeEtcdEndpoint?: (name: string, index: number) => string | undefined;
}

export interface PythonPatroniCluster {
  readonly scope: string;
  readonly nodes: readonly PythonPatroniNode[];
  readonly passwords: PatroniPasswords;
  /** patronictl's config file (scope, namespace, the same etcd). */
  readonly ctlConfigFile: string;
  node(name: string): PythonPatroniNode;
  /** GET /cluster from the first node that answers; undefined when none does. */
  members(): Promise<ClusterMemberView[] | undefined>;
  /** The member GET /cluster reports as leader, if any. */
  leaderName(): Promise<string | undefined>;
  /** Waits until a leader's GET /primary answers 200; returns its name. */
  waitForLeader(timeoutMs?: number): Promise<string>;
  /** Waits until GET /cluster lists every running node as running/streaming, one of them leader. */
  waitForAllRunning(timeoutMs?: number): Promise<string>;
  patronictl(
    args: readonly string[],
    options?: { input?: string; timeoutMs?: number },
  ): Promise<CommandResult>;
  /** Every PID any node started or saw (Patroni and postmasters). */
  knownPids(): number[];
  /** Stops every node by PID (SIGTERM, SIGKILL after the grace), kills leftover postmasters; returns PIDs still alive. */
  stopAll(graceMs?: number): Promise<number[]>;
}

/**
 * Starts N Python Patroni 3.0.2 processes (Debian's /usr/bin/patroni) against an existing etcd, each with
 * its own free ports and directory. Returns as soon as the processes are spawned: time the bootstrap with
 * `waitForAllRunning()`. Must run as an unprivileged user (PostgreSQL refuses root).
 */
export async function startPythonPatroniCluster(
  options: PythonPatroniClusterOptions,
): Promise<PythonPatroniCluster> {
  if (runningAsRoot()) {
    throw new Error('Python Patroni must not run as root here: run tests through scripts/vitest.sh');
  }
  if (!Number.isInteger(options.nodes) || options.nodes < 1) {
    throw new Error(`nodes must be an integer ≥ 1, got ${options.nodes}`);
  }
  const passwords = { superuser: secret(), replication: secret(), rewind: secret() };
  const shared = {
    scope: options.scope,
    namespace: options.namespace ?? '/service/',
    dcs: options.dcs,
    dcsHosts: dcsHostsOf(options.etcdEndpoint),
  };
  const ctlConfigFile = join(options.dir, 'patronictl.yml');
  await mkdir(options.dir, { recursive: true });
  await writeFile(ctlConfigFile, renderYaml(buildCtlConfig(shared)));
  const nodes: PythonPatroniNode[] = [];
  for (const spec of await planNodes(options, { ...shared, passwords, binDir: postgresBinDir() })) {
    await mkdir(spec.nodeDir, { recursive: true, mode: 0o700 });
    const configFile = join(spec.nodeDir, 'patroni.yml');
    const config = buildNodeConfig(spec);
    await writeFile(configFile, renderYaml(options.patchConfig?.(config, spec.name) ?? config), {
      mode: 0o600,
    });
    const connectionString = `postgres://${superuserName}:${passwords.superuser}@127.0.0.1:${spec.pgPort}/postgres`;
    const command = options.agentCommand?.(spec.name, nodes.length) ?? [pythonPatroniCommand('patroni')];
    nodes.push(createNode({ ...spec, configFile, connectionString, command }));
  }
  return clusterHandle(options.scope, nodes, passwords, ctlConfigFile);
}

type SharedSpec = Omit<PatroniNodeSpec, 'name' | 'restPort' | 'pgPort' | 'nodeDir' | 'timing'>;

/** Names, directories and two distinct free ports per node. */
async function planNodes(
  options: PythonPatroniClusterOptions,
  shared: SharedSpec,
): Promise<PatroniNodeSpec[]> {
  const taken = new Set<number>();
  const distinctFreePort = async () => {
    for (;;) {
      const port = await freePort();
      if (!taken.has(port)) {
        taken.add(port);
        return port;
      }
    }
  };
  const specs: PatroniNodeSpec[] = [];
  for (let i = 1; i <= options.nodes; i++) {
    const name = `${options.namePrefix ?? 'node'}${i}`;
    const ownEndpoint = options.nodeEtcdEndpoint?.(name, i - 1);
    specs.push({
      ...shared,
      ...(ownEndpoint === undefined ? {} : { dcsHosts: dcsHostsOf(ownEndpoint) }),
      name,
      timing: options.timing,
      synchronousMode: options.synchronousMode,
      restPort: await distinctFreePort(),
      pgPort: await distinctFreePort(),
      nodeDir: join(options.dir, name),
    });
  }
  return specs;
}

function clusterHandle(
  scope: string,
  nodes: readonly PythonPatroniNode[],
  passwords: PatroniPasswords,
  ctlConfigFile: string,
): PythonPatroniCluster {
  const members = async () => {
    for (const node of nodes) {
      if (!node.isRunning()) continue;
      const view = await fetchClusterMembers(node.restPort);
      if (view) return view;
    }
    return undefined;
  };
  const leaderName = async () => (await members())?.find((m) => leaderRoles.has(m.role))?.name;
  const node = (name: string) => {
    const found = nodes.find((n) => n.name === name);
    if (!found) throw new Error(`no node named ${name} (have ${nodes.map((n) => n.name).join(', ')})`);
    return found;
  };
  const notePostmasters = () => {
    for (const n of nodes) n.postmasterPid();
  };
  return {
    scope,
    nodes,
    passwords,
    ctlConfigFile,
    node,
    members,
    leaderName,
    async waitForLeader(timeoutMs = 60_000) {
      let leader: ClusterMemberView | undefined;
      await waitUntil(
        'a leader answering GET /primary with 200',
        async () => {
          notePostmasters();
          leader = (await members())?.find((m) => leaderRoles.has(m.role));
          return leader?.restUrl !== undefined && (await getStatus(`${leader.restUrl}/primary`)) === 200;
        },
        timeoutMs,
      );
      return nameOf(leader);
    },
    async waitForAllRunning(timeoutMs = 90_000) {
      let leader: ClusterMemberView | undefined;
      const running = () => nodes.filter((n) => n.isRunning()).map((n) => n.name);
      await waitUntil(
        `all of ${running().join(', ')} running with one leader`,
        async () => {
          notePostmasters();
          const view = (await members()) ?? [];
          const healthy = new Set(view.filter((m) => healthyStates.has(m.state)).map((m) => m.name));
          const leaders = view.filter((m) => leaderRoles.has(m.role));
          leader = leaders[0];
          return leaders.length === 1 && running().every((name) => healthy.has(name));
        },
        timeoutMs,
      );
      return nameOf(leader);
    },
    patronictl: (args, options = {}) => runPatronictl(ctlConfigFile, args, { env: patroniEnv(), ...options }),
    knownPids: () => nodes.flatMap((n) => n.knownPids()),
    async stopAll(graceMs = 30_000) {
      notePostmasters();
      await Promise.all(nodes.map((n) => n.stop(graceMs)));
      return alivePids(nodes.flatMap((n) => n.knownPids()));
    },
  };
}

/** waitUntil only returns once the check saw a leader; an absent one here is a harness bug. */
function nameOf(member: ClusterMemberView | undefined): string {
  if (!member) throw new Error('internal: leader wait returned without a leader');
  return member.name;
}

/** A random password per cluster: fixed ones end up copied into real configs. */
function secret(): string {
  return randomBytes(12).toString('hex');
}
