import { setTimeout as sleep } from 'node:timers/promises';
import { makeTempDir, startEtcd, waitUntil } from '@patroni/testkit';
import { ourAgentCommand } from '../e2e/our-agent.js';
import { type Haproxy, startHaproxy } from '../harness/haproxy.js';
import {
  type PatroniTiming,
  type PythonPatroniCluster,
  startPythonPatroniCluster,
} from '../python-patroni/index.js';
import { startWriter, timeUntilWritable, type Writer, type WriterReport } from '../writer/index.js';
import { allStreaming, elapsedUntil, nowMs, streamsFromLeader } from './cluster-probes.js';
import { etcdReceivedMessages, leaseSecondsLeft, messageDelta, readLeaderKey } from './etcd-probe.js';
import type { HaFigures, Implementation } from './ha-figures.js';
import {
  cpuPercentOfCore,
  type ProcUsage,
  readProcUsage,
  readRssBytes,
  rssOverWindow,
} from './proc-usage.js';

export interface HaScenarioOptions {
  readonly implementation: Implementation;
  readonly timing: PatroniTiming;
  /** Length of the idle window for CPU and DCS requests, seconds. */
  readonly idleS: number;
  /** Keep the node dirs (logs) even when everything went well. */
  readonly keepDirs: boolean;
  readonly log: (line: string) => void;
}

const SCOPE = 'bench';
const LEADER_KEY = `/service/${SCOPE}/leader`;

/** Times the phase marks of one run, on the writer's clock. */
interface PhaseMarks {
  /** Acknowledged writes so far at the switchover and at the kill: tells which phase lost a write. */
  acksAtSwitchover?: number;
  acksAtKill?: number;
  switchoverAtMs?: number;
  killAtMs?: number;
  rejoinAtMs?: number;
}

/**
 * One run for one implementation: fresh etcd and temp dir, a 3-node cluster, then bootstrap, idle, planned
 * switchover, kill -9 of the leader and rejoin of the killed node, with a writer through HAProxy from the
 * switchover on. A failing step ends the run; what was measured before it is kept.
 */
export async function runHaScenario(options: HaScenarioOptions): Promise<HaFigures> {
  const figures: HaFigures = { errors: [] };
  const marks: PhaseMarks = {};
  const dir = await makeTempDir(`bench-${options.implementation}`);
  const etcd = await startEtcd();
  const ttlMs = options.timing.ttl * 1000;
  let cluster: PythonPatroniCluster | undefined;
  let haproxy: Haproxy | undefined;
  let writer: Writer | undefined;
  try {
    const spawnedMs = nowMs();
    cluster = await startPythonPatroniCluster({
      nodes: 3,
      etcdEndpoint: etcd.endpoint,
      scope: SCOPE,
      dcs: 'etcd3',
      dir: dir.path,
      timing: options.timing,
      ...(options.implementation === 'ours' ? { agentCommand: ourAgentCommand } : {}),
    });
    await cluster.waitForAllRunning(120_000);
    figures.bootstrapRunningMs = nowMs() - spawnedMs;
    const live = cluster;
    figures.bootstrapStreamingMs = await elapsedUntil(
      'replicas streaming',
      spawnedMs,
      () => allStreaming(live),
      120_000,
    );
    options.log(
      `bootstrap ${Math.round(figures.bootstrapRunningMs)} ms (streaming ${Math.round(figures.bootstrapStreamingMs)} ms)`,
    );
    Object.assign(figures, await measureIdle(cluster, etcd.endpoint, options));
    haproxy = await startHaproxy(dir.path, cluster.nodes);
    const primaryUrl = cluster.nodes[0]?.connectionString.replace(
      /:\d+\/postgres$/,
      `:${haproxy.primaryPort}/postgres`,
    );
    if (!primaryUrl) throw new Error('cluster without nodes');
    writer = await startWriter({ connectionString: primaryUrl });
    await switchover(cluster, writer, figures, marks, ttlMs * 3, options.log);
    const killed = await killLeader(cluster, writer, etcd.endpoint, figures, marks, ttlMs * 4, options.log);
    marks.rejoinAtMs = nowMs();
    cluster.node(killed).start();
    figures.rejoinStreamsMs = await elapsedUntil(
      `${killed} streams again`,
      marks.rejoinAtMs,
      () => streamsFromLeader(live, killed),
      ttlMs * 4,
    );
    options.log(`rejoin ${Math.round(figures.rejoinStreamsMs)} ms`);
  } catch (error) {
    figures.errors.push(error instanceof Error ? error.message : String(error));
    options.log(`FAILED: ${figures.errors.at(-1)}`);
  } finally {
    if (writer) Object.assign(figures, await finishWriter(writer, marks, options.log));
    if (figures.killToWritableMs !== undefined && figures.killLeaderKeyGoneMs !== undefined)
      figures.killWritableAfterKeyGoneMs = figures.killToWritableMs - figures.killLeaderKeyGoneMs;
    await haproxy?.stop();
    const leftovers = (await cluster?.stopAll()) ?? [];
    if (leftovers.length > 0) figures.errors.push(`processes left running: ${leftovers.join(', ')}`);
    await etcd.stop();
    if (figures.errors.length > 0 || options.keepDirs) options.log(`node dirs kept in ${dir.path}`);
    else await dir.remove();
  }
  return figures;
}

