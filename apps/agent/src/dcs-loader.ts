import type { Dcs, DcsBackendFactory, DcsBackends, DcsFactoryContext } from '@patroni/ha-core';
import { AgentError, AgentErrorCode } from './errors.js';

/** The package that serves each DCS config section (STYLE.md 7). */
export const DCS_PACKAGES: Readonly<Record<string, string>> = {
  etcd: '@patroni/dcs-etcd',
  etcd3: '@patroni/dcs-etcd',
  consul: '@patroni/dcs-consul',
  zookeeper: '@patroni/dcs-zookeeper',
  exhibitor: '@patroni/dcs-exhibitor',
  kubernetes: '@patroni/dcs-k8s',
};

/** Loads a module by specifier; `import()` by default, injectable so tests can load from elsewhere. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

/**
 * Static lazy imports, one per package, so bundlers and `npm ls` see the optional peers and a missing one is
 * only noticed when its section is configured.
 */
const defaultImporter: ModuleImporter = (specifier) => {
  switch (specifier) {
    case '@patroni/dcs-etcd':
      return import('@patroni/dcs-etcd');
    case '@patroni/dcs-consul':
      return import('@patroni/dcs-consul');
    case '@patroni/dcs-zookeeper':
      return import('@patroni/dcs-zookeeper');
    case '@patroni/dcs-exhibitor':
      return import('@patroni/dcs-exhibitor');
    case '@patroni/dcs-k8s':
      return import('@patroni/dcs-k8s');
    default:
      return import(specifier);
  }
};

/** True when `error` says `specifier` itself cannot be found (not one of its own dependencies). */
export function isPackageMissing(error: unknown, specifier: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    typeof message === 'string' &&
    (message.includes(`'${specifier}'`) || message.includes(`"${specifier}"`))
  );
}

function factoryOf(module: unknown, section: string): DcsBackendFactory | null {
  if (typeof module !== 'object' || module === null) return null;
  const backends = (module as { backends?: unknown }).backends;
  if (typeof backends !== 'object' || backends === null) return null;
  const factory = (backends as DcsBackends)[section];
  return typeof factory === 'function' ? factory : null;
}

/** Finds the factory for a DCS section, importing its package on demand. */
export async function loadDcsFactory(
  section: string,
  importer: ModuleImporter = defaultImporter,
): Promise<DcsBackendFactory> {
  const specifier = DCS_PACKAGES[section];
  if (specifier === undefined) {
    throw new AgentError(
      AgentErrorCode.DcsSectionInvalid,
      `Unsupported DCS section '${section}'; supported: ${Object.keys(DCS_PACKAGES).join(', ')}`,
    );
  }
  let module: unknown;
  try {
    module = await importer(specifier);
  } catch (error) {
    if (isPackageMissing(error, specifier)) {
      throw new AgentError(
        AgentErrorCode.DcsPackageMissing,
        `The configuration uses the '${section}' DCS, but ${specifier} is not installed. Install it: npm i ${specifier}`,
        { cause: error },
      );
    }
    throw error;
  }
  const factory = factoryOf(module, section);
  if (factory === null) {
    throw new AgentError(
      AgentErrorCode.DcsFactoryMissing,
      `${specifier} does not provide a backend for the '${section}' section (its \`backends\` export has no '${section}' factory); check that its version matches @patroni/agent`,
    );
  }
  return factory;
}

/** Imports the package for `section` and builds the backend; the factory validates its own section. */
export async function createDcs(
  section: string,
  sectionConfig: unknown,
  context: DcsFactoryContext,
  importer?: ModuleImporter,
): Promise<Dcs> {
  const factory = await loadDcsFactory(section, importer);
  return factory(sectionConfig, context);
}
