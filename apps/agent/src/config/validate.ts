import type { AnySchema } from '@patroni/ha-core';
import { getPath, isTree, type Tree } from './deep-merge.js';
import { ownSectionsSchema } from './local-schema.js';
import { dcsSectionSchemas, type SectionSchemas } from './section-schemas.js';

/** One validation problem, printed as Patroni prints it: `<dotted.path> <value> <message>`. */
export interface ConfigProblem {
  readonly path: string;
  readonly value: unknown;
  readonly message: string;
}

/** The DCS sections Patroni knows, in the order it tries them (config.md §4.5). */
export const DCS_SECTION_NAMES = [
  'consul',
  'etcd',
  'etcd3',
  'exhibitor',
  'kubernetes',
  'raft',
  'zookeeper',
] as const;
export type DcsSectionName = (typeof DCS_SECTION_NAMES)[number];

/** Python's `str()` of a value, as the validator prints it (missing → empty). */
export function valueText(value: unknown): string {
  if (value === undefined) return '';
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value).replaceAll('"', "'");
  return String(value);
}

export function formatProblem(problem: ConfigProblem): string {
  return `${problem.path} ${valueText(problem.value)} ${problem.message}`;
}

function problemsOf(schema: AnySchema, value: unknown, prefix: readonly string[]): ConfigProblem[] {
  const result = schema.safeParse(value);
  if (result.success) return [];
  return result.error.issues.map((issue) => ({
    path: [...prefix, ...issue.path].join('.'),
    value: getPath(value, issue.path),
    message: issue.message,
  }));
}

/** The DCS sections present in a tree (a `raft` section counts, so that it can be refused by name). */
export function presentDcsSections(tree: Tree): DcsSectionName[] {
  return DCS_SECTION_NAMES.filter((name) => tree[name] !== undefined && tree[name] !== null);
}

function dcsProblems(tree: Tree): ConfigProblem[] {
  const present = presentDcsSections(tree);
  if (present.length === 0) {
    return [
      {
        path: 'dcs',
        value: undefined,
        message: `is not defined. Exactly one DCS section is required, one of: ${DCS_SECTION_NAMES.filter((n) => n !== 'raft').join(', ')}`,
      },
    ];
  }
  if (present.length > 1) {
    return [
      {
        path: present.join(', '),
        value: undefined,
        message: `multiple DCS sections configured; exactly one of them is allowed`,
      },
    ];
  }
  const name = present[0] as DcsSectionName;
  if (name === 'raft') {
    return [
      {
        path: 'raft',
        value: undefined,
        message:
          'is not supported (Patroni deprecated raft); use etcd, etcd3, consul, zookeeper, exhibitor or kubernetes',
      },
    ];
  }
  const schema = dcsSectionSchemas[name];
  return schema === undefined ? [] : problemsOf(schema, tree[name], [name]);
}

/**
 * Validates the local configuration (after env overrides and legacy normalisation) and returns every
 * problem, not only the first. Unknown keys are accepted (config.md §8).
 */
export function validateLocalTree(tree: Tree, sections: SectionSchemas): ConfigProblem[] {
  const problems: ConfigProblem[] = [...problemsOf(ownSectionsSchema, tree, [])];
  for (const key of ['postgresql', 'restapi'] as const) {
    if (tree[key] === undefined) problems.push({ path: key, value: undefined, message: 'is not defined.' });
    else if (!isTree(tree[key]))
      problems.push({ path: key, value: tree[key], message: 'is not a dictionary' });
    else problems.push(...problemsOf(sections[key], tree[key], [key]));
  }
  problems.push(...dcsProblems(tree));
  return problems;
}
