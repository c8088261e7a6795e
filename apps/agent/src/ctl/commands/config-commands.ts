import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { deepMerge, isTree, type Tree } from '../../config/deep-merge.js';
import { parsePyYaml } from '../../config/py-yaml.js';
import { dumpYaml } from '../../config/yaml-dump.js';
import { ctlError } from '../../errors.js';
import type { CommandSpec, ParsedCommand } from '../args.js';
import { type CtlContext, confirm, withCluster } from '../context.js';
import { unifiedDiff } from '../unified-diff.js';
import { forceOption, groupOption, optList, optString } from './common-options.js';

export const showConfigSpec: CommandSpec = {
  name: 'show-config',
  help: 'Show cluster configuration',
  options: [groupOption],
  args: [{ name: 'cluster_name' }],
};

export const editConfigSpec: CommandSpec = {
  name: 'edit-config',
  help: 'Edit cluster configuration',
  options: [
    groupOption,
    { names: ['-q', '--quiet'], dest: 'quiet', kind: 'flag', help: 'Do not show changes' },
    {
      names: ['-s', '--set'],
      dest: 'set',
      kind: 'multi',
      help: 'Set specific configuration value. Can be specified multiple times',
    },
    {
      names: ['-p', '--pg'],
      dest: 'pg',
      kind: 'multi',
      help: 'Set specific PostgreSQL parameter value. Shorthand for -s postgresql.parameters. Can be specified multiple times',
    },
    {
      names: ['--apply'],
      dest: 'apply',
      kind: 'value',
      help: 'Apply configuration from file. Use - for stdin.',
    },
    {
      names: ['--replace'],
      dest: 'replace',
      kind: 'value',
      help: 'Apply configuration from file, replacing existing configuration. Use - for stdin.',
    },
    forceOption,
  ],
  args: [{ name: 'cluster_name' }],
};

export function clusterNameArg(ctx: CtlContext, parsed: ParsedCommand): string {
  const name = optString(parsed.args.cluster_name) ?? ctx.config.scope;
  if (!name) throw ctlError('No cluster name given and no scope in the configuration');
  return name;
}

export async function runShowConfig(ctx: CtlContext, parsed: ParsedCommand): Promise<number> {
  await withCluster(ctx, clusterNameArg(ctx, parsed), async (cluster) => {
    if (cluster.config) ctx.out.write(`${dumpYaml(cluster.config.data)}\n`);
  });
  return 0;
}

/** `--set a.b=VALUE` on a copy of `data`; after `postgresql.parameters.` the rest is one GUC name. */
export function applyKeyValues(data: Tree, pairs: readonly string[]): Tree {
  const changed = structuredClone(data);
  const setPath = (config: Tree, path: string[], value: unknown, prefix: string[]): void => {
    const keys = prefix.join('.') === 'postgresql.parameters' ? [path.join('.')] : path;
    const key = keys[0] as string;
    if (keys.length === 1) {
      if (value === null) delete config[key];
      else config[key] = value;
      return;
    }
    if (!isTree(config[key])) config[key] = {};
    const child = config[key] as Tree;
    setPath(child, keys.slice(1), value, [...prefix, key]);
    if (Object.keys(child).length === 0) delete config[key];
  };
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (pair === '' || at === -1) throw ctlError(`Invalid parameter setting ${pair}`);
    const value: unknown = parsePyYaml(pair.slice(at + 1)) ?? null;
    setPath(changed, pair.slice(0, at).trim().split('.'), value, []);
  }
  return changed;
}

async function readYamlSource(ctx: CtlContext, filename: string): Promise<Tree> {
  const text = filename === '-' ? await ctx.stdinText() : readFileSync(filename, 'utf8');
  const value: unknown = parsePyYaml(text);
  return isTree(value) ? value : {};
}

async function editInEditor(ctx: CtlContext, before: string, clusterName: string): Promise<Tree> {
  const editor =
    ctx.env.EDITOR ||
    ['editor', 'vi'].find((name) =>
      ctx.env.PATH?.split(':').some((dir) => dir && existsExecutable(join(dir, name))),
    );
  if (!editor) throw ctlError('EDITOR environment variable is not set. editor or vi are not available');
  const dir = mkdtempSync(join(tmpdir(), 'patronictl-'));
  const file = join(
    dir,
    `${clusterName.replaceAll('/', '_')}-config-${Math.random().toString(36).slice(2, 10)}.yaml`,
  );
  try {
    writeFileSync(file, before);
    const code = await ctx.runEditor(editor, file);
    if (code !== 0) throw ctlError(`Editor exited with return code ${code}`);
    const value: unknown = parsePyYaml(readFileSync(file, 'utf8'));
    return isTree(value) ? value : {};
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function existsExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function editedConfig(
  ctx: CtlContext,
  parsed: ParsedCommand,
  data: Tree,
  before: string,
  clusterName: string,
): Promise<Tree> {
  const replace = optString(parsed.options.replace);
  const apply = optString(parsed.options.apply);
  const pairs = [
    ...optList(parsed.options.set),
    ...optList(parsed.options.pg).map((v) => `postgresql.parameters.${v.trimStart()}`),
  ];
  let changed: Tree | null = null;
  if (replace) changed = await readYamlSource(ctx, replace);
  if (apply) changed = deepMerge(changed ?? data, await readYamlSource(ctx, apply));
  if (pairs.length > 0) changed = applyKeyValues(changed ?? data, pairs);
  return changed ?? (await editInEditor(ctx, before, clusterName));
}

export async function runEditConfig(ctx: CtlContext, parsed: ParsedCommand): Promise<number> {
  const clusterName = clusterNameArg(ctx, parsed);
  const quiet = parsed.options.quiet === true;
  const force = parsed.options.force === true;
  await withCluster(ctx, clusterName, async (cluster, dcs) => {
    if (!cluster.config) throw ctlError(`The config key does not exist in the cluster ${clusterName}`);
    const data = cluster.config.data as Tree;
    const before = dumpYaml(data);
    const changed = await editedConfig(ctx, parsed, data, before, clusterName);
    if (isDeepStrictEqual(changed, data)) {
      if (!quiet) ctx.out.write('Not changed\n');
      return;
    }
    if (!quiet) for (const line of unifiedDiff(before, dumpYaml(changed))) ctx.out.write(`${line}\n`);
    if ((parsed.options.apply === '-' || parsed.options.replace === '-') && !force) {
      ctx.out.write('Use --force option to apply changes\n');
      return;
    }
    if (force || (await confirm(ctx, 'Apply these changes?'))) {
      if (!(await dcs.setConfig(JSON.stringify(changed), cluster.config.version))) {
        throw ctlError('Config modification aborted due to concurrent changes');
      }
      ctx.out.write('Configuration changed\n');
    }
  });
  return 0;
}
