import { ctlError } from '../../errors.js';
import type { CommandSpec } from '../args.js';
import { groupOption, roleOption, watchOptions } from './common-options.js';

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
    { names: ['-f', '--file'], dest: 'file', kind: 'value', help: 'Execute the SQL commands from this file' },
    { names: ['--password'], dest: 'password', kind: 'flag', help: 'force password prompt' },
    { names: ['-U', '--username'], dest: 'username', kind: 'value', help: 'database user name' },
    roleOption('The role of the query', undefined),
    { names: ['-m', '--member'], dest: 'member', kind: 'value', help: 'Query a specific member' },
    { names: ['--delimiter'], dest: 'delimiter', kind: 'value', default: '\t', help: 'The column delimiter' },
    { names: ['-c', '--command'], dest: 'command', kind: 'value', help: 'The SQL commands to execute' },
    { names: ['-d', '--dbname'], dest: 'dbname', kind: 'value', help: 'database name to connect to' },
    ...watchOptions,
  ],
  args: [{ name: 'cluster_name' }],
};

export async function runQuery(): Promise<number> {
  throw ctlError(
    'query needs a PostgreSQL client (the pg package), which this version of patronictl does not include',
  );
}
