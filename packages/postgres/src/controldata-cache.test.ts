import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { freePort, makeTempDir, postgresBinDir } from '@patroni/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBootstrapConfig, parsePostgresqlConfig } from './config.js';
import { createPostgres } from './index.js';
import type { PostgresManager } from './postgres-manager.js';

// A real server whose pg_controldata and pg_rewind are wrapped by scripts that count their runs, so the
// test sees which observations spawn a child process and which reuse the cached pg_controldata.

let root: { path: string; remove(): Promise<void> };
let server: PostgresManager;
const signal = () => AbortSignal.timeout(60_000);

const COUNTED = ['pg_controldata', 'pg_rewind'] as const;

/** A bin dir of symlinks to the real programs, with the counted ones wrapped. */
function countingBinDir(dir: string): string {
  const real = postgresBinDir();
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const name of readdirSync(real)) {
    if ((COUNTED as readonly string[]).includes(name)) {
      const wrapper = `#!/bin/sh\necho run >> '${join(dir, `${name}.runs`)}'\nexec '${join(real, name)}' "$@"\n`;
      writeFileSync(join(bin, name), wrapper);
      chmodSync(join(bin, name), 0o755);
    } else {
      symlinkSync(join(real, name), join(bin, name));
    }
  }
  return bin;
}

function runs(name: (typeof COUNTED)[number]): number {
  const file = join(root.path, `${name}.runs`);
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
}

beforeAll(async () => {
  root = await makeTempDir('pg-controldata-cache');
  const port = await freePort();
  const config = parsePostgresqlConfig({
    listen: `127.0.0.1:${port}`,
    connect_address: `127.0.0.1:${port}`,
    data_dir: join(root.path, 'data'),
    pgpass: join(root.path, 'pgpass'),
    bin_dir: countingBinDir(root.path),
    authentication: {
      superuser: { username: 'postgres', password: 'su-secret' },
      replication: { username: 'replicator', password: 'rep-secret' },
    },
    use_pg_rewind: true,
    parameters: { unix_socket_directories: root.path, shared_buffers: '16MB', fsync: 'off' },
    pg_hba: ['local all all trust', 'host all all 127.0.0.1/32 scram-sha-256'],
  });
  server = createPostgres(config, {
    scope: 'cache',
    name: 'pg-1',
    bootstrap: parseBootstrapConfig({ initdb: [{ encoding: 'UTF8' }, { locale: 'C' }] }),
    postmasterLogFile: join(root.path, 'postgres.log'),
  });
  expect(await server.bootstrap(signal())).toEqual({ ok: true });
  expect(await server.start({ role: 'primary', upstream: null, timeoutMs: 30_000 }, signal())).toEqual({
    ok: true,
  });
});

afterAll(async () => {
  await server?.stop({ mode: 'immediate', checkpoint: false, timeoutMs: 10_000 });
  await server?.close();
  await root?.remove();
});

describe('pg_controldata and pg_rewind --help at steady state', () => {
  it('reuses the reading while the postmaster and pg_control are unchanged: no child process per cycle', async () => {
    const first = await server.observe();
    expect(first.controlData['Database cluster state']).toBe('in production');
    expect(await server.canRewind()).toBe(true);
    const controlRuns = runs('pg_controldata');
    const rewindRuns = runs('pg_rewind');
    expect(rewindRuns).toBe(1);
    for (let cycle = 0; cycle < 5; cycle++) {
      const observed = await server.observe();
      expect(observed.sysid).toBe(first.sysid);
      expect(observed.controlData).toEqual(first.controlData);
      expect(await server.canRewind()).toBe(true);
    }
    expect(runs('pg_controldata')).toBe(controlRuns);
    expect(runs('pg_rewind')).toBe(rewindRuns);
  });

  it('reads again once pg_control changed (a checkpoint rewrites it)', async () => {
    const before = await server.observe();
    const controlRuns = runs('pg_controldata');
    expect(await server.checkpoint()).toEqual({ ok: true });
    const after = await server.observe();
    expect(runs('pg_controldata')).toBe(controlRuns + 1);
    expect(after.controlData['Latest checkpoint location']).not.toBe(
      before.controlData['Latest checkpoint location'],
    );
  });

  it('reads afresh on every observation while the postmaster is not running', async () => {
    const running = await server.observe();
    expect((await server.stop({ mode: 'fast', checkpoint: true, timeoutMs: null })).ok).toBe(true);
    const controlRuns = runs('pg_controldata');
    const stopped = await server.observe();
    expect(stopped.postmasterRunning).toBe(false);
    expect(stopped.controlData['Database cluster state']).toBe('shut down');
    expect(stopped.sysid).toBe(running.sysid);
    await server.observe();
    // canRewind in the same cycle reuses the reading while pg_control is unchanged.
    expect(await server.canRewind()).toBe(true);
    expect(runs('pg_controldata')).toBe(controlRuns + 2);
    expect(await server.start({ role: 'primary', upstream: null, timeoutMs: 30_000 }, signal())).toEqual({
      ok: true,
    });
    const restarted = await server.observe();
    expect(restarted.controlData['Database cluster state']).toBe('in production');
    expect(runs('pg_rewind')).toBe(1);
  });
});
