import { afterEach, describe, expect, it } from 'vitest';
import { SimCluster } from './test-support/sim-cluster.js';

let sim: SimCluster | null = null;
afterEach(async () => {
  await sim?.shutdownAll();
  sim = null;
});

async function threeNodeCluster(): Promise<SimCluster> {
  const cluster = new SimCluster();
  for (const name of ['pg1', 'pg2', 'pg3']) cluster.addNode(name);
  for (const name of ['pg1', 'pg2', 'pg3']) cluster.start(name);
  await cluster.advance(60_000);
  return cluster;
}

describe('HaLoop on virtual time with the in-memory DCS', () => {
  it('bootstraps one primary and two replicas following it', async () => {
    sim = await threeNodeCluster();
    expect(sim.primaries()).toEqual(['pg1']);
    expect(sim.leader()).toBe('pg1');
    expect(sim.node('pg2').pg.upstream).toBe('pg1');
    expect(sim.node('pg3').pg.upstream).toBe('pg1');
    expect(sim.node('pg1').loop.getStatus().lastSummary).toBe(
      'no action. I am (pg1), the leader with the lock',
    );
    expect(sim.node('pg2').loop.getStatus().lastSummary).toBe(
      'no action. I am (pg2), a secondary, and following a leader (pg1)',
    );
    expect(sim.node('pg1').pg.callbacks).toContain('on_start primary');
  });

  it('fails over when the primary agent dies, never with two primaries holding the key', async () => {
    sim = await threeNodeCluster();
    await sim.kill('pg1');
    sim.node('pg1').pg.crash();
    const start = sim.clock.now();
    const promoted = await sim.clock.advanceUntil(
      () => sim?.leader() !== null && sim?.leader() !== 'pg1',
      90_000,
      500,
    );
    expect(promoted).toBe(true);
    const elapsedMs = sim.clock.now() - start;
    expect(elapsedMs).toBeLessThanOrEqual(30_000 + 10_000 + 2_000);
    await sim.advance(20_000);
    const leader = sim.leader();
    expect(sim.primaries()).toEqual([leader]);
  });

  it('a primary cut off from the DCS demotes before its key expires', async () => {
    sim = await threeNodeCluster();
    sim.node('pg1').kv.setUnreachable(true);
    await sim.advance(29_000);
    expect(sim.primaries()).not.toContain('pg1');
    expect(
      sim.transcript.some((l) =>
        l.includes('pg1: demoted self because DCS is not accessible and I was a leader'),
      ),
    ).toBe(true);
    await sim.advance(30_000);
    expect(sim.primaries()).toHaveLength(1);
  });

  it('graceful shutdown stops Postgres, then releases the key; a replica takes over', async () => {
    sim = await threeNodeCluster();
    await sim.stop('pg1');
    expect(sim.node('pg1').pg.running).toBe(false);
    expect(sim.leader()).toBeNull();
    await sim.advance(20_000);
    expect(['pg2', 'pg3']).toContain(sim.leader());
  });

  it('publishes a status after every cycle and honours the loop schedule', async () => {
    sim = new SimCluster();
    sim.addNode('pg1');
    const seen: string[] = [];
    sim.node('pg1').loop.onStatus((status) => seen.push(status.lastSummary));
    sim.start('pg1');
    await sim.advance(45_000);
    expect(seen).toContain('initialized a new cluster');
    const status = sim.node('pg1').loop.getStatus();
    expect(status.role).toBe('primary');
    expect(status.nextRunAtMs).toBeGreaterThan(sim.clock.now() - 1);
    const cycles = sim.transcript.filter((l) => l.startsWith('+') && l.includes('pg1: no action'));
    expect(cycles.length).toBeGreaterThanOrEqual(2);
  });
});

describe('HaLoop applies /config', () => {
  it('reloads PostgreSQL on every node when the dynamic postgresql section changes, and only then', async () => {
    sim = await threeNodeCluster();
    const before = ['pg1', 'pg2', 'pg3'].map((n) => sim?.node(n).pg.reloads ?? 0);
    const admin = sim.node('pg1').kv;
    const current = (await admin.readAll({ consistent: true })).nodes.find((n) => n.key === 'config');
    const config = JSON.parse(current?.value ?? '{}') as Record<string, unknown>;
    const changed = { ...config, postgresql: { parameters: { work_mem: '8MB' } }, loop_wait: 10 };
    await admin.write('config', JSON.stringify(changed), {});
    await sim.advance(30_000);
    const after = ['pg1', 'pg2', 'pg3'].map((n) => sim?.node(n).pg.reloads ?? 0);
    expect(after.map((count, i) => count - (before[i] ?? 0))).toEqual([1, 1, 1]);
    // An unrelated change (a tag of the document outside `postgresql`) reloads nothing.
    await admin.write('config', JSON.stringify({ ...changed, maximum_lag_on_failover: 2048 }), {});
    await sim.advance(30_000);
    expect(['pg1', 'pg2', 'pg3'].map((n) => sim?.node(n).pg.reloads ?? 0)).toEqual(after);
  });
});

