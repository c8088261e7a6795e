import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { deepMerge, isTree, type Tree } from './deep-merge.js';
import { parsePyYaml } from './py-yaml.js';

/** Where the local configuration came from (config.md §1.2). */
export type ConfigSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'directory'; readonly path: string; readonly files: readonly string[] }
  | { readonly kind: 'environment-document' }
  | { readonly kind: 'environment-only' };

export type ReadResult =
  | { readonly ok: true; readonly tree: Tree; readonly source: ConfigSource }
  | { readonly ok: false; readonly problems: readonly string[] };

/** Parses one YAML document that must be a mapping (an empty document is an empty mapping). */
export function parseYamlMapping(text: string, label: string): { tree: Tree } | { problem: string } {
  let value: unknown;
  try {
    value = parsePyYaml(text);
  } catch (error) {
    return { problem: `invalid config file ${label}: ${(error as Error).message.split('\n')[0]}` };
  }
  if (value === null || value === undefined) return { tree: {} };
  if (!isTree(value)) return { problem: `${label} does not contain a dict` };
  return { tree: value };
}

function readYamlFile(path: string): { tree: Tree } | { problem: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { problem: `invalid config file ${path}: ${(error as Error).message}` };
  }
  return parseYamlMapping(text, path);
}

/** Every `*.yml`/`*.yaml` regular file of `dir`, in sorted name order, merged in turn. */
function readDirectory(dir: string): ReadResult {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.yml') || name.endsWith('.yaml'))
    .sort()
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile());
  let tree: Tree = {};
  const problems: string[] = [];
  for (const file of files) {
    const read = readYamlFile(file);
    if ('problem' in read) problems.push(read.problem);
    else tree = deepMerge(tree, read.tree);
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, tree, source: { kind: 'directory', path: dir, files } };
}

/**
 * Reads the local configuration from a file or a directory of YAML files; without an existing path, from
 * the `PATRONI_CONFIGURATION` document; else the tree is empty (the env overrides then make it).
 */
export function readConfigSource(
  path: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): ReadResult {
  if (path !== undefined) {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isFile()) {
      const read = readYamlFile(path);
      return 'problem' in read
        ? { ok: false, problems: [read.problem] }
        : { ok: true, tree: read.tree, source: { kind: 'file', path } };
    }
    if (stat?.isDirectory()) return readDirectory(path);
    if (stat) return { ok: false, problems: ['invalid config path'] };
  }
  const document = env.PATRONI_CONFIGURATION;
  if (document !== undefined && document !== '') {
    const read = parseYamlMapping(document, 'PATRONI_CONFIGURATION');
    return 'problem' in read
      ? { ok: false, problems: [read.problem] }
      : { ok: true, tree: read.tree, source: { kind: 'environment-document' } };
  }
  return { ok: true, tree: {}, source: { kind: 'environment-only' } };
}
