import { readFileSync } from 'node:fs';
import type { Cluster } from '@patroni/ha-core';
import { ctlError } from '../../errors.js';
import { type CommandSpec, type ParsedCommand, UsageError } from '../args.js';
import { connHostPort } from '../cluster-view.js';
import { ask, type CtlContext, ctlTimestamp, withCluster } from '../context.js';
import { type OutputFormat, printOutput } from '../output.js';
import { memberConnection, openSqlSession, type SqlOutcome } from '../pg-session.js';
import { type CtlRole, membersWithRole } from '../select-members.js';
import { groupOption, optString, roleOption, watchOptions } from './common-options.js';
import { clusterNameArg } from './config-commands.js';
import { repeat, watchSeconds } from './list.js';

export const querySpec: CommandSpec = {
  name: 'query',
  help: 'Query a Patroni PostgreSQL member',
  options: [
    groupOption,
    {
      names: ['--format'],
      dest: 'format',
      kind: 'value',
      default: 'tsv',
      help: 'Output format (pretty, tsv, json, yaml)',
    },
    { names: ['--file', '-f'], dest: 'file', kind: 'value', help: 'Execute the SQL commands from this file' },
    { names: ['--password'], dest: 'password', kind: 'flag', help: 'force password prompt' },
    { names: ['-U', '--username'], dest: 'username', kind: 'value', help: 'database user name' },
    ...watchOptions,
    roleOption('The role of the query', null),
    { names: ['-m', '--member'], dest: 'member', kind: 'value', help: 'Query a specific member' },
    { names: ['--delimiter'], dest: 'delimiter', kind: 'value', default: '\t', help: 'The column delimiter' },
    { names: ['-c', '--command'], dest: 'command', kind: 'value', help: 'The SQL commands to execute' },
    { names: ['-d', '--dbname'], dest: 'dbname', kind: 'value', help: 'database name to connect to' },
  ],
  args: [{ name: 'cluster_name' }],
};

/** Formats `print_output` knows; any other `--format` prints nothing, as in Patroni. */
const PRINTABLE = new Set(['pretty', 'tsv', 'json', 'yaml', 'yml', 'topology']);

/** Roles whose member is double-checked with `pg_is_in_recovery()` (`get_cursor`). */
const RECOVERY_EXPECTED: Readonly<Partial<Record<CtlRole, boolean>>> = {
  replica: true,
  standby: true,
  'standby-leader': true,
  primary: false,
};

async function readSql(ctx: CtlContext, parsed: ParsedCommand): Promise<string> {
  const file = optString(parsed.options.file);
  const command = optString(parsed.options.command);
  if (file !== undefined) {
    if (command !== undefined) throw ctlError('--file and --command are mutually exclusive options');
    if (file === '-') return ctx.stdinText();
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      const reason =
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? 'No such file or directory'
          : 'Permission denied';
      throw new UsageError(`Invalid value for '--file' / '-f': '${file}': ${reason}`, 'query');
    }
  }
  if (command === undefined) throw ctlError('You need to specify either --command or --file');
  return command;
}

interface Target {
  readonly role: CtlRole | undefined;
  readonly member: string | undefined;
}

/** `query_member`: connect to the chosen member, run the SQL, and return the rows to print. */
async function queryMember(
  ctx: CtlContext,
  cluster: Cluster,
  target: Target,
  overrides: { user?: string; password?: string; dbname?: string },
  sql: string,
): Promise<{ header: readonly string[] | null; rows: unknown[][] }> {
  const failure = (message: string) => ({ header: null, rows: [[ctlTimestamp(ctx.now(), 0), message]] });
  const unavailable = () =>
    failure(
      target.member !== undefined
        ? `No connection to member ${target.member} is available`
        : target.role !== undefined
          ? `No connection to role ${target.role} is available`
          : 'No connection is available',
    );
  const role = target.member !== undefined ? 'any' : (target.role ?? 'leader');
  const member = membersWithRole(cluster, role).find(
    (m) => target.member === undefined || m.name === target.member,
  );
  const { host, port } = connHostPort(member?.data.conn_url);
  if (member === undefined || host === undefined) return unavailable();
  const connection = memberConnection({ host, port: port ?? 5432 }, overrides, ctx.config.local, ctx.env);
  const session = await openSqlSession(connection);
  if ('kind' in session) return failure(`ERROR, SQLSTATE: ${session.message}`);
  try {
    const expected = RECOVERY_EXPECTED[role];
    if (expected !== undefined && (await session.inRecovery()) !== expected) return unavailable();
    const outcome: SqlOutcome = await session.run(sql);
    if (outcome.kind === 'error') return failure(`ERROR, SQLSTATE: ${outcome.message}`);
    return { header: outcome.columns, rows: outcome.rows };
  } finally {
    await session.close();
  }
}

/** `patronictl query` (patronictl.md §4.2). */
export async function runQuery(ctx: CtlContext, parsed: ParsedCommand): Promise<number> {
  const target: Target = {
    role: optString(parsed.options.role) as CtlRole | undefined,
    member: optString(parsed.options.member),
  };
  const sql = await readSql(ctx, parsed);
  const user = optString(parsed.options.username);
  const dbname = optString(parsed.options.dbname);
  const password =
    parsed.options.password === true ? await ask(ctx, 'Password', { hidden: true }) : undefined;
  if (target.role !== undefined && target.member !== undefined)
    throw ctlError('--role and --member are mutually exclusive options');
  const overrides = {
    ...(user ? { user } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(dbname ? { dbname } : {}),
  };
  const format = String(parsed.options.format);
  const delimiter = String(parsed.options.delimiter);
  await withCluster(ctx, clusterNameArg(ctx, parsed), async (cluster) => {
    await repeat(
      ctx,
      watchSeconds(parsed),
      async () => {
        const { header, rows } = await queryMember(ctx, cluster, target, overrides, sql);
        if (!PRINTABLE.has(format)) return;
        const as = (format === 'topology' ? 'pretty' : format) as OutputFormat;
        // prettytable prints str(None); the shared table leaves null cells empty (member tables).
        const cells = as === 'pretty' ? rows.map((row) => row.map((v) => (v === null ? 'None' : v))) : rows;
        ctx.out.write(printOutput(header, cells, { format: as, delimiter }));
      },
      { clear: false },
    );
  });
  return 0;
}
