import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';

// Root-only tests (network namespaces, iptables) live in `*.netns.test.ts`: the main run (as the postgres
// user, see scripts/vitest.sh) excludes them; scripts/test-all.sh runs them as root with `--project netns`.
const ROOT_ONLY = '**/*.netns.test.ts';
const asRoot = process.getuid?.() === 0;

// One vitest process for the whole workspace; each package keeps its own vitest.config.ts.
export default defineConfig({
  // Apart per user: a cache dir root created first would not be writable by the postgres user.
  cacheDir: join(tmpdir(), asRoot ? 'patroni-vitest-cache-root' : 'patroni-vitest-cache'),
  test: {
    projects: [
      'packages/*',
      'apps/*',
      {
        extends: './test-cluster/vitest.config.ts',
        test: {
          name: 'test-cluster',
          root: './test-cluster',
          exclude: [...configDefaults.exclude, ROOT_ONLY],
        },
      },
      // Only defined for root: as any other user these tests cannot run at all.
      ...(asRoot
        ? [
            {
              // Not `extends`: that would add test-cluster's `include` to this one.
              test: {
                name: 'netns',
                root: './test-cluster',
                include: ['src/**/*.netns.test.ts'],
                testTimeout: 300_000,
                hookTimeout: 120_000,
              },
            },
          ]
        : []),
    ],
  },
});
