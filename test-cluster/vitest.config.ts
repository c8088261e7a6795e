import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// The cache lives in the temp dir: tests may run as an unprivileged user that cannot write the checkout.
export default defineConfig({
  cacheDir: join(tmpdir(), 'patroni-vitest-cache'),
  test: { include: ['src/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 60_000 },
});