const RSS_READING_INTERVAL_MS = 5000;

/** CPU and RSS of each agent process and etcd's request rate over an idle window (no writer, no HAProxy). */
async function measureIdle(
  cluster: PythonPatroniCluster,
  etcdEndpoint: string,
  options: HaScenarioOptions,
): Promise<Partial<HaFigures>> {
  // Measure a daemon in its steady state: let the post-bootstrap work (checkpoint, slot creation, first
  // member updates) and, for Node, the JIT warm-up settle first; the same wait for both implementations.
  await sleep(Math.max(30_000, options.timing.loopWait * 3000));
  const pids = cluster.nodes.map((n) => n.process.pid);
  const before = pids.map(readProcUsage);
  const messagesBefore = await etcdReceivedMessages(etcdEndpoint);
  const startedMs = nowMs();
  // RSS every few seconds: its mean over the window is the figure, its peak is shown beside it.
  const rssReadings: number[][] = pids.map(() => []);
  const deadline = startedMs + options.idleS * 1000;
  while (nowMs() < deadline) {
    await sleep(Math.min(RSS_READING_INTERVAL_MS, Math.max(0, deadline - nowMs())));
    pids.forEach((pid, i) => {
      const bytes = readRssBytes(pid);
      if (bytes !== undefined) rssReadings[i]?.push(bytes);
    });
  }
  const after = pids.map(readProcUsage);
  const messages = messageDelta(messagesBefore, await etcdReceivedMessages(etcdEndpoint));
  const elapsedMs = nowMs() - startedMs;
  const pairs = before.flatMap((b, i) => {
    const a = after[i];
    return b && a ? [[b, a] as [ProcUsage, ProcUsage]] : [];
  });
  if (pairs.length !== pids.length) throw new Error('an agent process exited during the idle window');
  const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / values.length;
  const figures = {
    idleCpuPercent: mean(pairs.map(([b, a]) => cpuPercentOfCore(b, a, elapsedMs))),
    idleCpuWithChildrenPercent: mean(pairs.map(([b, a]) => cpuPercentOfCore(b, a, elapsedMs, true))),
    idleRssMiB: mean(rssReadings.map((readings) => rssOverWindow(readings).meanMiB)),
    idleRssPeakMiB: mean(rssReadings.map((readings) => rssOverWindow(readings).peakMiB)),
    dcsRequestsPerSecPerAgent: messages.total / (elapsedMs / 1000) / pids.length,
  };
  const perMethod = Object.entries(messages.byMethod)
    .map(([method, count]) => `${method} ${(count / (elapsedMs / 1000) / pids.length).toFixed(2)}`)
    .join(', ');
  options.log(
    `idle ${options.idleS} s: CPU ${figures.idleCpuPercent.toFixed(3)} % ` +
      `(with child commands ${figures.idleCpuWithChildrenPercent.toFixed(3)} %) RSS ${figures.idleRssMiB.toFixed(1)} MiB (peak ${figures.idleRssPeakMiB.toFixed(1)}) ` +
      `DCS ${figures.dcsRequestsPerSecPerAgent.toFixed(2)} req/s per agent (${perMethod})`,
  );
  return figures;
}

/** Waits until the writer acknowledged `count` more writes and is not in an outage. */
async function waitForAcks(writer: Writer, count: number, timeoutMs: number): Promise<void> {
  const target = writer.progress().acknowledged + count;
  await waitUntil(
    `${count} more acknowledged writes`,
    () => writer.progress().acknowledged >= target && !writer.progress().inOutage,
    timeoutMs,
  );
}

async function switchover(
  cluster: PythonPatroniCluster,
  writer: Writer,
  figures: HaFigures,
  marks: PhaseMarks,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<void> {
  const leader = await cluster.waitForLeader(timeoutMs);
  const candidate = cluster.nodes.map((n) => n.name).find((name) => name !== leader);
  if (!candidate) throw new Error('no switchover candidate');
  await waitForAcks(writer, 20, 30_000);
  marks.switchoverAtMs = nowMs();
  marks.acksAtSwitchover = writer.progress().acknowledged;
  // The agents' part alone, as Patroni's own figure is taken: the candidate polled directly (HAProxy's check
  // interval and its 1 s turn-around before retrying a refused server stay out of it).
  const candidateWritable = timeUntilWritable(
    cluster.node(candidate).connectionString,
    Date.now() + timeoutMs,
    {
      pollMs: 10,
    },
  );
  const response = await fetch(`http://127.0.0.1:${cluster.node(leader).restPort}/switchover`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ leader, candidate }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`POST /switchover answered ${response.status}: ${text}`);
  const writable = await candidateWritable;
  if (writable.writable) figures.switchoverNewPrimaryWritableMs = writable.elapsedMs;
  else throw new Error(`${candidate} never took writes after the switchover: ${writable.lastError}`);
  log(`switchover ${leader} -> ${candidate}: new primary takes writes after ${writable.elapsedMs} ms`);
  figures.switchoverOldLeaderStreamsMs = await elapsedUntil(
    `${leader} streams from ${candidate}`,
    marks.switchoverAtMs,
    () => streamsFromLeader(cluster, leader),
    timeoutMs,
  );
  log(
    `switchover ${leader} -> ${candidate}: old leader streams after ${Math.round(figures.switchoverOldLeaderStreamsMs)} ms`,
  );
  await waitForAcks(writer, 20, timeoutMs);
}

