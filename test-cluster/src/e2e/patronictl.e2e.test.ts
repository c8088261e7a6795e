// Every patronictl command of ours against one 3-node cluster of our agents on a real etcd; `list -f json`
// compared with Debian's Python patronictl 3.0.2 on the same cluster. The steps share the cluster and run
// in order (each leaves it healthy for the next); `remove` runs last, on the stopped cluster.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type EtcdServer, makeTempDir, startEtcd, waitUntil } from '@patroni/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  type CommandResult,
  type PythonPatroniCluster,
  startPythonPatroniCluster,
} from '../python-patroni/index.js';
import { FAST_TIMING, ourAgentCommand } from './our-agent.js';

const PATRONICTL_BIN = resolve(import.meta.dirname, '../../../apps/agent/dist/bin/patronictl.js');
const SCOPE = 'ctl';

interface RunOptions {
  readonly input?: string;
  readonly env?: Record<string, string>;
  readonly timeoutMs?: number;
  /** Config file (default the cluster's patronictl.yml). */
  readonly config?: string;
}

let cluster: PythonPatroniCluster;
let etcd: EtcdServer;
let removeDir: () => Promise<void>;
let dir: string;

/** The environment without PATRONI_* (they would override the YAML). */
function baseEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PATRONI_')) env[key] = value;
  return { ...env, ...extra };
}

function run(argv: readonly string[], options: RunOptions): Promise<CommandResult> {
  const [program = 'false', ...args] = argv;
  return new Promise((done) => {
    const child = execFile(
      program,
      args,
      { env: baseEnv(options.env), timeout: options.timeoutMs ?? 30_000 },
      (error, stdout, stderr) => {
        const exitCode = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        done({ exitCode, stdout, stderr });
      },
    );
    child.stdin?.end(options.input ?? '');
  });
}

/** Our patronictl: `node apps/agent/dist/bin/patronictl.js -c <config> ...args`. */
const ctl = (args: readonly string[], options: RunOptions = {}) =>
  run([process.execPath, PATRONICTL_BIN, '-c', options.config ?? cluster.ctlConfigFile, ...args], options);
/** Debian's Python patronictl 3.0.2 with the same config file. */
const pyctl = (args: readonly string[], options: RunOptions = {}) =>
  run(['patronictl', '-c', options.config ?? cluster.ctlConfigFile, ...args], options);

/** Runs our patronictl and asserts exit 0 and an empty stderr; returns stdout. */
async function ok(args: readonly string[], options: RunOptions = {}): Promise<string> {
  const result = await ctl(args, options);
  expect({ args, code: result.exitCode, stderr: result.stderr }).toEqual({ args, code: 0, stderr: '' });
  return result.stdout;
}

interface JsonMember {
  readonly Member: string;
  readonly Host: string;
  readonly Role: string;
  readonly State: string;
  readonly TL?: number;
  readonly [column: string]: unknown;
}

async function listJson(): Promise<JsonMember[]> {
  return JSON.parse(await ok(['list', '-f', 'json'])) as JsonMember[];
}

const leaderOf = (members: readonly JsonMember[]) => members.find((m) => m.Role === 'Leader')?.Member;

/**
 * Waits until `list` shows one leader (optionally `name`) and every member running/streaming on the
 * leader's timeline (a replica still on the old one must not be the next failover candidate: it would
 * fork a second timeline with the same number).
 */
async function waitHealthy(what: string, leader?: string, timeoutMs = 60_000): Promise<JsonMember[]> {
  let members: JsonMember[] = [];
  await waitUntil(
    what,
    async () => {
      members = await listJson();
      const found = leaderOf(members);
      const timeline = members.find((m) => m.Member === found)?.TL;
      const healthy = members.every((m) => ['running', 'streaming'].includes(m.State) && m.TL === timeline);
      return (
        members.length === 3 && healthy && found !== undefined && (leader === undefined || found === leader)
      );
    },
    timeoutMs,
  );
  return members;
}

const replicasOf = (members: readonly JsonMember[]) =>
  members.filter((m) => m.Role !== 'Leader').map((m) => m.Member);

beforeAll(async () => {
  const temp = await makeTempDir('e2e-patronictl');
  dir = temp.path;
  removeDir = temp.remove;
  etcd = await startEtcd();
  cluster = await startPythonPatroniCluster({
    nodes: 3,
    etcdEndpoint: etcd.endpoint,
    scope: SCOPE,
    timing: FAST_TIMING,
    dcs: 'etcd3',
    dir,
    agentCommand: ourAgentCommand,
  });
  await cluster.waitForAllRunning(90_000);
}, 120_000);

