import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createDcs, loadDcsFactory, type ModuleImporter } from './dcs-loader.js';
import { AgentErrorCode } from './errors.js';

/**
 * An importer that resolves packages from a temp project, as an installed agent would resolve them from
 * the user's node_modules: `packages` maps a package name to the source of its index.js.
 */
async function projectImporter(packages: Record<string, string>): Promise<ModuleImporter> {
  const root = mkdtempSync(join(tmpdir(), 'agent-dcs-loader-'));
  for (const [name, source] of Object.entries(packages)) {
    const dir = join(root, 'node_modules', ...name.split('/'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, type: 'module', exports: './index.js' }));
    writeFileSync(join(dir, 'index.js'), source);
  }
  const loader = join(root, 'load.mjs');
  writeFileSync(loader, 'export const load = (specifier) => import(specifier);\n');
  const module = (await import(pathToFileURL(loader).href)) as { load: ModuleImporter };
  return module.load;
}

describe('DCS package loading', () => {
  it('names the package to install when it is missing', async () => {
    const importer = await projectImporter({});
    await expect(loadDcsFactory('etcd3', importer)).rejects.toMatchObject({
      code: AgentErrorCode.DcsPackageMissing,
      message:
        "The configuration uses the 'etcd3' DCS, but @patroni/dcs-etcd is not installed. Install it: npm i @patroni/dcs-etcd",
    });
    await expect(loadDcsFactory('kubernetes', importer)).rejects.toMatchObject({
      message: expect.stringContaining('npm i @patroni/dcs-k8s'),
    });
  });

  it('a missing dependency of an installed package is not reported as the package missing', async () => {
    const importer = await projectImporter({
      '@patroni/dcs-zookeeper': "import 'no-such-dependency';\nexport const backends = {};\n",
    });
    await expect(loadDcsFactory('zookeeper', importer)).rejects.toMatchObject({
      code: 'ERR_MODULE_NOT_FOUND',
    });
  });

  it('a package without a factory for the section is a clear error', async () => {
    const importer = await projectImporter({
      '@patroni/dcs-etcd': 'export const backends = { etcd: async () => ({}) };\n',
    });
    await expect(loadDcsFactory('etcd3', importer)).rejects.toMatchObject({
      code: AgentErrorCode.DcsFactoryMissing,
      message: expect.stringContaining("does not provide a backend for the 'etcd3' section"),
    });
  });

  it('an unknown section is refused', async () => {
    await expect(loadDcsFactory('raft')).rejects.toMatchObject({ code: AgentErrorCode.DcsSectionInvalid });
  });

  it('calls the factory with the section and context', async () => {
    const importer = await projectImporter({
      '@patroni/dcs-exhibitor':
        'export const backends = { exhibitor: async (section, context) => ({ section, scope: context.scope.scope }) };\n',
    });
    const dcs = await createDcs(
      'exhibitor',
      { hosts: ['a'], port: 8181 },
      {
        scope: { namespace: '/service/', scope: 'demo', name: 'pg1' },
        timing: { ttlMs: 30_000, loopWaitMs: 10_000, retryTimeoutMs: 10_000 },
        logger: { debug() {}, info() {}, warn() {}, error() {} },
      },
      importer,
    );
    expect(dcs).toEqual({ section: { hosts: ['a'], port: 8181 }, scope: 'demo' });
  });
});
