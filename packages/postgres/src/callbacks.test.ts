import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, postgresBinDir, waitUntil } from '@patroni/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallbackExecutor } from './callbacks.js';
import { parsePostgresqlConfig } from './config.js';
import { createPostgres } from './index.js';

let root: { path: string; remove(): Promise<void> };
const logger = { debug() {}, info() {}, warn() {}, error() {} };

beforeAll(async () => {
  root = await makeTempDir('pg-callbacks');
});
afterAll(async () => {
  await root.remove();
});

function server(extra: Record<string, unknown>) {
  return createPostgres(
    parsePostgresqlConfig({
      listen: '127.0.0.1:1',
      data_dir: join(root.path, 'data'),
      bin_dir: postgresBinDir(),
      authentication: { superuser: { username: 'postgres' }, replication: { username: 'rep' } },
      ...extra,
    }),
    { scope: 'demo-cluster', name: 'pg-1' },
  );
}

describe('callbacks', () => {
  it('runs `script action role scope` without waiting', async () => {
    const out = join(root.path, 'argv.txt');
    const script = join(root.path, 'cb.sh');
    writeFileSync(script, `#!/bin/sh\necho "$@" > '${out}'\n`, { mode: 0o755 });
    server({ callbacks: { on_role_change: `${script} --flag` } }).runCallback('on_role_change', 'primary');
    await waitUntil(
      'callback output',
      () => readFileSync(out, 'utf8') === '--flag on_role_change primary demo-cluster\n',
      5_000,
    );
  });

  it('a new callback ends the still-running one; on_reload has its own slot', async () => {
    const executor = new CallbackExecutor(
      () => ({ on_start: 'sh -c "sleep 30"', on_stop: 'sh -c "sleep 30"', on_reload: 'sh -c "sleep 30"' }),
      's',
      logger,
    );
    const first = executor.run('on_start', 'replica');
    const reload = executor.run('on_reload', 'replica');
    const exited = new Promise((resolve) => first?.once('exit', (code, sig) => resolve(sig ?? code)));
    const second = executor.run('on_stop', 'replica');
    expect(await exited).toBe('SIGKILL');
    expect(reload?.exitCode).toBeNull();
    expect(second?.exitCode).toBeNull();
    executor.killAll();
  });

  it('pre_promote: exit 0 allows, anything else vetoes', async () => {
    expect(await server({ pre_promote: 'sh -c "exit 0"' }).runPrePromote()).toBe(true);
    expect(await server({ pre_promote: 'sh -c "exit 1"' }).runPrePromote()).toBe(false);
    expect(await server({ pre_promote: '/no/such/fence' }).runPrePromote()).toBe(false);
    expect(await server({}).runPrePromote()).toBe(true);
  });
});
