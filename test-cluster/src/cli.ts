// `npm run cluster -- up [--nodes N] [--dcs etcd3|etcd|zookeeper] [--dir D]` and `npm run cluster -- down`:
// a local cluster of real processes (a DCS server, N of our agents, HAProxy) that stays up until Ctrl-C.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { startEtcd, startZooKeeper } from '@patroni/testkit';
import { OUR_AGENT_BIN, ourAgentCommand } from './e2e/our-agent.js';
import { startHaproxy } from './harness/haproxy.js';
import { type PatroniDcsKind, startPythonPatroniCluster } from './python-patroni/index.js';

const run = promisify(execFile);
const DEFAULT_DIR = '/tmp/patroni-local-cluster';
const OUR_PATRONICTL = OUR_AGENT_BIN.replace(/patroni\.js$/, 'patronictl.js');

interface Options {
  command: 'up' | 'down';
  nodes: number;
  dcs: PatroniDcsKind;
  dir: string;
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { command: 'up', nodes: 3, dcs: 'etcd3', dir: DEFAULT_DIR };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === 'up' || arg === 'down') options.command = arg;
    else if (arg === '--nodes') options.nodes = Number(value());
    else if (arg === '--dcs') {
      const dcs = value();
      if (dcs !== 'etcd3' && dcs !== 'etcd' && dcs !== 'zookeeper') throw new Error(`unknown --dcs ${dcs}`);
      options.dcs = dcs;
    } else if (arg === '--dir') options.dir = value();
    else
      throw new Error(
        `unknown argument ${arg}; usage: cluster up|down [--nodes N] [--dcs etcd3|etcd|zookeeper] [--dir D]`,
      );
  }
  if (!Number.isInteger(options.nodes) || options.nodes < 1)
    throw new Error('--nodes must be a positive integer');
  return options;
}

async function down(dir: string): Promise<void> {
  const stateFile = `${dir}/cluster.pid`;
  if (!existsSync(stateFile)) {
    console.log(`no local cluster running (no ${stateFile})`);
    return;
  }
  const pid = Number(readFileSync(stateFile, 'utf8'));
  try {
    process.kill(pid, 'SIGTERM');
    console.log(`asked the cluster (pid ${pid}) to stop`);
  } catch {
    console.log(`the cluster process ${pid} is gone`);
    rmSync(stateFile, { force: true });
  }
}

async function up(options: Options): Promise<void> {
  if (existsSync(`${options.dir}/cluster.pid`)) {
    throw new Error(
      `a cluster seems to run already (${options.dir}/cluster.pid); run: npm run cluster -- down`,
    );
  }
  rmSync(options.dir, { recursive: true, force: true });
  const server = options.dcs === 'zookeeper' ? await startZooKeeper() : await startEtcd();
  const endpoint = 'endpoint' in server ? server.endpoint : server.connectString;
  const cluster = await startPythonPatroniCluster({
    nodes: options.nodes,
    etcdEndpoint: endpoint,
    scope: 'local',
    timing: { ttl: 30, loopWait: 10, retryTimeout: 10 },
    dcs: options.dcs,
    dir: options.dir,
    agentCommand: ourAgentCommand,
  });
  writeFileSync(`${options.dir}/cluster.pid`, String(process.pid));
  const stop = async () => {
    console.log('\nstopping the local cluster...');
    await cluster.stopAll();
    await haproxy?.stop();
    await server.stop();
    rmSync(`${options.dir}/cluster.pid`, { force: true });
    process.exit(0);
  };
  let haproxy: Awaited<ReturnType<typeof startHaproxy>> | undefined;
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  const leader = await cluster.waitForAllRunning(120_000);
  haproxy = await startHaproxy(
    options.dir,
    cluster.nodes.map((n) => ({ name: n.name, pgPort: n.pgPort, restPort: n.restPort })),
  );
  const list = await run(process.execPath, [OUR_PATRONICTL, '-c', cluster.ctlConfigFile, 'list']);
  const superuser = cluster.node(leader).connectionString.replace(/@127\.0\.0\.1:\d+\/.*/, '');
  console.log(list.stdout);
  console.log(`primary (read-write) through HAProxy: ${superuser}@127.0.0.1:${haproxy.primaryPort}/postgres`);
  console.log(`replicas (read-only) through HAProxy: ${superuser}@127.0.0.1:${haproxy.replicaPort}/postgres`);
  console.log(`patronictl: node ${OUR_PATRONICTL} -c ${cluster.ctlConfigFile} list`);
  console.log(
    `node dirs and logs: ${options.dir}/<node>/patroni.log; Ctrl-C (or npm run cluster -- down) stops it`,
  );
}

const options = parseArgs(process.argv.slice(2));
if (options.command === 'down') await down(options.dir);
else await up(options);
