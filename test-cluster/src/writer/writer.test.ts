import { makeTempDir } from '@patroni/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalPostgres, startLocalPostgres } from './local-postgres.js';
import { connectPg } from './pg-client.js';
import { timeUntilWritable } from './writable.js';
import { monotonicNowMs, startWriter } from './writer.js';

const waitFor = async (what: string, check: () => boolean, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('writer against a real PostgreSQL 15', () => {
  let dir: { path: string; remove(): Promise<void> };
  let pg: LocalPostgres;
  beforeAll(async () => {
    dir = await makeTempDir('writer');
    pg = await startLocalPostgres(dir.path);
  });
  afterAll(async () => {
    await pg?.stop();
    await dir?.remove();
  });

  it('reports one outage about as long as the server was down, and no lost writes', async () => {
    const writer = await startWriter({ connectionString: pg.connectionString, intervalMs: 20 });
    await waitFor('20 acknowledged writes', () => writer.progress().acknowledged >= 20, 10_000);

    const stopIssuedMs = monotonicNowMs();
    await pg.stop();
    const downSinceMs = monotonicNowMs();
    await new Promise((r) => setTimeout(r, 1_000));
    const startIssuedMs = monotonicNowMs();
    await pg.start();
    const upAtMs = monotonicNowMs();

    const acknowledgedAtRestart = writer.progress().acknowledged;
    await waitFor(
      'writes to resume',
      () => writer.progress().acknowledged >= acknowledgedAtRestart + 20,
      10_000,
    );
    const report = await writer.stop();

    expect(report.failedAttempts).toBeGreaterThan(0);
    expect(report.windows).toHaveLength(1);
    const window = report.windows[0]!;
    console.info(
      `outage window ${Math.round(window.durationMs)} ms (server down ${Math.round(startIssuedMs - downSinceMs)} ms,` +
        ` stop took ${Math.round(downSinceMs - stopIssuedMs)} ms, start took ${Math.round(upAtMs - startIssuedMs)} ms)`,
    );
    expect(window.open).toBe(false);
    // It covers the whole time the server was certainly down, and starts no earlier than the last ack
    // before the stop command (at most one interval plus one write before it).
    expect(window.startMs).toBeLessThanOrEqual(downSinceMs);
    expect(window.startMs).toBeGreaterThan(stopIssuedMs - 500);
    expect(window.endMs).toBeGreaterThanOrEqual(startIssuedMs);
    expect(window.endMs).toBeLessThan(upAtMs + 1_000);
    expect(window.durationMs).toBeGreaterThanOrEqual(1_000);
    expect(report.longestWindow).toEqual(window);
    expect(report.acknowledgedIds.length).toBeGreaterThan(40);

    const verdict = await writer.verify();
    expect(verdict).toEqual({ acknowledged: report.acknowledgedIds.length, lost: 0, lostSample: [] });
  });

  it('verify counts acknowledged rows that disappeared', async () => {
    const writer = await startWriter({ connectionString: pg.connectionString, table: 'writer_loss_probe' });
    await waitFor('10 acknowledged writes', () => writer.progress().acknowledged >= 10, 10_000);
    const report = await writer.stop();
    const [first, second] = report.acknowledgedIds;
    const client = await connectPg({
      connectionString: pg.connectionString,
      connectTimeoutMs: 2_000,
      statementTimeoutMs: 2_000,
      applicationName: 'test',
    });
    await client.query('DELETE FROM writer_loss_probe WHERE id = ANY($1::bigint[])', [[first, second]]);
    await client.end();
    const verdict = await writer.verify();
    expect(verdict.lost).toBe(2);
    expect(verdict.lostSample).toEqual([first, second]);
  });

  it('timeUntilWritable waits for a server that is starting, and gives up at the deadline', async () => {
    const down = await timeUntilWritable('postgres://postgres@127.0.0.1:1/postgres', Date.now() + 300);
    expect(down.writable).toBe(false);
    expect(down.elapsedMs).toBeGreaterThanOrEqual(300);

    await pg.stop();
    const starting = pg.start();
    const result = await timeUntilWritable(pg.connectionString, Date.now() + 30_000);
    await starting;
    expect(result.writable).toBe(true);
  });

  it('rejects a table name that is not a plain identifier', async () => {
    await expect(
      startWriter({ connectionString: pg.connectionString, table: 'x; DROP TABLE y' }),
    ).rejects.toThrow(/not a plain lower-case SQL identifier/);
  });
});
