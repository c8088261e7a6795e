import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// One vitest process for the whole workspace; each package keeps its own vitest.config.ts.
export default defineConfig({
  cacheDir: join(tmpdir(), 'patroni-vitest-cache'),
  test: { projects: ['packages/*', 'apps/*', 'test-cluster'] },
});