afterAll(async () => {
  if (cluster) expect(await cluster.stopAll()).toEqual([]);
  await etcd?.stop();
  if (!process.env.E2E_KEEP) await removeDir?.();
}, 60_000);

describe('our patronictl against our agents', () => {
  it('version, list (formats, -e, -t), topology, dsn, show-config; list -f json equals Python patronictl', async () => {
    const members = await waitHealthy('cluster healthy');
    const leader = leaderOf(members) as string;
    const [first] = replicasOf(members);
    expect((await ok(['version'])).trim()).toMatch(/^patronictl version \d+\.\d+\.\d+$/);
    const versions = await ok(['version', SCOPE]);
    for (const node of cluster.nodes)
      expect(versions).toMatch(new RegExp(`\\n${node.name}: Patroni \\S+ PostgreSQL 15\\.\\d+\\n`));

    const pretty = await ok(['list']);
    expect(pretty).toMatch(new RegExp(`^\\+ Cluster: ${SCOPE} \\(\\d+\\) [-+]`));
    expect(pretty).toMatch(
      /\| Member +\| Host +\| Role +\| State +\| TL \| Receive LSN \| Lag \| Replay LSN \| Lag \|/,
    );
    expect(pretty).toContain(`| ${leader} `);
    const tsv = (await ok(['list', '-f', 'tsv'])).trimEnd().split('\n');
    expect(tsv[0]).toBe(
      'Cluster\tMember\tHost\tRole\tState\tTL\tReceive LSN\tReceive Lag\tReplay LSN\tReplay Lag',
    );
    expect(tsv.slice(1).map((l) => l.split('\t')[1])).toEqual(['node1', 'node2', 'node3']);
    const yaml = parse(await ok(['list', '-f', 'yaml'])) as JsonMember[];
    expect(yaml.map((m) => m.Member)).toEqual(['node1', 'node2', 'node3']);
    const extended = await ok(['list', '-e']);
    expect(extended).toMatch(/\| Pending restart \| Pending restart reason \| Scheduled restart \| Tags +\|/);
    const stamped = await ok(['list', '-t']);
    expect(stamped).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\n\+ Cluster: /);

    const topology = (await ok(['topology'])).split('\n');
    expect(topology[3]).toMatch(new RegExp(`^\\| ${leader} +\\|`));
    expect(topology.slice(4, 6).every((l) => /^\| \+ node\d /.test(l))).toBe(true);

    const leaderPort = cluster.node(leader).pgPort;
    expect(await ok(['dsn'])).toBe(`host=127.0.0.1 port=${leaderPort}\n`);
    expect(await ok(['dsn', '-m', first as string])).toBe(
      `host=127.0.0.1 port=${cluster.node(first as string).pgPort}\n`,
    );
    const bad = await ctl(['dsn', '-m', 'nosuch']);
    expect([bad.exitCode, bad.stderr]).toEqual([1, 'Error: Can not find a suitable member\n']);

    const config = parse(await ok(['show-config'])) as Record<string, unknown>;
    expect(config).toMatchObject({ ttl: 20, loop_wait: 2, retry_timeout: 4 });

    // Python 3.0.2 has no Receive/Replay columns: compare the columns both print.
    const common = ['Cluster', 'Member', 'Host', 'Role', 'State', 'TL'] as const;
    // 3.0.2 shows the member's own state; 4.x shows a replica's replication state instead (spec §3.2).
    const pick = (rows: readonly JsonMember[], replicationState: boolean) =>
      rows.map((r) =>
        Object.fromEntries(
          common.map((k) => [
            k,
            k === 'State' && replicationState && r[k] === 'streaming' ? 'running' : r[k],
          ]),
        ),
      );
    let ours: JsonMember[] = [];
    let theirs: JsonMember[] = [];
    await waitUntil(
      'our and Python list -f json agree',
      async () => {
        ours = await listJson();
        const python = await pyctl(['list', '-f', 'json']);
        expect(python.exitCode).toBe(0);
        theirs = JSON.parse(python.stdout) as JsonMember[];
        return JSON.stringify(pick(ours, true)) === JSON.stringify(pick(theirs, false));
      },
      15_000,
    ).catch(() => undefined);
    expect(pick(ours, true)).toEqual(pick(theirs, false));
    for (const row of ours) {
      for (const key of Object.keys(row)) {
        if (!(key in (theirs.find((t) => t.Member === row.Member) ?? {})))
          expect(['Receive LSN', 'Receive Lag', 'Replay LSN', 'Replay Lag']).toContain(key);
      }
    }
  }, 60_000);

  it('query: the configured superuser, -U with PGPASSWORD, roles, formats; same tsv as Python', async () => {
    const nodeConfig = cluster.nodes[0]?.configFile as string;
    const sql = 'SELECT 1 AS one, NULL AS none, true AS yes, pg_is_in_recovery() AS recovery';
    expect(await ok(['query', SCOPE, '-c', sql], { config: nodeConfig })).toBe(
      'one\tnone\tyes\trecovery\n1\tNone\tTrue\tFalse\n',
    );
    const env = { PGPASSWORD: cluster.passwords.superuser };
    const replica = await ok(['query', '-r', 'replica', '-U', 'postgres', '--format', 'json', '-c', sql], {
      env,
    });
    expect(replica).toBe('[{"one": 1, "none": null, "yes": true, "recovery": true}]\n');
    const python = await pyctl(['query', '-U', 'postgres', '-c', sql], { env });
    expect(python.exitCode).toBe(0);
    expect(await ok(['query', '-U', 'postgres', '-c', sql], { env })).toBe(python.stdout);
    const failed = await ok(['query', '-U', 'postgres', '-c', 'SELECT * FROM nowhere'], { env });
    const pyFailed = await pyctl(['query', '-U', 'postgres', '-c', 'SELECT * FROM nowhere'], { env });
    expect(failed.replace(/^\S+ \S+/, 'TS')).toBe('TS\tERROR, SQLSTATE: 42P01\n');
    expect(pyFailed.stdout.replace(/^\S+ \S+/, 'TS')).toBe('TS\tERROR, SQLSTATE: 42P01\n');
  }, 60_000);

  it('edit-config -s/-p --force and --apply FILE', async () => {
    const changed = await ok([
      'edit-config',
      '-s',
      'maximum_lag_on_failover=2097152',
      '-p',
      'work_mem=8MB',
      '--force',
    ]);
    expect(changed).toContain('+maximum_lag_on_failover: 2097152');
    expect(changed).toMatch(/\+ {4}work_mem: 8MB/);
    expect(changed.trimEnd().endsWith('Configuration changed')).toBe(true);
    const file = join(dir, 'apply.yaml');
    await writeFile(
      file,
      'maximum_lag_on_failover: 1048576\npostgresql:\n  parameters:\n    work_mem: null\n',
    );
    expect(await ok(['edit-config', '--apply', file, '--force'])).toContain('Configuration changed');
    const config = parse(await ok(['show-config'])) as {
      maximum_lag_on_failover: number;
      postgresql: { parameters: object };
    };
    expect(config.maximum_lag_on_failover).toBe(1048576);
    expect(config.postgresql.parameters).not.toHaveProperty('work_mem');
    expect(await ok(['edit-config', '--apply', file, '--force'])).toBe('Not changed\n');
  }, 60_000);

  it('pause/resume --wait, reload, restart --force, scheduled restart and flush', async () => {
    expect(await ok(['pause', '--wait'])).toBe(
      "'pause' request sent, waiting until it is recognized by all nodes\nSuccess: cluster management is paused\n",
    );
    expect(await ok(['list'])).toContain(' Maintenance mode: on');
    const again = await ctl(['pause']);
    expect([again.exitCode, again.stderr]).toEqual([1, 'Error: Cluster is already paused\n']);
    expect(await ok(['resume', '--wait'])).toContain('Success: cluster management is resumed');
    expect(await ok(['list'])).not.toContain('Maintenance mode');

    const reloaded = await ok(['reload', SCOPE, '--force']);
    for (const node of cluster.nodes)
      expect(reloaded).toMatch(
        new RegExp(
          `(No changes to apply on member ${node.name}|Reload request received for member ${node.name} and will be processed within 2 seconds)\\n`,
        ),
      );

    const members = await waitHealthy('healthy before restart');
    const replica = replicasOf(members)[0] as string;
    expect(await ok(['restart', SCOPE, replica, '--force'])).toContain(
      `Success: restart on member ${replica}\n`,
    );
    await waitHealthy('healthy after restart');

    const at = new Date(Date.now() + 3_600_000).toISOString();
    expect(await ok(['restart', SCOPE, replica, '--scheduled', at, '--force'])).toContain(
      `Success: restart scheduled on member ${replica}\n`,
    );
    await waitUntil(
      'scheduled restart shown',
      async () => (await listJson()).find((m) => m.Member === replica)?.['Scheduled restart'] !== undefined,
      10_000,
    );
    expect(await ok(['flush', SCOPE, replica, 'restart', '--force'])).toContain(
      `Success: flush scheduled restart for member ${replica}\n`,
    );
    await waitUntil(
      'scheduled restart gone',
      async () => (await listJson()).find((m) => m.Member === replica)?.['Scheduled restart'] === undefined,
      10_000,
    );
    expect(await ok(['flush', SCOPE, 'switchover', '--force'])).toBe('No pending scheduled switchover\n');
  }, 60_000);

  it('reinit --force --wait of a replica', async () => {
    const members = await waitHealthy('healthy before reinit');
    const replica = replicasOf(members)[1] as string;
    const out = await ok(['reinit', SCOPE, replica, '--force', '--wait'], { timeoutMs: 60_000 });
    expect(out).toContain(`Success: reinitialize for member ${replica}\n`);
    expect(out).toContain(`Waiting for reinitialize to complete on: ${replica}\n`);
    expect(out).toContain(`Reinitialize is completed on: ${replica}\n`);
    await waitHealthy('healthy after reinit');
  }, 60_000);

  it('switchover --force to a candidate, failover --force --candidate, history', async () => {
    const members = await waitHealthy('healthy before switchover');
    const [candidate, other] = replicasOf(members) as [string, string];
    const switched = await ok(['switchover', '--candidate', candidate, '--force'], { timeoutMs: 60_000 });
    if (!switched.includes('Successfully')) console.log(switched);
    expect(switched).toContain('Current cluster topology');
    expect(switched).toMatch(new RegExp(`\\d+ Successfully switched over to "${candidate}"`));
    const afterSwitch = await waitHealthy('new leader after switchover', candidate);
    expect(leaderOf(afterSwitch)).toBe(candidate);

    const failed = await ok(['failover', '--candidate', other, '--force'], { timeoutMs: 60_000 });
    if (!failed.includes('Successfully')) console.log(failed);
    expect(failed).toMatch(new RegExp(`\\d+ Successfully failed over to "${other}"`));
    await waitHealthy('new leader after failover', other);

    // The new leader records the timeline switch in /history once its promotion checkpoint is done.
    let history: Record<string, unknown>[] = [];
    await waitUntil(
      'history lists both promotions',
      async () => {
        history = JSON.parse(await ok(['history', '-f', 'json'])) as Record<string, unknown>[];
        return history.at(-1)?.['New Leader'] === other;
      },
      20_000,
    ).catch(() => undefined);
    expect(history.length).toBeGreaterThanOrEqual(2);
    expect(history.at(-1)?.['New Leader']).toBe(other);
    expect(history.at(-2)?.['New Leader']).toBe(candidate);
    const pretty = await ok(['history']);
    expect(pretty.split('\n')[1]).toMatch(/^\| TL \| +LSN \| Reason +\| Timestamp +\| New Leader \|$/);
  }, 60_000);

  it('demote-cluster and promote-cluster', async () => {
    const members = await waitHealthy('healthy before demote');
    const leader = leaderOf(members) as string;
    const demoted = await ctl(['demote-cluster', '--host', '127.0.0.1', '--port', '1', '--force'], {
      timeoutMs: 45_000,
    });
    expect({ code: demoted.exitCode, stderr: demoted.stderr }).toEqual({ code: 0, stderr: '' });
    expect(demoted.stdout).toContain('cluster is successfully demoted');
    expect((await listJson()).find((m) => m.Member === leader)?.Role).toBe('Standby Leader');
    const promoted = await ctl(['promote-cluster', '--force'], { timeoutMs: 45_000 });
    expect({ code: promoted.exitCode, stderr: promoted.stderr }).toEqual({ code: 0, stderr: '' });
    expect(promoted.stdout).toContain('cluster is successfully promoted');
    await waitHealthy('healthy after promote', leader);
  }, 60_000);

  it('remove on the stopped cluster, with its confirmations', async () => {
    expect(await cluster.stopAll()).toEqual([]);
    const wrongName = await ctl(['remove', SCOPE], { input: 'other\n' });
    expect([wrongName.exitCode, wrongName.stderr]).toEqual([
      1,
      'Error: Cluster names specified do not match\n',
    ]);
    const wrongPhrase = await ctl(['remove', SCOPE], { input: `${SCOPE}\nyes\n` });
    expect([wrongPhrase.exitCode, wrongPhrase.stderr]).toEqual([
      1,
      'Error: You did not exactly type "Yes I am aware"\n',
    ]);
    const removed = await ctl(['remove', SCOPE], { input: `${SCOPE}\nYes I am aware\n` });
    expect([removed.exitCode, removed.stderr]).toEqual([0, '']);
    expect(removed.stdout).toContain('Please confirm the cluster name to remove');
    expect(await ok(['list', '-f', 'json'])).toBe('[]\n');
    expect(await ok(['list'])).toContain(` Cluster: ${SCOPE} (uninitialized) `);
  }, 60_000);
});
