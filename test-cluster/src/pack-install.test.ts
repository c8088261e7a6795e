import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '../..');
const publishedDirs = [
  'packages/ha-core',
  'packages/postgres',
  'packages/rest-api',
  'packages/dcs-etcd',
  'packages/dcs-consul',
  'packages/dcs-zookeeper',
  'packages/dcs-exhibitor',
  'packages/dcs-k8s',
  'packages/callbacks-aws',
  'apps/agent',
];

// What a user gets from `npm i @patroni/agent @patroni/dcs-etcd`, built from the packed tarballs.
describe('published artifacts', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('pack every package, install the agent and dcs-etcd with npm, run patroni --version', async () => {
    const packDir = await mkdtemp(join(tmpdir(), 'patroni-pack-'));
    const userDir = await mkdtemp(join(tmpdir(), 'patroni-user-'));
    dirs.push(packDir, userDir);
    for (const dir of publishedDirs) {
      await run('pnpm', ['pack', '--pack-destination', packDir], { cwd: join(repoRoot, dir) });
    }
    const tarballs = await readdir(packDir);
    expect(tarballs).toHaveLength(publishedDirs.length);

    const tarball = (name: string) => {
      const file = tarballs.find((t) => t.startsWith(`patroni-${name}-`));
      if (!file) throw new Error(`no tarball for ${name} in ${tarballs.join(', ')}`);
      return join(packDir, file);
    };
    // The @patroni/* dependencies are not on the registry yet: hand npm their tarballs too.
    const wanted = ['agent', 'dcs-etcd', 'ha-core', 'postgres', 'rest-api'].map(tarball);
    await run('npm', ['init', '-y'], { cwd: userDir });
    await run('npm', ['install', '--no-audit', '--no-fund', ...wanted], { cwd: userDir, timeout: 240_000 });

    const { stdout } = await run('npx', ['--no-install', 'patroni', '--version'], { cwd: userDir });
    const agentPkg = JSON.parse(await readFile(join(repoRoot, 'apps/agent/package.json'), 'utf8'));
    expect(stdout.trim()).toBe(`patroni ${agentPkg.version}`);
    const ctl = await run('npx', ['--no-install', 'patronictl', 'version'], { cwd: userDir });
    expect(ctl.stdout).toContain('patronictl version');

    // The DCS package the user chose is importable next to the agent; no other dcs-* was installed.
    const probe = await run(
      'node',
      ['--input-type=module', '-e', "console.log(typeof (await import('@patroni/dcs-etcd')))"],
      {
        cwd: userDir,
      },
    );
    expect(probe.stdout.trim()).toBe('object');
    const installed = await readdir(join(userDir, 'node_modules/@patroni'));
    expect(installed.sort()).toEqual(['agent', 'dcs-etcd', 'ha-core', 'postgres', 'rest-api']);
    // Compiled tests are not shipped.
    const agentFiles = await readdir(join(userDir, 'node_modules/@patroni/agent/dist'));
    expect(agentFiles.some((f) => f.includes('.test.'))).toBe(false);
  }, 300_000);
});