describe('HaLoop commands', () => {
  it('reinitialize: refused on the leader, started on a replica', async () => {
    sim = await threeNodeCluster();
    expect(await sim.node('pg1').loop.reinitialize({ force: false, fromLeader: false })).toEqual({
      status: 503,
      body: 'I am the leader, can not reinitialize',
    });
    const replica = sim.node('pg2');
    expect(await replica.loop.reinitialize({ force: false, fromLeader: true })).toEqual({
      status: 200,
      body: 'reinitialize started',
    });
    await sim.advance(20_000);
    expect(replica.pg.running).toBe(true);
    expect(replica.pg.upstream).toBe('pg1');
    expect(replica.loop.getStatus().lastSummary).toBe(
      'no action. I am (pg2), a secondary, and following a leader (pg1)',
    );
  });

  it('immediate restart runs through the next cycle and answers when done', async () => {
    sim = await threeNodeCluster();
    const node = sim.node('pg2');
    const refused = await node.loop.restartNow({
      role: 'primary',
      postgresVersionNum: null,
      restartPending: false,
      timeoutMs: null,
    });
    expect(refused).toEqual({ status: 503, body: 'restart conditions are not satisfied' });
    const answer = sim.whileAdvancing(
      node.loop.restartNow({ role: null, postgresVersionNum: null, restartPending: false, timeoutMs: null }),
    );
    expect(await answer).toEqual({ status: 200, body: 'restarted successfully' });
    expect(sim.transcript.some((l) => l.includes('pg2: restart initiated'))).toBe(true);
  });

  it('POST /failsafe is refused when failsafe mode is off and by a running primary', async () => {
    sim = await threeNodeCluster();
    const payload = { name: 'pg1', conn_url: 'c', api_url: 'a' };
    expect(sim.node('pg2').loop.receiveFailsafe(payload)).toMatchObject({ status: 502 });
  });
});

describe('HaLoop releases around a stop', () => {
  it('a leader shutting down releases the key at the shutdown checkpoint when a replica already has it', async () => {
    sim = await threeNodeCluster();
    // No more writes: the replicas reach the primary's position, as they do before a shutdown checkpoint.
    sim.world.writeRateBytes = 0;
    await sim.advance(20_000);
    const primary = sim.node('pg1');
    // The postmaster stays up after its shutdown checkpoint (archiving), so the early release is what frees it.
    primary.pg.shutdownLingerMs = 3_000;
    let leaderAtCheckpoint: string | null | undefined;
    primary.pg.afterShutdownCheckpoint = () => {
      leaderAtCheckpoint = sim?.leader();
    };
    await sim.stop('pg1');
    expect(leaderAtCheckpoint).toBeNull();
    expect(sim.problems.filter((p) => p.includes('release'))).toEqual([]);
    const status = JSON.parse(sim.store.get('status')?.value ?? '{}') as { optime?: number };
    expect(status.optime).toBe(primary.pg.lsn);
  });

  it('without a caught-up candidate the key is only released after the stop', async () => {
    sim = new SimCluster();
    sim.addNode('pg1');
    sim.start('pg1');
    await sim.advance(30_000);
    let leaderAtCheckpoint: string | null | undefined;
    sim.node('pg1').pg.afterShutdownCheckpoint = () => {
      leaderAtCheckpoint = sim?.leader();
    };
    await sim.stop('pg1');
    expect(leaderAtCheckpoint).toBe('pg1');
    expect(sim.leader()).toBeNull();
  });

  it('a synchronous standby publishes nosync and waits until the primary dropped it from /sync', async () => {
    sim = new SimCluster();
    for (const name of ['pg1', 'pg2']) sim.addNode(name, {}, { synchronous_mode: true });
    for (const name of ['pg1', 'pg2']) sim.start(name);
    await sim.advance(60_000);
    sim.store.write('sync', JSON.stringify({ leader: 'pg1', sync_standby: 'pg2' }));
    const started = sim.clock.now();
    await sim.stop('pg2');
    const waitedMs = sim.clock.now() - started;
    expect(JSON.parse(sim.store.get('sync')?.value ?? '{}')).toMatchObject({ sync_standby: null });
    expect(waitedMs).toBeLessThan(20_000 + 1_000);
    expect(sim.node('pg2').pg.running).toBe(false);
    // The last member key pg2 wrote carries the nosync tag the primary acted on.
    const member = JSON.parse(sim.store.get('members/pg2')?.value ?? '{}') as { tags?: { nosync?: boolean } };
    expect(member.tags?.nosync).toBe(true);
  });

  it('gives up waiting for /sync after 2 × loop_wait when the primary does not act', async () => {
    sim = new SimCluster();
    for (const name of ['pg1', 'pg2']) sim.addNode(name, {}, { synchronous_mode: true });
    for (const name of ['pg1', 'pg2']) sim.start(name);
    await sim.advance(60_000);
    await sim.kill('pg1');
    sim.store.write('sync', JSON.stringify({ leader: 'pg1', sync_standby: 'pg2' }));
    const started = sim.clock.now();
    await sim.stop('pg2');
    const waitedMs = sim.clock.now() - started;
    expect(waitedMs).toBeGreaterThanOrEqual(20_000);
    expect(waitedMs).toBeLessThan(30_000);
    expect(sim.problems.some((p) => p.includes('Timed out waiting for the primary'))).toBe(true);
  });
});