/** kill -9 of the leader's agent and PostgreSQL; returns the killed member's name. */
async function killLeader(
  cluster: PythonPatroniCluster,
  writer: Writer,
  etcdEndpoint: string,
  figures: HaFigures,
  marks: PhaseMarks,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<string> {
  const leader = await cluster.waitForLeader(timeoutMs);
  await waitForAcks(writer, 20, 30_000);
  const key = await readLeaderKey(etcdEndpoint, LEADER_KEY);
  const leaseLeftS = key?.lease ? await leaseSecondsLeft(etcdEndpoint, key.lease) : undefined;
  marks.killAtMs = nowMs();
  marks.acksAtKill = writer.progress().acknowledged;
  await cluster.node(leader).kill9();
  const killAtMs = marks.killAtMs;
  if (leaseLeftS !== undefined) figures.killLeaseLeftS = leaseLeftS;
  figures.killLeaderKeyGoneMs = await elapsedUntil(
    'the leader key to expire',
    killAtMs,
    async () => (await readLeaderKey(etcdEndpoint, LEADER_KEY))?.holder !== leader,
    timeoutMs,
    20,
  );
  const keyGoneAtMs = killAtMs + figures.killLeaderKeyGoneMs;
  const survivors = cluster.nodes.filter((n) => n.name !== leader).map((n) => n.connectionString);
  const writableAtMs = await firstWritable(survivors, timeoutMs);
  figures.killWritableAfterKeyGoneDirectMs = writableAtMs - keyGoneAtMs;
  await waitForAcks(writer, 20, timeoutMs);
  log(
    `kill -9 ${leader}: a survivor takes writes ${Math.round(figures.killWritableAfterKeyGoneDirectMs)} ms after the key went`,
  );
  log(
    `kill -9 ${leader}: leader key gone after ${Math.round(figures.killLeaderKeyGoneMs)} ms (lease had ${leaseLeftS ?? '?'} s)`,
  );
  return leader;
}

/** When the first of `connectionStrings` commits a transaction (each polled every 10 ms), on nowMs()'s clock. */
async function firstWritable(connectionStrings: readonly string[], timeoutMs: number): Promise<number> {
  const stop = new AbortController();
  const deadline = Date.now() + timeoutMs;
  try {
    return await Promise.any(
      connectionStrings.map(async (connectionString) => {
        const result = await timeUntilWritable(connectionString, deadline, {
          pollMs: 10,
          signal: stop.signal,
        });
        if (!result.writable) throw new Error(result.lastError);
        return nowMs();
      }),
    );
  } catch {
    throw new Error('no surviving member took writes after the leader key expired');
  } finally {
    stop.abort();
  }
}

/** Stops the writer; derives the switchover and kill outage windows from its report and counts lost writes. */
async function finishWriter(
  writer: Writer,
  marks: PhaseMarks,
  log: (line: string) => void,
): Promise<Partial<HaFigures>> {
  const report = await writer.stop();
  const figures: Partial<HaFigures> = {};
  const switchoverWindow = windowAround(report, marks.switchoverAtMs, marks.killAtMs);
  if (switchoverWindow) figures.switchoverWriteOutageMs = switchoverWindow.durationMs;
  const killWindow = windowAround(report, marks.killAtMs, marks.rejoinAtMs);
  if (killWindow && marks.killAtMs !== undefined)
    figures.killToWritableMs = killWindow.endMs - marks.killAtMs;
  const verdict = await writer.verify().catch(() => undefined);
  if (verdict) figures.lostWrites = verdict.lost;
  if (verdict && verdict.lost > 0) {
    const positions = verdict.lostSample.map((id) => report.acknowledgedIds.indexOf(id) + 1);
    log(
      `lost acknowledged writes: ids ${verdict.lostSample.join(', ')} (acknowledged as #${positions.join(', #')}; ` +
        `the switchover came after #${marks.acksAtSwitchover ?? '?'}, the kill after #${marks.acksAtKill ?? '?'})`,
    );
  }
  return figures;
}

/**
 * The longest closed outage window that ends in (`fromMs`, `untilMs`]: the writes a phase interrupted came
 * back inside it (the window itself starts at the last acknowledgement, just before the phase's mark).
 */
function windowAround(report: WriterReport, fromMs: number | undefined, untilMs: number | undefined) {
  if (fromMs === undefined) return undefined;
  const candidates = report.windows.filter(
    (w) => !w.open && w.endMs > fromMs && (untilMs === undefined || w.endMs <= untilMs),
  );
  return candidates.reduce<(typeof candidates)[number] | undefined>(
    (longest, w) => (!longest || w.durationMs > longest.durationMs ? w : longest),
    undefined,
  );
}
