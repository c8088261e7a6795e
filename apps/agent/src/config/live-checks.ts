import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { getPath, isTree, type Tree } from './deep-merge.js';
import type { ConfigProblem } from './validate.js';

const LOOPBACK = ['127.0.0.1', '0.0.0.0', '*', '::1', 'localhost'];

/** `connect_address` must not be a loopback or wildcard address (config.md §8). */
function connectAddressProblems(tree: Tree): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const path of ['restapi.connect_address', 'postgresql.connect_address', 'postgresql.proxy_address']) {
    const value = getPath(tree, path.split('.'));
    if (typeof value !== 'string') continue;
    const host = value.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
    if (LOOPBACK.includes(host)) {
      problems.push({
        path,
        value,
        message: 'must not contain "127.0.0.1", "0.0.0.0", "*", "::1", "localhost"',
      });
    }
  }
  return problems;
}

/** An existing, non-empty data directory must look like one (config.md §8). */
function dataDirProblems(tree: Tree): ConfigProblem[] {
  const dataDir = getPath(tree, ['postgresql', 'data_dir']);
  if (typeof dataDir !== 'string' || dataDir === '' || !existsSync(dataDir)) return [];
  const path = 'postgresql.data_dir';
  if (!statSync(dataDir).isDirectory()) return [{ path, value: dataDir, message: 'is not a directory' }];
  const entries = readdirSync(dataDir).filter((name) => !name.startsWith('.') && name !== 'lost+found');
  if (entries.length === 0) return [];
  if (!entries.includes('PG_VERSION'))
    return [{ path, value: dataDir, message: "doesn't look like a valid data directory" }];
  const version = readFileSync(join(dataDir, 'PG_VERSION'), 'utf8').trim();
  const walDir = Number.parseFloat(version) >= 10 ? 'pg_wal' : 'pg_xlog';
  if (!entries.includes(walDir)) {
    return [
      {
        path,
        value: dataDir,
        message: `data dir for the cluster is not empty, but doesn't contain "${walDir}" directory`,
      },
    ];
  }
  return [];
}

function portInUse(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({
      host: host === '*' || host === '0.0.0.0' || host === '' ? '127.0.0.1' : host,
      port,
    });
    const done = (inUse: boolean) => {
      socket.destroy();
      resolve(inUse);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function listenProblems(tree: Tree): Promise<ConfigProblem[]> {
  const problems: ConfigProblem[] = [];
  for (const path of ['restapi.listen', 'postgresql.listen']) {
    const value = getPath(tree, path.split('.'));
    if (typeof value !== 'string') continue;
    const match = /^(.*):(\d+)$/.exec(value);
    const port = match ? Number(match[2]) : 5432;
    const hosts = (match ? (match[1] as string) : value).split(',').map((h) => h.trim());
    for (const host of hosts) {
      if (await portInUse(host, port, 1000)) {
        problems.push({ path, value, message: `didn't pass validation: Port ${port} is already in use.` });
        break;
      }
    }
  }
  return problems;
}

const BINARIES = ['pg_ctl', 'initdb', 'pg_controldata', 'pg_basebackup', 'postgres', 'pg_isready'];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The PostgreSQL binaries must be found in `bin_dir` (or on PATH when it is empty). */
function binDirProblems(tree: Tree, pathEnv: string): ConfigProblem[] {
  const postgresql = getPath(tree, ['postgresql']);
  if (!isTree(postgresql)) return [];
  const binDir = typeof postgresql.bin_dir === 'string' ? postgresql.bin_dir : '';
  const path = 'postgresql.bin_dir';
  if (binDir !== '') {
    if (!existsSync(binDir))
      return [
        { path, value: binDir, message: `didn't pass validation: Directory '${binDir}' does not exist.` },
      ];
    if (!statSync(binDir).isDirectory())
      return [{ path, value: binDir, message: `didn't pass validation: '${binDir}' is not a directory.` }];
  }
  const names = isTree(postgresql.bin_name) ? postgresql.bin_name : {};
  const dirs = binDir !== '' ? [binDir] : pathEnv.split(':').filter((d) => d !== '');
  const problems: ConfigProblem[] = [];
  for (const binary of BINARIES) {
    const name = typeof names[binary] === 'string' ? (names[binary] as string) : binary;
    if (!dirs.some((dir) => executable(join(dir, name)))) {
      const where = binDir !== '' ? binDir : '$PATH';
      problems.push({
        path,
        value: binDir,
        message: `didn't pass validation: does not contain '${name}' in '${where}'`,
      });
    }
  }
  return problems;
}

/** `host:port` entries of the DCS section that the validator tries to reach. */
function dcsEndpoints(tree: Tree): Array<{ path: string; endpoint: string }> {
  const out: Array<{ path: string; endpoint: string }> = [];
  const add = (path: string, value: unknown, defaultPort: number) => {
    const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
    for (const item of list) {
      const text = String(item).trim();
      if (text !== '') out.push({ path, endpoint: /:\d+$/.test(text) ? text : `${text}:${defaultPort}` });
    }
  };
  for (const name of ['etcd', 'etcd3']) {
    const section = tree[name];
    if (!isTree(section)) continue;
    add(`${name}.host`, section.host, 2379);
    add(`${name}.hosts`, section.hosts, 2379);
  }
  if (isTree(tree.consul)) add('consul.host', tree.consul.host, 8500);
  if (isTree(tree.zookeeper)) add('zookeeper.hosts', tree.zookeeper.hosts, 2181);
  return out;
}

async function dcsProblems(tree: Tree): Promise<ConfigProblem[]> {
  const problems: ConfigProblem[] = [];
  for (const { path, endpoint } of dcsEndpoints(tree)) {
    const cut = endpoint.lastIndexOf(':');
    if (!(await portInUse(endpoint.slice(0, cut), Number(endpoint.slice(cut + 1)), 1000))) {
      problems.push({
        path,
        value: getPath(tree, path.split('.')),
        message: `didn't pass validation: ${endpoint} is not reachable`,
      });
    }
  }
  return problems;
}

/** The checks of `--validate-config` that look at the machine rather than the text (config.md §8). */
export async function liveProblems(
  tree: Tree,
  options: { ignoreListenPort: boolean; pathEnv?: string },
): Promise<ConfigProblem[]> {
  return [
    ...connectAddressProblems(tree),
    ...dataDirProblems(tree),
    ...binDirProblems(tree, options.pathEnv ?? process.env.PATH ?? ''),
    ...(options.ignoreListenPort ? [] : await listenProblems(tree)),
    ...(await dcsProblems(tree)),
  ];
}
