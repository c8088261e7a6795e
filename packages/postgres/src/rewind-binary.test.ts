import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '@patroni/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePostgresqlConfig } from './config.js';
import { PgContext } from './context.js';
import { rewindBinaryWorks } from './rewind.js';

let dir: { path: string; remove(): Promise<void> };
beforeAll(async () => {
  dir = await makeTempDir('rewind-binary');
});
afterAll(() => dir.remove());

const contextWith = (binDir: string) =>
  new PgContext(
    parsePostgresqlConfig({
      listen: '127.0.0.1:5432',
      data_dir: join(dir.path, 'data'),
      bin_dir: binDir,
      authentication: { superuser: { username: 'postgres' }, replication: { username: 'replicator' } },
    }),
    { scope: 's', name: 'n' },
  );

describe('rewindBinaryWorks', () => {
  it('is false without an executable pg_rewind, and asks --help again when the file changes', async () => {
    const ctx = contextWith(dir.path);
    const binary = join(dir.path, 'pg_rewind');
    expect(await rewindBinaryWorks(ctx)).toBe(false);
    writeFileSync(binary, '#!/bin/sh\nexit 0\n', { mode: 0o644 });
    expect(await rewindBinaryWorks(ctx)).toBe(false);
    chmodSync(binary, 0o755);
    expect(await rewindBinaryWorks(ctx)).toBe(true);
    writeFileSync(binary, '#!/bin/sh\nexit 1\n# a different binary now\n');
    expect(await rewindBinaryWorks(ctx)).toBe(false);
  });
});
